"""Intake rules live in the service (`submit_report`): REST, the plain web form and Open311 give the same refusal,
each in its own shape, and none of them writes a report (both DBs)."""

from __future__ import annotations

import uuid

import httpx
import pytest
from sqlalchemy import delete, func, insert, select

from phananh.directory import service as directory
from phananh.directory.tables import categories
from phananh.ops import rules
from phananh.reports.tables import reports
from tests.open311.conftest import BASE, request_form
from tests.support import partner_api_key, report_body
from tests.web.test_pages import field_errors, form_token

OUT_OF_SCOPE = "khieu-nai-to-cao-test"  # belongs to another legal channel (complaints law), not to this system
HINT_VI = "Khiếu nại, tố cáo gửi theo Luật Khiếu nại tại Ban Tiếp công dân tỉnh."
HINT_EN = "Complaints go to the Citizen Reception Board under the Law on Complaints."


@pytest.fixture
async def out_of_scope(engine):
    """A category that the directory knows (forms show it to guide people elsewhere) but that takes no report."""
    async with engine.begin() as conn:
        await conn.execute(insert(categories).values(
            code=OUT_OF_SCOPE, name_vi="Khiếu nại, tố cáo", name_en="Complaints and denunciations",
            hint_vi=HINT_VI, hint_en=HINT_EN, group_code="khac", keywords=[], out_of_scope=True, active=True,
            sensitive=False))
        await rules.bump(conn, rules.DIRECTORY)
    directory.invalidate()
    yield OUT_OF_SCOPE
    async with engine.begin() as conn:
        await conn.execute(delete(categories).where(categories.c.code == OUT_OF_SCOPE))
        await rules.bump(conn, rules.DIRECTORY)
    directory.invalidate()


@pytest.fixture
async def partner_key(client, tokens) -> str:
    return await partner_api_key(client, tokens, "Đối tác thử quy tắc tiếp nhận")


async def _count(engine) -> int:
    async with engine.connect() as conn:
        return (await conn.execute(select(func.count()).select_from(reports))).scalar_one()


async def test_rest_refuses_an_out_of_scope_category_with_a_422_and_its_hint(client, engine, out_of_scope):
    before = await _count(engine)
    r = await client.post("/api/v1/reports", json=report_body(category=out_of_scope))
    assert r.status_code == 422, r.text
    error = r.json()["error"]
    assert error["code"] == "out_of_scope_category"
    assert error["details"] == {"field": "category"}
    assert "Khiếu nại, tố cáo" in error["message"] and HINT_VI in error["message"]
    en = await client.post("/api/v1/reports", json=report_body(category=out_of_scope, language="en"),
                           headers={"Accept-Language": "en"})
    assert en.status_code == 422 and HINT_EN in en.json()["error"]["message"]
    assert await _count(engine) == before


async def test_rest_refuses_it_for_staff_too(client, engine, tokens, out_of_scope):
    before = await _count(engine)
    r = await client.post("/api/v1/reports", json=report_body(category=out_of_scope, channel="hotline"),
                          headers=await tokens("dispatcher"))
    assert r.status_code == 422 and r.json()["error"]["code"] == "out_of_scope_category", r.text
    assert await _count(engine) == before


async def test_open311_refuses_it_in_its_own_error_format(client, engine, partner_key, out_of_scope):
    before = await _count(engine)
    r = await client.post(f"{BASE}/requests.json", data={"api_key": partner_key,
                                                         **request_form(service_code=out_of_scope)})
    assert r.status_code == 400, r.text
    [error] = r.json()
    assert error["code"] == "out_of_scope_category" and HINT_VI in error["description"]
    assert await _count(engine) == before


async def test_the_web_form_refuses_it_in_vietnamese_next_to_the_category(app, engine, out_of_scope):
    before = await _count(engine)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver") as browser:
        page = await browser.get("/")
        assert f'value="{out_of_scope}"' not in page.text  # not offered: the form only guides elsewhere
        token = await form_token(browser, "/")
        r = await browser.post("/gui-phan-anh", data={
            "csrf_token": token, "idempotency_key": str(uuid.uuid4()), "category": out_of_scope,
            "description": "Tôi muốn khiếu nại quyết định thu hồi đất", "address": "Ấp 3, xã Tân Thành",
            "anonymous": "1"})
    assert r.status_code == 422
    assert any("Hệ thống không tiếp nhận phản ánh về “Khiếu nại, tố cáo”" in e and HINT_VI in e
               for e in field_errors(r.text)), field_errors(r.text)
    assert await _count(engine) == before
