"""An address with no page: a browser gets the site's 404 page in its language with the way back, not the API's
JSON error; API and Open311 clients keep the JSON body (both DBs)."""

from __future__ import annotations

HTML = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


async def test_a_browser_at_a_mistyped_address_gets_a_page_in_vietnamese(client):
    r = await client.get("/phan-anh-moi", headers={**HTML, "Accept-Language": "vi-VN,vi;q=0.9"})
    assert r.status_code == 404
    assert r.headers["content-type"].startswith("text/html")
    assert "<h1>Không tìm thấy trang</h1>" in r.text
    assert "Không có trang nào ở địa chỉ này." in r.text
    for link in ('href="/"', 'href="/theo-doi"', 'href="/cong-khai"'):
        assert link in r.text
    assert '"error"' not in r.text


async def test_the_404_page_follows_the_chosen_language(client):
    r = await client.get("/khong-co/trang-nay?lang=en", headers=HTML)
    assert r.status_code == 404
    assert "<h1>Page not found</h1>" in r.text and "Không tìm thấy trang" not in r.text


async def test_machines_keep_the_json_404(client):
    for path in ("/api/v1/khong-co", "/open311/v2/khong-co.json"):  # Open311 keeps its own error list
        r = await client.get(path, headers=HTML)
        assert r.status_code == 404
        assert r.headers["content-type"].startswith("application/json"), path
        assert "Không tìm thấy trang" not in r.text
    r = await client.get("/khong-co-trang-nay", headers={"Accept": "application/json"})
    assert r.status_code == 404 and r.json()["error"]["code"] == "not_found"
