"""Delivery of the outbox: a real SMTP server, a real HTTP SMS gateway, retries with back-off, giving up."""

import email
import email.policy
import json
import socket
import threading
import uuid
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from aiosmtpd.controller import Controller

from phananh.notifications.delivery import MAX_ATTEMPTS, deliver_due, retry_delay
from phananh.notifications.senders import HttpSmsGateway, SmtpSender
from tests.support import act, submit

from .support import rows


class Accept:
    """A channel that always works (for the channel a test does not look at)."""

    async def send(self, **_kw):
        return None


class Mailbox:
    def __init__(self):
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp_server():
    mailbox = Mailbox()
    controller = Controller(mailbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    yield mailbox, controller.hostname, controller.port
    controller.stop()


class Gateway:
    """A local SMS gateway that answers 500 to the first message for `flaky_number`."""

    def __init__(self, flaky_number: str | None = None):
        self.received: list[dict] = []
        self.flaky_number, self._failed = flaky_number, False
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                gateway.received.append(body)
                fail = body["to"] == gateway.flaky_number and not gateway._failed
                gateway._failed = gateway._failed or fail
                self.send_response(500 if fail else 200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(b'{"ok": false}' if fail else b'{"ok": true}')

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def to(self, number: str) -> list[dict]:
        return [m for m in self.received if m["to"] == number]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def _now() -> datetime:
    return datetime.now(timezone.utc) + timedelta(seconds=1)


async def test_an_email_arrives_with_its_vietnamese_diacritics_intact(client, tokens, engine, smtp_server):
    mailbox, host, port = smtp_server
    address = f"tran.thi.hoa.{uuid.uuid4().hex[:8]}@example.vn"
    rid = (await submit(client, reporter={"name": "Trần Thị Hoa", "email": address}))["id"]
    reason = "Nội dung thuộc khiếu nại, tố cáo: đề nghị gửi theo đường khiếu nại của tỉnh Cà Mau."
    await act(client, rid, "reject", {"reason": reason}, await tokens("dispatcher"))

    result = await deliver_due(engine, senders={"email": SmtpSender(host, port), "sms": Accept()}, now=_now())
    assert result.sent >= 1
    (notice,) = await rows(engine, rid, "rejected")
    assert notice["status"] == "sent" and notice["attempts"] == 1
    (raw,) = [content for rcpt, content in mailbox.messages if rcpt == [address]]
    assert raw.isascii()  # encoded for any relay: RFC 2047 subject, quoted-printable body
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert message["Subject"] == notice["subject"]
    assert message["Subject"].startswith("Phản ánh PA-") and message["Subject"].endswith("của bạn không được tiếp nhận")
    assert message["From"].addresses[0].display_name == "Phản ánh hiện trường"
    body = message.get_content()
    assert f"Lý do: {reason}" in body and "Cảm ơn bạn đã gửi phản ánh." in body
    assert message["X-Phananh-Notification"] == str(notice["id"])


async def test_an_sms_goes_to_the_gateway_and_is_retried_after_a_failure(client, tokens, engine):
    number = f"+8498{uuid.uuid4().int % 10**7:07d}"
    gateway = Gateway(flaky_number=number)
    senders = {"email": Accept(), "sms": HttpSmsGateway(gateway.url)}
    try:
        rid = (await submit(client, reporter={"name": "Lê Văn Tám", "phone": number}))["id"]
        await act(client, rid, "reject", {"reason": "Trùng lặp"}, await tokens("dispatcher"))
        first = _now()
        await deliver_due(engine, senders=senders, now=first)
        (notice,) = await rows(engine, rid, "rejected")
        assert (notice["status"], notice["attempts"]) == ("pending", 1)
        assert "HTTPStatusError" in notice["last_error"] and "500" in notice["last_error"]
        assert notice["next_attempt_at"] == first + retry_delay(1)

        await deliver_due(engine, senders=senders, now=first + timedelta(seconds=20))  # too early to retry
        assert len(gateway.to(number)) == 1
        await deliver_due(engine, senders=senders, now=first + retry_delay(1))
        (notice,) = await rows(engine, rid, "rejected")
        assert (notice["status"], notice["attempts"], notice["last_error"]) == ("sent", 2, None)
        sent = gateway.to(number)
        assert len(sent) == 2 and sent[1]["text"].startswith("Phản ánh PA-")
    finally:
        gateway.close()


class Unreachable:
    """An SMS gateway that is down for one number."""

    def __init__(self, number):
        self.number, self.tries = number, 0

    async def send(self, *, to, **_kw):
        if to == self.number:
            self.tries += 1
            raise ConnectionError("gateway unreachable")


async def test_delivery_gives_up_after_the_last_attempt_with_growing_delays(client, tokens, engine):
    number = f"+8497{uuid.uuid4().int % 10**7:07d}"
    rid = (await submit(client, reporter={"name": "Phạm Thị Mười", "phone": number}))["id"]
    await act(client, rid, "reject", {"reason": "Trùng lặp"}, await tokens("dispatcher"))
    sms = Unreachable(number)
    now, delays = _now(), []
    for _ in range(MAX_ATTEMPTS):
        await deliver_due(engine, senders={"email": Accept(), "sms": sms}, now=now)
        (notice,) = await rows(engine, rid, "rejected")
        if notice["status"] != "pending":
            break
        delays.append(notice["next_attempt_at"] - now)
        now = notice["next_attempt_at"]
    assert (notice["status"], notice["attempts"], sms.tries) == ("failed", MAX_ATTEMPTS, MAX_ATTEMPTS)
    assert "gateway unreachable" in notice["last_error"]
    assert delays == [timedelta(seconds=30 * 2**k) for k in range(7)] + [timedelta(hours=1)] * 2


def test_retry_delays_double_up_to_an_hour():
    assert [retry_delay(n) for n in (1, 2, 3)] == [timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert retry_delay(20) == timedelta(hours=1)
