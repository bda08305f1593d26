"""What people read for the codes of the domain: statuses, stages, actions, channels (English msgids)."""

from phananh.workflow import Action, SystemEvent

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

ACTION: dict[str, str] = {  # every Action and SystemEvent
    Action.submit: "Report submitted",
    Action.assign: "Sent to the agency",
    Action.reject: "Rejected",
    Action.merge: "Merged",
    Action.return_: "Returned to the Portal",
    Action.respond: "Agency responded",
    Action.resolve: "Result submitted",
    Action.rework: "Sent back for more work",
    Action.publish: "Result published",
    Action.rate: "Rated by the reporter",
    Action.reopen: "Reopened",
    Action.close: "Closed",
    Action.flag_urgent: "Flagged urgent",
    Action.unflag_urgent: "No longer urgent",
    Action.log_contact: "Agency leader contacted",
    Action.delegate: "Delegated to a handler",
    Action.comment: "Comment",
    Action.make_public: "Made public by the Portal",
    Action.redact: "Public view edited",
    Action.reclassify: "Category changed",
    SystemEvent.erase_identity: "Reporter's identity erased",  # privacy: on request or after the retention period
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
