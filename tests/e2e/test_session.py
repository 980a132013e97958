"""Logging in and out, CSRF, throttling, API tokens, structured API errors."""

from __future__ import annotations

from tests.e2e.conftest import Web, post_login
from tests.world import PASSWORD


def test_pages_need_a_login_and_login_returns_to_the_page(web: Web) -> None:
    response = web.client.get("/me")
    assert response.status_code == 303 and response.headers["location"] == "/login?next=/me"
    login = post_login(web.client, "opeka", next="/me")
    assert login.status_code == 303 and login.headers["location"] == "/me"
    cookie = login.cookies.get("opora_session") or web.client.cookies.get("opora_session")
    set_cookie = login.headers["set-cookie"]
    assert cookie and "HttpOnly" in set_cookie and "samesite=lax" in set_cookie.lower()
    page = web.client.get("/me")
    assert page.status_code == 200 and "Соколова Ирина Викторовна" in page.text
    assert "Орган опеки и попечительства" in page.text and "Сургутский район" in page.text


def test_wrong_password_and_throttling(web: Web) -> None:
    for _ in range(5):
        bad = post_login(web.client, "opeka", "неверно")
        assert bad.status_code == 401 and "Неверный логин или пароль" in bad.text
    blocked = post_login(web.client, "opeka")
    assert blocked.status_code == 429 and "Слишком много неудачных попыток" in blocked.text
    other = post_login(web.client, "agent")
    assert other.status_code == 303  # throttling is per login and address


def test_logout_needs_the_csrf_token(web: Web) -> None:
    client = web.client_for("opeka")
    refused = client.post("/logout", data={"csrf": "forged"})
    assert refused.status_code == 403 and "Форма устарела" in refused.text
    assert client.get("/me").status_code == 200
    token = web.csrf(client)
    assert client.post("/logout", data={"csrf": token}).status_code == 303
    assert client.get("/me").status_code == 303


def test_api_tokens_issue_use_and_revoke(web: Web) -> None:
    assert web.client.get("/api/v1/me").json()["error"] == "not_authenticated"
    issued = web.client.post("/api/v1/tokens", json={"login": "secretary", "password": PASSWORD, "name": "скрипт"})
    assert issued.status_code == 201
    headers = {"Authorization": f"Bearer {issued.json()['token']}"}
    me = web.client.get("/api/v1/me", headers=headers).json()
    assert me["login"] == "secretary" and me["roles"] == ["kdn_secretary"]
    bad = web.client.post("/api/v1/tokens", json={"login": "secretary", "password": "x"})
    assert bad.status_code == 401
    assert bad.json() == {"error": "not_authenticated", "message": "Неверный логин или пароль", "details": None}
    client = web.client_for("secretary")
    page = client.get("/me")
    assert "скрипт" in page.text
    token_id = web.process.rows("select id from api_token where name = 'скрипт'")[0].id
    client.post(f"/me/tokens/{token_id}/revoke", data={"csrf": web.csrf(client)})
    assert web.client.get("/api/v1/me", headers=headers).status_code == 401


def test_malformed_api_input_is_a_structured_422(web: Web) -> None:
    response = web.client.post("/api/v1/tokens", content=b"{not json", headers={"content-type": "application/json"})
    assert response.status_code == 422
    body = response.json()
    assert body["error"] == "request_invalid" and "не корректный JSON" in body["message"]
    missing = web.client.post("/api/v1/tokens", json={"login": "x"})
    assert missing.status_code == 422 and missing.json()["details"][0] == {"field": "password",
                                                                          "message": "обязательное поле"}
    assert web.client.get("/api/v1/nothing").json()["error"] == "http_404"


def test_session_cookie_works_for_the_api_with_the_csrf_header(web: Web) -> None:
    client = web.client_for("opeka")
    assert client.get("/api/v1/me").json()["login"] == "opeka"


def test_security_headers(web: Web) -> None:
    response = web.client.get("/login")
    assert response.headers["x-frame-options"] == "DENY"
    assert "default-src 'self'" in response.headers["content-security-policy"]
