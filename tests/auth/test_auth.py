"""Staff sign in with a password; citizens with a one-time code sent by SMS."""

from tests.conftest import DEMO_PASSWORD


async def test_staff_login_gives_a_bearer_token_that_identifies_the_user(client):
    r = await client.post("/api/v1/auth/login", json={"username": "dispatcher", "password": DEMO_PASSWORD})
    assert r.status_code == 200
    token = r.json()["access_token"]
    me = await client.get("/api/v1/auth/me", headers={"Authorization": f"Bearer {token}"})
    assert me.json()["role"] == "dispatcher"


async def test_wrong_password_and_unknown_user_get_the_same_401(client):
    a = await client.post("/api/v1/auth/login", json={"username": "dispatcher", "password": "sai"})
    b = await client.post("/api/v1/auth/login", json={"username": "khong-co-ai", "password": "sai"})
    assert a.status_code == b.status_code == 401
    assert a.json() == b.json()
    assert a.json()["error"]["message"] == "Sai tên đăng nhập hoặc mật khẩu."


async def test_an_invalid_token_is_401_not_anonymous(client):
    r = await client.get("/api/v1/reports", headers={"Authorization": "Bearer gia-mao"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "invalid_token"


async def test_citizen_otp_wrong_code_is_refused_and_attempts_are_limited(client, monkeypatch):
    from phananh.auth import service

    sent = []

    async def capture(to, text, *, settings):
        sent.append(text)

    monkeypatch.setattr(service, "send_sms", capture)
    assert (await client.post("/api/v1/auth/otp/request", json={"phone": "0977 123 456"})).status_code == 202
    code = sent[-1].rsplit(" ", 1)[-1]
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(service.MAX_OTP_ATTEMPTS):
        r = await client.post("/api/v1/auth/otp/verify", json={"phone": "0977123456", "code": wrong})
        assert r.status_code == 401
    # after too many wrong attempts even the right code no longer works
    r = await client.post("/api/v1/auth/otp/verify", json={"phone": "0977123456", "code": code})
    assert r.status_code == 401


async def test_invalid_phone_is_422(client):
    r = await client.post("/api/v1/auth/otp/request", json={"phone": "abc"})
    assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_phone"


async def test_login_also_takes_an_oauth2_password_form(client):
    r = await client.post("/api/v1/auth/login", data={"username": "dispatcher", "password": DEMO_PASSWORD,
                                                      "grant_type": "password"})
    assert r.status_code == 200 and r.json()["token_type"] == "bearer"
    bad = await client.post("/api/v1/auth/login", data={"username": "dispatcher"})
    assert bad.status_code == 422 and bad.json()["error"]["code"] == "validation_error"
    broken = await client.post("/api/v1/auth/login", content=b"{", headers={"Content-Type": "application/json"})
    assert broken.status_code == 400
