"""Channel adapters: email over SMTP, SMS through an HTTP gateway, and a log-only stand-in for each.

A sender raises on failure; the delivery loop retries. Pick another SMS gateway by writing a class with
the same `send` and returning it from `senders_from_settings`.
"""

from __future__ import annotations

import asyncio
import logging
import smtplib
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import httpx

from phananh.config import Settings

log = logging.getLogger("phananh.notifications")


class Sender(Protocol):
    async def send(self, *, to: str, subject: str, body: str, notification_id: int) -> None: ...


@dataclass(frozen=True)
class SmtpSender:
    host: str
    port: int = 25
    sender: str = "Phản ánh hiện trường <no-reply@phananh.invalid>"
    username: str | None = None
    password: str | None = None
    starttls: bool = False
    timeout: float = 20.0

    async def send(self, *, to: str, subject: str, body: str, notification_id: int) -> None:
        # smtplib in a thread: one short blocking session per message, off the event loop.
        await asyncio.to_thread(self._send, email_message(self.sender, to, subject, body, notification_id))

    def _send(self, message: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
            if self.starttls:
                smtp.starttls()
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(message)


def email_message(sender: str, to: str, subject: str, body: str, notification_id: int) -> EmailMessage:
    """UTF-8 throughout: RFC 2047 subject, quoted-printable body, so diacritics survive any relay."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    message["Message-ID"] = make_msgid(idstring=f"phananh-{notification_id}")
    # The same id on a resend lets a mailbox or a test see a duplicate (delivery is at least once).
    message["X-Phananh-Notification"] = str(notification_id)
    message.set_content(body, charset="utf-8", cte="quoted-printable")
    return message


@dataclass(frozen=True)
class HttpSmsGateway:
    """POST {"to", "text"} as JSON to the gateway; any 2xx is success."""

    url: str
    timeout: float = 10.0

    async def send(self, *, to: str, subject: str, body: str, notification_id: int) -> None:
        async with httpx.AsyncClient(timeout=self.timeout) as client:
            response = await client.post(self.url, json={"to": to, "text": body, "reference": str(notification_id)})
            response.raise_for_status()


@dataclass(frozen=True)
class LogSender:
    """Embedded demo without a mail server or SMS gateway: the message goes to the server log."""

    channel: str

    async def send(self, *, to: str, subject: str, body: str, notification_id: int) -> None:
        log.info("%s notification %s to %s: %s", self.channel, notification_id, to, subject)


def senders_from_settings(settings: Settings) -> dict[str, Sender]:
    email: Sender = SmtpSender(
        host=settings.smtp_host, port=settings.smtp_port, sender=settings.smtp_from,
        username=settings.smtp_username, password=settings.smtp_password, starttls=settings.smtp_starttls,
    ) if settings.smtp_host else LogSender("email")
    sms: Sender = HttpSmsGateway(settings.sms_gateway_url) \
        if settings.sms_backend == "http" and settings.sms_gateway_url else LogSender("sms")
    return {"email": email, "sms": sms}
