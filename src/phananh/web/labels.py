"""What people read for the codes of the domain: statuses, stages, actions, channels (English msgids)."""

STATUS = {
    "received": "Received",
    "assigned": "Sent to an agency",
    "returned": "Returned by the agency",
    "in_progress": "Being handled",
    "resolved": "Result awaiting review",
    "published": "Result published",
    "closed": "Closed",
    "rejected": "Rejected",
    "merged": "Merged into another report",
}

STAGE = {
    "distribute": "Distribution",
    "return": "Return window",
    "respond": "Agency response",
    "publish": "Publication of the result",
}

ACTION = {
    "submit": "Report submitted",
    "assign": "Sent to the agency",
    "reject": "Rejected",
    "merge": "Merged",
    "return": "Returned to the Portal",
    "respond": "Agency responded",
    "resolve": "Result submitted",
    "rework": "Sent back for more work",
    "publish": "Result published",
    "rate": "Rated by the reporter",
    "reopen": "Reopened",
    "close": "Closed",
    "flag_urgent": "Flagged urgent",
    "unflag_urgent": "No longer urgent",
    "log_contact": "Agency leader contacted",
    "delegate": "Delegated to a handler",
    "comment": "Comment",
    "make_public": "Made public by the Portal",
    "redact": "Public view edited",
    "reclassify": "Category changed",
    "erase_identity": "Reporter's identity erased",  # privacy: on request or after the retention period
}

CHANNEL = {
    "api": "App",
    "app": "App",
    "web": "Web",
    "hotline": "Hotline",
    "walk_in": "In person",
    "email": "Email",
    "zalo": "Zalo",
    "facebook": "Facebook",
    "other": "Other",
}

ROLE = {
    "citizen": "Citizen",
    "dispatcher": "Portal dispatcher",
    "handler": "Agency handler",
    "agency_leader": "Agency leader",
    "supervisor": "Leader (statistics)",
    "admin": "Administrator",
}

# Colour class of each status badge.
STATUS_TONE = {
    "received": "info", "assigned": "info", "returned": "warn", "in_progress": "info", "resolved": "warn",
    "published": "ok", "closed": "muted", "rejected": "muted", "merged": "muted",
}
