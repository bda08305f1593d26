"""The reporter's identity: dispatchers see it, an agency only with consent, the public never (ARCHITECTURE §5)."""

from sqlalchemy import select

from phananh.reports.tables import identity_reads, reports
from tests.conftest import sign_in_citizen
from tests.support import AGENCY, act, report_in_state, submit

NAME, PHONE, EMAIL = "Trần Thị Mỹ Duyên", "0939111222", "myduyen.tran@example.vn"


def _assert_no_identity(text: str) -> None:
    for secret in (NAME, PHONE, EMAIL, "+84939111222"):
        assert secret not in text, f"personal data {secret!r} leaked"


async def test_no_public_response_contains_the_reporters_personal_data(client, tokens):
    created = await report_in_state(
        client, tokens, "published",
        reporter={"name": NAME, "phone": PHONE, "email": EMAIL}, share_identity_with_agency=False,
    )
    rid, token = created["id"], created["tracking_token"]
    await client.post(f"/api/v1/reports/{rid}/actions/comment", json={"text": "Cảm ơn cán bộ", "public": True},
                      headers={"X-Tracking-Token": token})
    await client.post(f"/api/v1/reports/{rid}/actions/rate", json={"score": 5}, headers={"X-Tracking-Token": token})
    public_urls = [
        f"/api/v1/reports/{rid}", f"/api/v1/reports/{rid}/events", f"/api/v1/reports/{created['code']}",
        "/api/v1/reports?page_size=100", f"/api/v1/reports?q={created['code']}", f"/api/v1/track/{token}",
    ]
    for url in public_urls:
        r = await client.get(url)
        assert r.status_code == 200, (url, r.text)
        _assert_no_identity(r.text)
    listed = (await client.get(f"/api/v1/reports?q={created['code']}")).json()
    assert [i["id"] for i in listed["items"]] == [rid]
    # the agency did not get consent: no identity for its staff either
    for user in (f"handler.{AGENCY}", f"leader.{AGENCY}", "supervisor"):
        h = await tokens(user)
        _assert_no_identity((await client.get(f"/api/v1/reports/{rid}", headers=h)).text)
        _assert_no_identity((await client.get(f"/api/v1/reports/{rid}/events", headers=h)).text)


async def test_the_public_sees_only_reports_the_portal_reviewed(client, tokens):
    fresh = await submit(client)
    r = await client.get(f"/api/v1/reports/{fresh['id']}")
    assert r.status_code == 404
    assert fresh["id"] not in {i["id"] for i in (await client.get("/api/v1/reports?page_size=100")).json()["items"]}
    await act(client, fresh["id"], "make_public", {}, await tokens("dispatcher"))
    assert (await client.get(f"/api/v1/reports/{fresh['id']}")).json()["status"] == "received"
    resolved = await report_in_state(client, tokens, "resolved")
    assert (await client.get(f"/api/v1/reports/{resolved['id']}")).status_code == 404


async def test_dispatcher_sees_identity_and_the_read_is_logged(client, tokens, engine):
    created = await submit(client, reporter={"name": NAME, "phone": PHONE, "email": EMAIL})
    r = await client.get(f"/api/v1/reports/{created['id']}", headers=await tokens("dispatcher"))
    assert r.json()["reporter"] == {"name": NAME, "phone": PHONE, "email": EMAIL}
    async with engine.connect() as conn:
        logged = (await conn.execute(select(identity_reads.c.via).where(identity_reads.c.report_id == created["id"]))).all()
    assert [row.via for row in logged] == ["report"]


async def test_agency_sees_identity_only_when_the_reporter_agreed(client, tokens):
    dispatcher, handler = await tokens("dispatcher"), await tokens(f"handler.{AGENCY}")
    shared = await submit(client, reporter={"name": NAME, "phone": PHONE}, share_identity_with_agency=True)
    private = await submit(client, reporter={"name": NAME, "phone": PHONE}, share_identity_with_agency=False)
    for c in (shared, private):
        await act(client, c["id"], "assign", {"agency": AGENCY}, dispatcher)
    assert (await client.get(f"/api/v1/reports/{shared['id']}", headers=handler)).json()["reporter"]["name"] == NAME
    assert "reporter" not in (await client.get(f"/api/v1/reports/{private['id']}", headers=handler)).json()


async def test_agency_sees_only_reports_assigned_to_it_now_or_before(client, tokens):
    dispatcher = await tokens("dispatcher")
    other = await tokens("handler.so-y-te")
    handler = await tokens(f"handler.{AGENCY}")
    created = await submit(client)
    assert (await client.get(f"/api/v1/reports/{created['id']}", headers=handler)).status_code == 404
    await act(client, created["id"], "assign", {"agency": AGENCY}, dispatcher)
    await act(client, created["id"], "return", {"reason": "Sai thẩm quyền"}, handler)
    await act(client, created["id"], "assign", {"agency": "so-y-te"}, dispatcher)
    # returned long ago, still readable by the agency that held it; readable by the new one
    assert (await client.get(f"/api/v1/reports/{created['id']}", headers=handler)).status_code == 200
    assert (await client.get(f"/api/v1/reports/{created['id']}", headers=other)).status_code == 200
    ids = [i["id"] for i in (await client.get("/api/v1/reports?page_size=100&sort=-updated_at", headers=handler)).json()["items"]]
    assert created["id"] in ids
    unrelated = await submit(client)
    assert (await client.get(f"/api/v1/reports/{unrelated['id']}", headers=handler)).status_code == 404


async def test_signed_in_citizen_owns_their_reports(client, monkeypatch_session, engine):
    me = await sign_in_citizen(client, monkeypatch_session, "0911000111")
    someone = await sign_in_citizen(client, monkeypatch_session, "0911000222")
    body_reporter = {"name": "Lê Văn Tám"}
    r = await client.post("/api/v1/reports", headers=me, json={
        "category": "dien-chieu-sang", "description": "Đèn đường hỏng cả tuần nay.", "area": "phuong-an-xuyen",
        "reporter": body_reporter, "consent": True,
    })
    assert r.status_code == 201, r.text
    rid = r.json()["id"]
    mine = (await client.get("/api/v1/reports", headers=me)).json()
    assert [i["id"] for i in mine["items"]] == [rid]
    assert mine["items"][0]["reporter"]["phone"] == "+84911000111"
    assert (await client.get("/api/v1/reports", headers=someone)).json()["total"] == 0
    assert (await client.get(f"/api/v1/reports/{rid}", headers=someone)).status_code == 404
    async with engine.connect() as conn:
        consent = (await conn.execute(select(reports.c.consent, reports.c.consent_at, reports.c.consent_purpose)
                                      .where(reports.c.id == rid))).one()
    assert consent.consent and consent.consent_at and "dữ liệu cá nhân" in consent.consent_purpose
