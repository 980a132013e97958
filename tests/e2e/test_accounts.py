"""Accounts over HTTP: the administrator's pages and REST endpoints, one's own password, session and token
lifetimes, the list of sessions with "end all others", the login form's CSRF token."""

from __future__ import annotations

import re
from datetime import timedelta

from freezegun import freeze_time

from tests.e2e.conftest import Web, post_login
from tests.world import PASSWORD

NEW_PASSWORD = "совсем-новый-пароль-2025"


def test_the_administrator_creates_re_roles_resets_and_deactivates_users_in_the_ui(web: Web) -> None:
    admin = web.client_for("admin")
    csrf = web.csrf(admin, "/admin/users")
    page = admin.get("/admin/users")
    assert page.status_code == 200 and 'data-user="curator"' in page.text and 'data-user="other_opeka"' not in page.text
    refused = admin.post("/admin/users", data={"csrf": csrf, "login": "newbie", "full_name": "Новикова Анна",
                                               "org_id": str(web.world.orgs["other_opeka"]), "roles": ["curator"]})
    assert refused.status_code == 422 and "организацию вашей территории" in refused.text
    created = admin.post("/admin/users", data={"csrf": csrf, "login": "newbie", "full_name": "Новикова Анна",
                                               "org_id": str(web.world.orgs["uso"]), "roles": ["curator"]})
    assert created.status_code == 200
    one_time = re.search(r'<code class="secret">([^<]+)</code>', created.text)
    assert one_time
    newbie = web.client.__class__(web.client.app, follow_redirects=False)
    assert post_login(newbie, "newbie", one_time.group(1)).status_code == 303
    assert newbie.get("/").headers["location"] == "/me/password"  # must choose a password first
    token = web.csrf(newbie, "/me/password")
    weak = newbie.post("/me/password", data={"csrf": token, "current": one_time.group(1), "new": "password1234",
                                             "repeat": "password1234"})
    assert weak.status_code == 422 and "распространённых" in weak.text
    ok = newbie.post("/me/password", data={"csrf": token, "current": one_time.group(1), "new": NEW_PASSWORD,
                                           "repeat": NEW_PASSWORD})
    assert ok.status_code == 303 and newbie.get("/").status_code == 200
    user_id = web.process.rows("select id from app_user where login = 'newbie'")[0].id
    assert admin.post(f"/admin/users/{user_id}/roles", data={"csrf": csrf, "roles": ["curator", "agency"]}
                      ).status_code == 303
    assert {r.role for r in web.process.rows(f"select role from user_role where user_id = {user_id}")} == {
        "curator", "agency"}
    assert admin.post(f"/admin/users/{user_id}/deactivate", data={"csrf": csrf}).status_code == 303
    assert newbie.get("/").status_code == 303  # the session ended with the account
    assert post_login(newbie, "newbie", NEW_PASSWORD).status_code == 401
    own = web.world.users["admin"]
    itself = admin.post(f"/admin/users/{own}/deactivate", data={"csrf": csrf})
    assert itself.status_code == 422 and "собственную" in itself.text
    reset = admin.post(f"/admin/users/{web.world.users['curator']}/reset-password", data={"csrf": csrf})
    assert reset.status_code == 200 and 'data-testid="one-time-password"' in reset.text
    log = web.process.rows("select what from access_log where action = 'account' order by id")
    assert [r.what for r in log][:3] == ["создан пользователь newbie (curator)", "пользователь сменил свой пароль",
                                         "пользователь newbie: роли agency, curator"]


def test_a_name_with_a_control_character_is_refused_by_the_administrators_form(web: Web) -> None:
    admin = web.client_for("admin")
    data = {"csrf": web.csrf(admin, "/admin/users"), "login": "newbie", "full_name": "Новикова\x07 Анна",
            "position": "Специалист\u202e", "org_id": str(web.world.orgs["uso"]), "roles": ["curator"]}
    refused = admin.post("/admin/users", data=data)
    assert refused.status_code == 422 and "U+0007" in refused.text and "U+202E" in refused.text
    assert web.process.rows("select count(*) from app_user where login = 'newbie'")[0][0] == 0
    created = admin.post("/admin/users", data={**data, "full_name": " Новикова\t Анна ", "position": "Специалист"})
    assert created.status_code == 200
    assert web.process.rows("select full_name from app_user where login = 'newbie'")[0][0] == "Новикова Анна"


