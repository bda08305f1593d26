"""A reporter rates a published result once: a second rating is refused with a clear 409, and the first stands."""

from tests.support import report_in_state


async def test_a_second_rating_is_refused_and_the_first_stands(client, tokens):
    created = await report_in_state(client, tokens, "published")
    url = f"/api/v1/reports/{created['id']}/actions/rate"
    reporter = {"X-Tracking-Token": created["tracking_token"]}
    r = await client.post(url, json={"score": 2, "comment": "Chậm"}, headers=reporter)
    assert r.status_code == 200, r.text

    again = await client.post(url, json={"score": 5, "comment": "Đổi ý"}, headers=reporter)
    assert again.status_code == 409
    error = again.json()["error"]
    assert error["code"] == "already_rated"
    assert error["message"] == "Bạn đã đánh giá kết quả này rồi."
    english = await client.post(url, json={"score": 5}, headers={**reporter, "Accept-Language": "en"})
    assert english.json()["error"]["message"] == "You have already rated this result."

    view = (await client.get(f"/api/v1/track/{created['tracking_token']}")).json()
    assert view["rating"] == {"score": 2, "comment": "Chậm"}
