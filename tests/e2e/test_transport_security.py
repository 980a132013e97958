"""Headers and transport: CSP without inline styles and with base-uri 'none', HSTS and Secure cookies behind a
TLS proxy, client addresses from X-Forwarded-For only through a trusted proxy, /docs off, no parameters in
database error logs."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from engine.database import Database
from tests.e2e.conftest import Web, post_login
from tests.world import PASSWORD


def test_csp_forbids_inline_styles_and_base_tags_and_docs_are_off(web: Web) -> None:
    csp = web.client.get("/login").headers["content-security-policy"]
    directives = {d.split()[0]: d.split()[1:] for d in csp.split("; ")}
    assert directives["style-src"] == ["'self'"] and directives["base-uri"] == ["'none'"]
    assert "'unsafe-inline'" not in csp and directives["script-src"] == ["'self'"]
    assert "strict-transport-security" not in web.client.get("/login").headers  # off by default
    assert web.client.get("/docs").status_code == 404 and web.client.get("/redoc").status_code == 404
    assert web.client.get("/openapi.json").status_code == 200


def test_behind_a_tls_proxy_cookies_are_secure_and_hsts_is_sent(web: Web) -> None:
    web.app.settings.secure_cookies = True
    web.app.settings.hsts_seconds = 31536000
    form = web.client.get("/login")  # the app sees http:// (TLS ends at the proxy) …
    assert form.headers["strict-transport-security"] == "max-age=31536000; includeSubDomains"
    assert "Secure" in form.headers["set-cookie"]  # … and still marks its cookies Secure
    browser = TestClient(web.client.app, follow_redirects=False, base_url="https://opora.example")
    logged_in = post_login(browser, "opeka")
    assert logged_in.status_code == 303 and all("Secure" in c for c in logged_in.headers.get_list("set-cookie"))
    token_id = web.process.rows("select count(*) from api_token")[0][0] + 1
    revoked = browser.post(f"/me/tokens/{token_id}/revoke", data={"csrf": web.csrf(browser)})
    flash = [c for c in revoked.headers.get_list("set-cookie") if c.startswith("opora_flash")]
    assert flash and "Secure" in flash[0]  # set without the flag by the app, marked by the middleware


def throttled_from(client: TestClient, headers: dict[str, str], times: int = 6) -> int:
    statuses = [post_login(client, "agent", "неверный-пароль", headers=headers).status_code for _ in range(times)]
    return statuses.count(429)


def test_x_forwarded_for_counts_only_through_a_trusted_proxy(web: Web) -> None:
    # the test client's peer is "testclient": an untrusted peer's header is ignored, so rotating it is useless
    assert throttled_from(web.client, {"X-Forwarded-For": "203.0.113.1"}, 5) == 0
    assert throttled_from(web.client, {"X-Forwarded-For": "203.0.113.2"}, 1) == 1
    addresses = {r.address for r in web.process.rows("select address from login_attempt")}
    assert addresses == {"testclient"}


def test_a_trusted_proxy_reports_the_client_and_the_real_user_still_gets_in(web: Web) -> None:
    web.app.settings.trusted_proxies = "127.0.0.0/8"
    proxy = TestClient(web.client.app, follow_redirects=False, client=("127.0.0.1", 50000))
    attacker = {"X-Forwarded-For": "198.51.100.9, 127.0.0.1"}  # a chain through two proxies of ours
    assert throttled_from(proxy, attacker, 7) == 2
    spoofed = {"X-Forwarded-For": "192.0.2.200, 198.51.100.9"}  # the client wrote an address in front: ignored
    assert throttled_from(proxy, spoofed, 1) == 1
    owner = post_login(proxy, "agent", PASSWORD, headers={"X-Forwarded-For": "192.0.2.200"})
    assert owner.status_code == 303
    addresses = [r.address for r in web.process.rows("select address from login_attempt order by id")]
    assert addresses[0] == "198.51.100.9" and addresses[-1] == "192.0.2.200"


#: a name that appears in no source line (a traceback shows source lines, not values)
NAME = "".join(("Ива", "нова ", "Анна"))


def test_database_errors_never_log_parameters(db: Database, caplog: pytest.LogCaptureFixture) -> None:
    with pytest.raises(sa.exc.IntegrityError) as failed, db.engine.begin() as conn:
        for _ in range(2):
            conn.execute(sa.text("insert into territory (code, name) values (:c, :n)"), {"c": "x", "n": NAME})
    logging.getLogger("opora.errors").error("database error", exc_info=failed.value)
    assert NAME not in str(failed.value) and NAME not in caplog.text and "parameters hidden" in caplog.text
