from sqlalchemy import Column, ForeignKey, Index, Integer, String, Table, Text

from phananh.db import UtcDateTime, metadata
from phananh.reports.tables import Id

# The transactional outbox: one row per (change, recipient, channel), written in the transaction of the
# change that causes it, delivered afterwards by `delivery.py` (at least once).
notifications = Table(
    "notifications",
    metadata,
    Column("id", Id, primary_key=True, autoincrement=True),
    Column("recipient_user_id", Integer, ForeignKey("users.id")),
    Column("address", String(200)),  # email address or phone number; none for in_app
    Column("channel", String(8), nullable=False),  # email | sms | in_app
    Column("kind", String(32), nullable=False),  # assigned, returned, urgent, at_risk, overdue, responded...
    Column("subject", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("report_id", Id, ForeignKey("reports.id")),
    Column("event_id", Id, ForeignKey("events.id")),
    # The same change never makes a second row for the same recipient and channel.
    Column("dedupe_key", String(200), nullable=False, unique=True),
    Column("status", String(8), nullable=False),  # pending | sent | failed
    Column("attempts", Integer, nullable=False, default=0),
    Column("next_attempt_at", UtcDateTime),
    Column("sent_at", UtcDateTime),
    Column("read_at", UtcDateTime),  # in_app only
    Column("last_error", Text),
    Column("created_at", UtcDateTime, nullable=False),
)
_pending = notifications.c.status == "pending"
_in_app = notifications.c.channel == "in_app"
Index("ix_notifications_pending", notifications.c.next_attempt_at, postgresql_where=_pending, sqlite_where=_pending)
Index("ix_notifications_inbox", notifications.c.recipient_user_id, notifications.c.id,
      postgresql_where=_in_app, sqlite_where=_in_app)
Index("ix_notifications_report", notifications.c.report_id)
