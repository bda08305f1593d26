from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Table,
    Text,
    text,
)

from phananh.db import UtcDateTime, metadata

Id = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER PRIMARY KEY only

reports = Table(
    "reports",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("status", String(16), nullable=False),
    Column("category_id", Integer, ForeignKey("categories.id"), nullable=False),
    Column("agency_id", Integer, ForeignKey("agencies.id")),
    Column("area_id", Integer, ForeignKey("areas.id")),
    Column("handler_id", Integer, ForeignKey("users.id")),
    Column("urgent", Boolean, nullable=False, default=False),
    Column("urgent_hint", Boolean, nullable=False, default=False),
    Column("title", String(300), nullable=False, default=""),
    Column("description", Text, nullable=False),
    Column("lat", Float),
    Column("lon", Float),
    Column("address", String(500)),
    Column("language", String(8), nullable=False, default="vi"),
    Column("channel", String(32), nullable=False, default="api"),
    Column("visibility", String(16), nullable=False, default="public"),
    # The reporter's identity: confidential (ARCHITECTURE §5).
    Column("anonymous", Boolean, nullable=False, default=False),
    Column("reporter_name", String(200)),
    Column("reporter_phone", String(32)),
    Column("reporter_email", String(200)),
    Column("reporter_user_id", Integer, ForeignKey("users.id")),
    Column("share_identity_with_agency", Boolean, nullable=False, default=False),
    Column("consent", Boolean, nullable=False, default=False),
    Column("consent_at", UtcDateTime),
    Column("consent_purpose", String(500)),
    Column("tracking_token", String(64), nullable=False, unique=True),
    Column("public_response", Text),
    Column("result", Text),
    Column("reject_reason", Text),
    Column("merged_into_id", Id, ForeignKey("reports.id")),
    Column("rating", SmallInteger),
    Column("rating_comment", Text),
    Column("created_at", UtcDateTime, nullable=False),
    Column("updated_at", UtcDateTime, nullable=False),
    # Optimistic lock: an action applies only to the version it read, so one of two racing actions loses.
    Column("version", Integer, nullable=False, default=1),
    Column("idempotency_key", String(200), unique=True),
    Column("request_hash", String(64)),
    # Earliest due instant over the running SLA clocks: drives queues, the overdue filter and the sweep.
    Column("next_due_at", UtcDateTime),
    Column("assigned_at", UtcDateTime),
    Column("contacted_at", UtcDateTime),
    # The public view (reports/visibility.py): set by the dispatcher from the citizen's words; NULL until first
    # reviewed or redacted. `public_since` is when the Portal reviewed it (make_public or publish).
    Column("public_title", String(300)),
    Column("public_description", Text),
    Column("public_address", String(500)),
    Column("public_lat", Float),
    Column("public_lon", Float),
    Column("public_since", UtcDateTime),
    # Folded text (reports/search.py): the citizen's words for staff, the public view for the public.
    Column("search_text", Text),
    Column("public_search_text", Text),
)
Index("ix_reports_status_created", reports.c.status, reports.c.created_at)
Index("ix_reports_agency_status", reports.c.agency_id, reports.c.status)
Index("ix_reports_next_due", reports.c.next_due_at)
Index("ix_reports_reporter_user", reports.c.reporter_user_id)
Index("ix_reports_created", reports.c.created_at)
Index("ix_reports_public_since", reports.c.public_since)
# Substring search on PostgreSQL: trigram GIN indexes (pg_trgm, migration 0010). SQLite scans (fast enough at its
# size), so there the index is an empty partial one (WHERE 0) that costs a submit nothing.
for _column in (reports.c.search_text, reports.c.public_search_text):
    Index(f"ix_reports_{_column.name}_trgm", _column, postgresql_using="gin",
          postgresql_ops={_column.name: "gin_trgm_ops"}, sqlite_where=text("0"))

events = Table(
    "events",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", Id, ForeignKey("reports.id"), nullable=False),
    Column("action", String(32), nullable=False),
    Column("from_status", String(16)),
    Column("to_status", String(16), nullable=False),
    Column("actor_role", String(32), nullable=False),
    Column("actor_user_id", Integer, ForeignKey("users.id")),
    Column("actor_username", String(100)),
    # The agency this event concerns (the assigned agency on assign): scopes what agencies may read.
    Column("agency_id", Integer, ForeignKey("agencies.id")),
    Column("at", UtcDateTime, nullable=False),
    Column("public", Boolean, nullable=False, default=True),
    Column("payload", JSON, nullable=False, default=dict),
)
Index("ix_events_report", events.c.report_id, events.c.id)
Index("ix_events_agency", events.c.agency_id, events.c.report_id)
Index("ix_events_at", events.c.at)

media = Table(
    "media",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", Id, ForeignKey("reports.id"), nullable=False, index=True),
    Column("event_id", Id, ForeignKey("events.id")),
    # "report": sent with the report; "result": the agency's photos of the fix.
    Column("purpose", String(16), nullable=False, default="report"),
    Column("kind", String(16), nullable=False),
    Column("content_type", String(64), nullable=False),
    Column("size", Integer, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("path", String(300), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
)

identity_reads = Table(
    "identity_reads",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("report_id", Id, ForeignKey("reports.id"), nullable=False, index=True),
    Column("user_id", Integer, ForeignKey("users.id"), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("via", String(64), nullable=False),
)

# The public copy of each photo (issue 9): re-encoded without metadata, faces and plates blurred. A durable job:
# the worker creates the row for every photo that has none, claims it, and retries with backoff. Boxes are pixel
# rectangles on the upright original: `auto_boxes` from the detector (found once, then kept so that `hidden_auto`
# indexes stay valid), `manual_boxes` drawn by a dispatcher, `hidden_auto` the automatic ones a dispatcher undid.
media_derivatives = Table(
    "media_derivatives",
    metadata,
    Column("media_id", Id, ForeignKey("media.id"), primary_key=True, autoincrement=False),
    Column("status", String(16), nullable=False),  # pending | ready | failed
    Column("attempts", Integer, nullable=False, default=0),
    # Claimable once this instant has passed (NULL: at once); a claim pushes it out by the lease.
    Column("next_attempt_at", UtcDateTime),
    # Bumped by each redaction: a job finishing an older revision does not overwrite the newer request.
    Column("revision", Integer, nullable=False, default=0),
    Column("path", String(300)),
    Column("auto_boxes", JSON),
    Column("manual_boxes", JSON),
    Column("hidden_auto", JSON),
    Column("error", Text),
    Column("updated_at", UtcDateTime, nullable=False),
)
Index("ix_media_derivatives_due", media_derivatives.c.status, media_derivatives.c.next_attempt_at)
