"""What marks demo data, and the demo password a newcomer signs in with.

Demo reports carry `channel = "demo"`; demo users have e-mail addresses under `catalog.DEMO_EMAIL_DOMAIN`
(`.invalid`). Demo phone numbers are `+84 00…` / `000…`: well formed (ten digits from 0, or +84 and nine),
but a Vietnamese national number never starts with 0 after the country code, so none reaches a subscriber.
Notifications about demo reports are never handed to an SMS or e-mail gateway (status "demo", see
`hold_demo_notifications`), and PHANANH_ENV=production refuses a database that holds demo data.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from sqlalchemy import exists, select, update
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

DEMO_EMAIL_DOMAIN = "camau.demo.invalid"  # = catalog.DEMO_EMAIL_DOMAIN (not imported: the catalog loads data)

DEMO_CHANNEL = "demo"  # reports.channel of every sample report
DEMO_NOTIFICATION_STATUS = "demo"  # notifications.status: kept, never sent
PASSWORD_FILE = "demo-password"  # under var_dir, mode 0600
_DEMO_PHONE = re.compile(r"^(\+840|00)0\d{7,8}$")


def demo_phone(n: int) -> str:
    """A demo mobile number in the national form, 000xxxxxxx: well formed, reaches nobody."""
    return f"000{n % 10**7:07d}"


def demo_phone_intl(n: int) -> str:
    """A demo number in the international form, +8400xxxxxxx (nine digits after +84, starting 0)."""
    return f"+8400{n % 10**7:07d}"


def is_demo_phone(phone: str | None) -> bool:
    return phone is not None and bool(_DEMO_PHONE.match(phone.replace(" ", "")))


async def holds_demo_data(conn: AsyncConnection) -> bool:
    """True when any demo report or demo user is in the database."""
    from phananh.auth.tables import users
    from phananh.reports.tables import reports

    demo_report = exists().where(reports.c.channel == DEMO_CHANNEL)
    demo_user = exists().where(users.c.email.like(f"%@{DEMO_EMAIL_DOMAIN}"))
    return bool((await conn.execute(select(demo_report | demo_user))).scalar())


async def refuse_demo_in_production(engine: AsyncEngine, env: str) -> None:
    """PHANANH_ENV=production on a database with demo data: stop, saying why."""
    if env != "production":
        return
    from phananh.config import ProductionSettingsError

    async with engine.connect() as conn:
        if await holds_demo_data(conn):
            raise ProductionSettingsError([
                "The database holds demo data (`phananh seed-demo`: sample reports, demo users with a shared "
                "password): use an empty database for production (`phananh migrate` on a new one)."])


async def hold_demo_notifications(conn: AsyncConnection) -> int:
    """Mark pending SMS/e-mail about demo reports as "demo" so that no gateway ever receives them."""
    from phananh.notifications.tables import notifications as n
    from phananh.reports.tables import reports

    demo_reports = select(reports.c.id).where(reports.c.channel == DEMO_CHANNEL)
    result = await conn.execute(update(n).where(
        n.c.status == "pending", n.c.channel != "in_app", n.c.report_id.in_(demo_reports)
    ).values(status=DEMO_NOTIFICATION_STATUS, next_attempt_at=None))
    return result.rowcount or 0


def password_path(var_dir: Path) -> Path:
    return Path(var_dir) / PASSWORD_FILE


def read_password(var_dir: Path) -> str | None:
    try:
        return password_path(var_dir).read_text(encoding="utf-8").strip() or None
    except FileNotFoundError:
        return None


def store_password(var_dir: Path, password: str) -> Path:
    """Keep the demo password beside the demo database, readable by its owner only (0600)."""
    path = password_path(var_dir)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(password + "\n")
    os.chmod(path, 0o600)
    return path


async def reset_password(engine: AsyncEngine, password: str) -> int:
    """Give every demo user (e-mail under the demo domain, and admin/dispatcher/supervisor) `password`."""
    from phananh.auth.security import hash_password
    from phananh.auth.tables import users

    password_hash = hash_password(password)
    demo_users = users.c.email.like(f"%@{DEMO_EMAIL_DOMAIN}") | users.c.username.in_(
        ("admin", "dispatcher", "supervisor"))
    async with engine.begin() as conn:
        result = await conn.execute(update(users).where(demo_users).values(password_hash=password_hash))
    return result.rowcount or 0