def test_only_administrators_manage_users(web: Web) -> None:
    boss = web.client_for("boss")
    assert boss.get("/admin/users").status_code == 403
    assert web.client.get("/api/v1/users", headers=web.token("boss")).json()["error"] == "forbidden"


def test_users_over_the_api(web: Web) -> None:
    headers = web.token("admin")
    listed = web.client.get("/api/v1/users", headers=headers).json()
    assert {u["login"] for u in listed} >= {"opeka", "curator", "admin"} and "other_opeka" not in {
        u["login"] for u in listed}
    body = {"login": "api-user", "full_name": "Петров Пётр", "org_id": web.world.orgs["opeka"],
            "roles": ["guardianship"], "password": "api-user-password-1"}
    refused = web.client.post("/api/v1/users", json=body, headers=headers)
    assert refused.status_code == 422 and refused.json()["details"]["fields"]["password"].startswith("пароль не должен")
    body["password"] = "длинный пароль для API"
    created = web.client.post("/api/v1/users", json=body, headers=headers)
    assert created.status_code == 201 and created.json()["password"] is None
    user_id = created.json()["user"]["id"]
    changed = web.client.patch(f"/api/v1/users/{user_id}", json={"roles": ["supervisor"]}, headers=headers)
    assert changed.json()["roles"] == ["supervisor"]
    other = web.world.users["other_opeka"]
    assert web.client.patch(f"/api/v1/users/{other}", json={"active": False}, headers=headers).status_code == 404
    victim = web.token("curator")
    reset = web.client.post(f"/api/v1/users/{web.world.users['curator']}/reset-password", headers=headers)
    assert reset.status_code == 200 and len(reset.json()["password"]) >= 12
    assert web.client.get("/api/v1/me", headers=victim).status_code == 401  # the reset revoked their tokens


def test_changing_ones_password_ends_the_other_sessions_only(web: Web) -> None:
    laptop, phone = web.client_for("opeka"), web.client_for("opeka")
    assert len(re.findall(r"<tr[^>]*><td>", laptop.get("/me").text.split('data-testid="sessions"')[1]
                          .split("</table>")[0])) == 2
    wrong = laptop.post("/me/password", data={"csrf": web.csrf(laptop), "current": "не тот", "new": NEW_PASSWORD,
                                              "repeat": NEW_PASSWORD})
    assert wrong.status_code == 422 and "текущий пароль введён неверно" in wrong.text
    done = laptop.post("/me/password", data={"csrf": web.csrf(laptop), "current": PASSWORD, "new": NEW_PASSWORD,
                                             "repeat": NEW_PASSWORD})
    assert done.status_code == 303
    assert laptop.get("/me").status_code == 200 and phone.get("/me").status_code == 303
    assert post_login(web.client, "opeka", NEW_PASSWORD).status_code == 303


def test_end_all_other_sessions(web: Web) -> None:
    first, second, third = (web.client_for("agent") for _ in range(3))
    page = first.get("/me").text
    assert "этот сеанс" in page and "Завершить все другие сеансы" in page
    assert first.post("/me/sessions/end-others", data={"csrf": web.csrf(first)}).status_code == 303
    assert first.get("/me").status_code == 200
    assert second.get("/me").status_code == 303 and third.get("/me").status_code == 303


def test_a_session_ends_after_30_idle_minutes_and_12_hours_in_any_case(web: Web) -> None:
    start = web.svc.runtime.clock.now()
    with freeze_time(start) as frozen:
        idle = web.client_for("curator")
        frozen.tick(timedelta(minutes=29))
        assert idle.get("/me").status_code == 200  # a request slides the idle timeout
        frozen.tick(timedelta(minutes=29))
        assert idle.get("/me").status_code == 200
        frozen.tick(timedelta(minutes=31))
        assert idle.get("/me").status_code == 303
        busy, logged_in = web.client_for("curator"), web.svc.runtime.clock.now()
        for _ in range(40):  # active all day, a request every 25 minutes
            frozen.tick(timedelta(minutes=25))
            status = busy.get("/me").status_code
            if status != 200:
                break
        lasted = web.svc.runtime.clock.now() - logged_in
        assert status == 303 and timedelta(hours=12) <= lasted < timedelta(hours=12, minutes=25)


