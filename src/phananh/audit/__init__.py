"""Tamper evidence: events sealed into an append-only hash chain, and its verification (ARCHITECTURE §5)."""
