"""Writing to the outbox: who can be reached on which channel, and one row per recipient and channel."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncConnection

from phananh.auth.tables import users
from phananh.notifications.messages import Text
from phananh.notifications.tables import notifications

EMAIL, SMS, IN_APP = "email", "sms", "in_app"
EVERY_CHANNEL = (IN_APP, EMAIL, SMS)
STAFF_CHANNELS = (IN_APP, EMAIL)


@dataclass(frozen=True)
class Recipient:
    user_id: int | None
    email: str | None = None
    phone: str | None = None
    role: str | None = None
    agency_id: int | None = None


async def staff(conn: AsyncConnection, *, roles: Sequence[str], agency_ids: Iterable[int] | None = None) -> list[Recipient]:
    """Active users with one of `roles` (of one of `agency_ids` when given)."""
    query = select(users.c.id, users.c.email, users.c.phone, users.c.role, users.c.agency_id).where(
        users.c.active.is_(True), users.c.role.in_(list(roles))
    )
    if agency_ids is not None:
        query = query.where(users.c.agency_id.in_(sorted(set(agency_ids))))
    rows = (await conn.execute(query.order_by(users.c.id))).all()
    return [Recipient(r.id, r.email, r.phone, r.role, r.agency_id) for r in rows]


def reporter(report: dict) -> tuple[Recipient, tuple[str, ...]] | None:
    """The reporter and their channels: in-app for an account, and email, else SMS."""
    if report.get("anonymous"):
        return None
    who = Recipient(report.get("reporter_user_id"), report.get("reporter_email"), report.get("reporter_phone"))
    return who, (IN_APP, EMAIL) if who.email else (IN_APP, SMS)


def rows(
    recipients: Iterable[Recipient], *, channels: Sequence[str], kind: str, text: Text, key: str, now: datetime,
    report_id: int | None = None, event_id: int | None = None,
) -> list[dict]:
    """Outbox rows for each recipient on each of `channels` they can be reached on.

    `key` names the change; with the recipient and channel it makes the dedupe key, so the same change
    never notifies the same person twice on one channel.
    """
    out = []
    for r in recipients:
        for channel in channels:
            address = {EMAIL: r.email, SMS: r.phone, IN_APP: None}[channel]
            if (channel == IN_APP and r.user_id is None) or (channel != IN_APP and not address):
                continue
            who = f"u{r.user_id}" if r.user_id is not None else address
            in_app = channel == IN_APP
            out.append({
                "recipient_user_id": r.user_id, "address": address, "channel": channel, "kind": kind,
                "subject": text.subject[:300], "body": text.sms if channel == SMS else text.body,
                "report_id": report_id, "event_id": event_id, "dedupe_key": f"{key}:{who}:{channel}"[:200],
                # In-app notifications are delivered by being there to read.
                "status": "sent" if in_app else "pending", "attempts": 0,
                "next_attempt_at": None if in_app else now, "sent_at": now if in_app else None,
                "created_at": now,
            })
    return out


async def enqueue(conn: AsyncConnection, new_rows: list[dict]) -> None:
    """Insert outbox rows in the caller's transaction; a row whose dedupe key exists is skipped."""
    if not new_rows:
        return
    insert = pg_insert if conn.dialect.name == "postgresql" else sqlite_insert
    unique: dict[str, dict] = {}
    for row in new_rows:
        unique.setdefault(row["dedupe_key"], row)
    await conn.execute(insert(notifications).on_conflict_do_nothing(index_elements=["dedupe_key"]),
                       list(unique.values()))