def test_the_lifetimes_follow_their_settings(web: Web) -> None:
    web.app.settings.session_idle_minutes = 10
    web.app.settings.session_max_hours = 1
    start = web.svc.runtime.clock.now()
    with freeze_time(start) as frozen:
        idle = web.client_for("curator")
        frozen.tick(timedelta(minutes=9))
        assert idle.get("/me").status_code == 200
        frozen.tick(timedelta(minutes=11))
        assert idle.get("/me").status_code == 303  # 10 idle minutes, not 30
        busy = web.client_for("curator")
        for _ in range(6):  # a request every 9 minutes: 54 minutes, still within the hour
            frozen.tick(timedelta(minutes=9))
            assert busy.get("/me").status_code == 200
        frozen.tick(timedelta(minutes=7))
        assert busy.get("/me").status_code == 303  # an hour after the login, however busy


def test_tokens_expire_and_show_their_dates(web: Web) -> None:
    start = web.svc.runtime.clock.now()
    with freeze_time(start) as frozen:
        issued = web.client.post("/api/v1/tokens", json={"login": "secretary", "password": PASSWORD, "days": 7})
        assert issued.status_code == 201
        headers = {"Authorization": f"Bearer {issued.json()['token']}"}
        default = web.client.post("/api/v1/tokens", json={"login": "secretary", "password": PASSWORD})
        assert default.json()["expires_at"].startswith((start + timedelta(days=90)).date().isoformat())
        longer = web.client.post("/api/v1/tokens", json={"login": "secretary", "password": PASSWORD, "days": 365})
        assert longer.json()["expires_at"] == default.json()["expires_at"]  # never longer than the setting allows
        assert web.client.get("/api/v1/me", headers=headers).status_code == 200
        client = web.client_for("secretary")
        page = client.get("/me").text
        assert "Действует до" in page and "Последнее использование" in page
        frozen.tick(timedelta(days=7, seconds=1))
        assert web.client.get("/api/v1/me", headers=headers).status_code == 401
        assert "истёк" in web.client_for("secretary").get("/me").text


def test_a_key_name_with_a_control_character_is_refused_over_rest_and_on_the_page(web: Web) -> None:
    refused = web.client.post("/api/v1/tokens", json={"login": "secretary", "password": PASSWORD,
                                                      "name": "выгрузка\x1b[31m"})
    assert refused.status_code == 422 and refused.json()["details"][0]["field"] == "name"
    assert "U+001B" in refused.json()["details"][0]["message"]
    client = web.client_for("secretary")
    page = client.post("/me/tokens", data={"csrf": web.csrf(client), "name": "отчёт\u202eтэчто"})
    assert page.status_code == 422 and "U+202E" in page.text and 'data-testid="new-token"' not in page.text
    made = client.post("/me/tokens", data={"csrf": web.csrf(client), "name": "  отчёт\t за  квартал "})
    assert made.status_code == 200 and 'data-testid="new-token"' in made.text
    names = [r.name for r in web.process.rows("select name from api_token where user_id = :u order by id",
                                              u=web.world.users["secretary"])]
    assert names[-1] == "отчёт за квартал" and not any("\x1b" in n or "\u202e" in n for n in names)


def test_the_login_form_needs_its_csrf_token(web: Web) -> None:
    web.client.get("/login")
    forged = web.client.post("/login", data={"login": "opeka", "password": PASSWORD, "next": "/", "csrf": "forged"})
    assert forged.status_code == 403 and "Форма входа устарела" in forged.text
    fresh = web.client.__class__(web.client.app, follow_redirects=False)
    cross_site = fresh.post("/login", data={"login": "opeka", "password": PASSWORD, "next": "/"})
    assert cross_site.status_code == 403
    assert post_login(web.client, "opeka").status_code == 303


def test_me_no_longer_echoes_a_token_from_the_url(web: Web) -> None:
    client = web.client_for("opeka")
    page = client.get("/me?new_token=<b>Подделка</b>")
    assert page.status_code == 200 and "Подделка" not in page.text and "new-token" not in page.text
