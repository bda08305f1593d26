"""Staff and citizen identities, roles, tokens and one-time codes."""
