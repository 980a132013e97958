"""Who may see and do what through the REST API: the policy of ``cases/access/`` as an explicit table.

Every role is asked three times — by a user of the organisation that takes part in the case ("own"), by a
user of another organisation of the same territory ("other org") and by a user of another territory
("other terr.") — against every endpoint. The target is a case of individual preventive work (ИПР) of the
Сургутский район in execution: referred to the KDN, handed to the УСО, assigned to the curator ``curator``.

Columns are the roles in the order of :data:`ROLES` (guardianship, agency, uso_director, curator,
kdn_secretary, supervisor, admin); cells are ``own/other org/other terr.``:

* ``ok`` — a 2xx answer;  ``403`` — visible, but not allowed;  ``404`` — not found (existence not revealed);
* ``yes`` / ``no`` — a 200 list or file that does or does not contain the target case (or its family).
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from freezegun import freeze_time
from httpx import Response

from cases.commands import ChildInput
from cases.directory import add_organisation, add_user
from cases.tables import Organisation
from tests.e2e.conftest import Web
from tests.world import _HASH, PASSWORD, START

ROLES = ["guardianship", "agency", "uso_director", "curator", "kdn_secretary", "supervisor", "admin"]

# K  — the ИПР case in execution (parties: the KDN and the УСО; assignee: ``curator``);
# K2 — another ИПР case, the plan being drafted (same parties and assignee), for adding plan items;
# D  — an act on K issued by the KDN;  I — an open item of K's plan;  W — kdn_prevention;
# E  — mark_positive_dynamics (roles: kdn_secretary, curator). Queries added to the paths are in QUERIES;
# overdue counts "see" K when they count its responsible organisation.
MATRIX = """
endpoint                             guardian.   agency      uso_dir.    curator     kdn_secr.   supervisor  admin
GET  /cases/{K}                      ok/ok/404   ok/ok/404   ok/404/404  ok/404/404  ok/404/404  ok/ok/404   404/404/404
GET  /cases/{K}/history              ok/ok/404   ok/ok/404   ok/404/404  ok/404/404  ok/404/404  ok/ok/404   404/404/404
GET  /cases/{K}/documents            ok/ok/404   ok/ok/404   ok/404/404  ok/404/404  ok/404/404  ok/ok/404   404/404/404
GET  /documents/{D}/file             ok/ok/404   ok/ok/404   ok/404/404  ok/404/404  ok/404/404  ok/ok/404   404/404/404
GET  /workflows/{W}/diagram          ok/ok/404   ok/ok/404   ok/404/404  ok/404/404  ok/404/404  ok/ok/404   404/404/404
GET  /workflows                      ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok
GET  /workflows/{W}                  ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok
GET  /cases                          yes/yes/no  yes/yes/no  yes/no/no   yes/no/no   yes/no/no   yes/yes/no  no/no/no
GET  /deadlines/overdue              yes/yes/no  yes/yes/no  yes/no/no   yes/no/no   yes/no/no   yes/yes/no  no/no/no
GET  /deadlines/overdue/counts       yes/yes/no  yes/yes/no  yes/no/no   yes/no/no   yes/no/no   yes/yes/no  no/no/no
GET  /deadlines/upcoming             ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok    ok/ok/ok
GET  /kdn/agenda                     yes/yes/no  yes/yes/no  yes/no/no   yes/no/no   yes/no/no   yes/yes/no  no/no/no
POST /registry/search                yes/yes/no  yes/yes/no  yes/no/no   yes/no/no   yes/no/no   yes/yes/no  no/no/no
POST /registry/export                yes/yes/no  yes/yes/no  yes/no/no   yes/no/no   yes/no/no   yes/yes/no  no/no/no
POST /people/{P}/subject-access      403/403/403 403/403/403 403/403/403 403/403/403 403/403/403 yes/yes/404 403/403/403
POST /reports                        ok/ok/ok    ok/ok/ok    403/403/403 403/403/403 403/403/403 403/403/403 403/403/403
POST /reports/matches                ok/ok/ok    ok/ok/ok    403/403/403 403/403/403 403/403/403 403/403/403 403/403/403
POST /cases/{K}/events/{E}           403/403/404 403/403/404 403/404/404 ok/404/404  ok/404/404  403/403/404 404/404/404
POST /cases/{K}/execution-reports    403/403/404 403/403/404 ok/404/404  ok/404/404  ok/404/404  403/403/404 404/404/404
POST /cases/{K}/plan-items/{I}/close 403/403/404 403/403/404 ok/404/404  ok/404/404  ok/404/404  403/403/404 404/404/404
POST /cases/{K2}/plan-items          403/403/404 403/403/404 ok/404/404  ok/404/404  403/404/404 403/403/404 404/404/404
POST /cases/{K}/assign               403/403/404 403/403/404 ok/404/404  403/404/404 403/404/404 ok/ok/404   404/404/404
POST /documents/{D}/reissue          403/403/404 403/403/404 403/404/404 403/404/404 ok/404/404  ok/ok/404   404/404/404
"""
RELATIONS = ("own", "other org", "other terr.")
QUERIES = {"/workflows/{W}/diagram": "?case_id={K}", "/cases": "?limit=200", "/deadlines/overdue": "?limit=200"}
#: role → the three users asking (own / other organisation of the territory / other territory)
USERS = {
    "guardianship": ("opeka", "opeka_b", "other_opeka"),
    "agency": ("agent", "agent_b", "agent_n"),
    "uso_director": ("director", "director_b", "director_n"),
    "curator": ("curator", "curator_b", "other_curator"),
    "kdn_secretary": ("secretary", "secretary_b", "secretary_n"),
    "supervisor": ("boss", "boss_b", "other_boss"),
    "admin": ("admin", "admin_b", "admin_n"),
}
#: users added to the test world: login → (territory, org kind, org key, role)
EXTRA = {
    "opeka_b": ("surgut", "guardianship", "opeka_b", "guardianship"),
    "agent_b": ("surgut", "agency", "agency_b", "agency"),
    "director_b": ("surgut", "uso", "uso_b", "uso_director"),
    "curator_b": ("surgut", "uso", "uso_b", "curator"),
    "secretary_b": ("surgut", "kdn", "kdn_b", "kdn_secretary"),
    "boss_b": ("surgut", "guardianship", "opeka_b", "supervisor"),
    "admin_b": ("surgut", "guardianship", "opeka_b", "admin"),
    "agent_n": ("nefteyugansk", "agency", "agency_n", "agency"),
    "director_n": ("nefteyugansk", "uso", "other_uso", "uso_director"),
    "secretary_n": ("nefteyugansk", "kdn", "kdn_n", "kdn_secretary"),
    "admin_n": ("nefteyugansk", "guardianship", "other_opeka", "admin"),
}


def parse_matrix() -> list[tuple[str, str, str, str, str]]:
    """(method, path, role, relation, expected) for every cell of :data:`MATRIX`."""
    lines = [line.split() for line in MATRIX.strip().splitlines()[1:]]
    cells = []
    for method, path, *columns in lines:
        assert len(columns) == len(ROLES), path
        for role, column in zip(ROLES, columns, strict=True):
            for relation, expected in zip(RELATIONS, column.split("/"), strict=True):
                cells.append((method, path, role, relation, expected))
    return cells


@dataclass
class Scene:
    web: Web
    ids: dict[str, int]
    family_id: int
    tokens: dict[str, dict[str, str]] = field(default_factory=dict)

    def headers(self, login: str) -> dict[str, str]:
        if login not in self.tokens:
            self.tokens[login] = self.web.token(login)
        return self.tokens[login]


def _add_users(web: Web) -> None:
    with web.svc.db.unit_of_work() as tx:
        orgs: dict[str, Organisation] = {k: tx.session.get(Organisation, v) for k, v in web.world.orgs.items()}  # type: ignore[misc]
        for login, (territory, kind, key, role) in EXTRA.items():
            if key not in orgs:
                orgs[key] = add_organisation(tx, territory, kind, f"Организация {key}", key)
            user = add_user(tx, login=login, password=PASSWORD, full_name=f"Сотрудник {login}", org=orgs[key],
                            roles=[role], now=START, password_hash=_HASH)
            web.world.users[login] = int(user.id)  # type: ignore[arg-type]
        tx.commit()


@pytest.fixture
def scene(web: Web) -> Iterator[Scene]:
    """K, K2 and D built at Monday 03.03.2025; the matrix is asked 100 days later (K's deadlines overdue)."""
    assert web.client.get("/api/v1/-").status_code == 404  # build the route parsers before freezing the clock
    _add_users(web)
    process = web.process
    with freeze_time(START) as frozen:
        _, k = process.to_execution()
        _, k2 = process.to_resolution()
        process.fire("director", k2, "appoint_curator", {"curator": web.world.users["curator"]})
        process.register("other_opeka", children=(ChildInput("Зайцева", "Ольга", "", date(2014, 1, 1)),))
        kdn_org = web.world.orgs["kdn"]
        document = process.rows("select min(id) from document where case_id = :c and org_id = :o", c=k, o=kdn_org)
        family, org = process.rows("select subject_id, org_id from wf_instance where id = :c", c=k)[0]
        person = process.rows("select min(id) from person where family_id = :f", f=family)[0][0]
        frozen.tick(timedelta(days=100))
        yield Scene(web, {"K": k, "K2": k2, "D": int(document[0][0]), "K_org": int(org), "P": int(person)},
                    int(family))


def _open_item(scene: Scene) -> int:
    rows = scene.web.process.rows("select i.id from plan_item i join plan p on p.id = i.plan_id "
                                  "where p.case_id = :c and i.status = 'open' order by i.id", c=scene.ids["K"])
    return int(rows[0].id) if rows else 999_999


def _body(path: str, scene: Scene) -> dict[str, Any]:
    world, today = scene.web.world, date(2025, 6, 11)
    report = {"source_type": "police", "channel": "phone", "received_at": "2025-06-11T09:00:00+05:00",
              "text": "Сообщение ПДН", "children": [{"last_name": "Новиков", "first_name": "Илья"}]}
    bodies = {
        "/reports": report, "/reports/matches": {"children": report["children"]},
        "/events/{E}": {"observed": "Ребёнок ходит в школу"},
        "/execution-reports": {"org_id": world.orgs["school"], "received_on": today.isoformat(), "text": "Исполнено"},
        "/close": {"status": "done", "result": "Выполнено"},
        "/plan-items": {"measure": "Консультация психолога", "due_date": (today + timedelta(days=20)).isoformat(),
                        "responsible": "КЦСО"},
        "/assign": {"assignee_id": world.users["curator"], "reason": "по участку"},
        "/reissue": {"reason": "исправлена опечатка"},
        "/registry/search": {"name": "Иванов"}, "/registry/export": {"format": "csv", "name": "Иванов"},
        "/subject-access": {},
    }
    return next(body for key, body in bodies.items() if path.endswith(key))


SEES: dict[str, Callable[[Response, Scene], bool]] = {
    "/cases": lambda r, s: s.ids["K"] in {c["id"] for c in r.json()["items"]},
    "/deadlines/overdue": lambda r, s: s.ids["K"] in {i["case_id"] for i in r.json()["items"]},
    "/deadlines/overdue/counts": lambda r, s: str(s.ids["K_org"]) in {c["key"] for c in r.json()["by_org"]},
    "/kdn/agenda": lambda r, s: s.ids["K"] in {c["id"] for c in r.json()["reviews_due"]},
    "/registry/search": lambda r, s: s.family_id in {h["family_id"] for h in r.json()},
    "/registry/export": lambda r, s: "Иванов Пётр" in r.content.decode("utf-8-sig"),
    "/people/{P}/subject-access": lambda r, s: f'"id": {s.ids["K"]}' in zipfile.ZipFile(io.BytesIO(r.content)).read(
        "subject.json").decode(),
}


def _outcome(response: Response, path: str, scene: Scene) -> str:
    if response.status_code >= 400:
        assert response.json()["error"] in ("forbidden", "role_not_allowed", "not_found"), response.text
        return str(response.status_code)
    assert response.status_code < 300, response.text
    check = SEES.get(path)
    if check is None:
        return "ok"
    return "yes" if check(response, scene) else "no"


def test_the_authorization_matrix(scene: Scene) -> None:
    client = scene.web.client
    mismatches = []
    cells = parse_matrix()
    assert len(cells) == 23 * 7 * 3
    for method, template, role, relation, expected in cells:
        login = USERS[role][RELATIONS.index(relation)]
        path = (template + QUERIES.get(template, "")).format(I=_open_item(scene), E="mark_positive_dynamics",
                                                              W="kdn_prevention", **scene.ids)
        headers = scene.headers(login)
        if method == "GET":
            response = client.get("/api/v1" + path, headers=headers)
        else:
            response = client.post("/api/v1" + path, json=_body(template, scene), headers=headers)
        got = _outcome(response, template, scene)
        if got != expected:
            mismatches.append(f"{method} {template} as {role} ({relation}, {login}): expected {expected}, got {got}")
    assert mismatches == []


def test_iterating_ids_of_another_territory_finds_nothing(scene: Scene) -> None:
    """IDOR: every case and document id of the other territory answers like an id that does not exist."""
    process = scene.web.process
    foreign_cases = [r.id for r in process.rows("select id from wf_instance where territory = 'nefteyugansk'")]
    foreign_docs = [r.id for r in process.rows("select d.id from document d join wf_instance c on c.id = d.case_id "
                                               "where c.territory = 'nefteyugansk'")]
    assert foreign_cases and foreign_docs
    missing_case, missing_doc = 10**6, 10**6
    client = scene.web.client
    for login in ("boss", "opeka", "agent", "curator", "secretary", "director"):
        headers = scene.headers(login)

        def answer(path: str, body: Any = None, headers: dict[str, str] = headers) -> tuple[int, Any]:
            r = client.get(path, headers=headers) if body is None else client.post(path, json=body, headers=headers)
            return r.status_code, r.json()

        for case_id in foreign_cases:
            for suffix, body in (("", None), ("/history", None), ("/documents", None),
                                 ("/events/order_inspection", {}), ("/plan-items/1/close", {"status": "done",
                                                                                             "result": "x"}),
                                 ("/assign", {"assignee_id": None}), ("/execution-reports",
                                                                      {"org_id": 1, "received_on": "2025-06-11",
                                                                       "text": "x"})):
                got = answer(f"/api/v1/cases/{case_id}{suffix}", body)
                assert got == answer(f"/api/v1/cases/{missing_case}{suffix}", body), (login, case_id, suffix)
                assert got[0] == 404
        for document_id in foreign_docs:
            for suffix, body in (("/file", None), ("/reissue", {"reason": "x"})):
                got = answer(f"/api/v1/documents/{document_id}{suffix}", body)
                assert got == answer(f"/api/v1/documents/{missing_doc}{suffix}", body) and got[0] == 404
    assert process.rows("select count(*) from wf_audit a join wf_instance c on c.id = a.instance_id "
                        "where c.territory = 'nefteyugansk' and a.actor_id in (select id from app_user "
                        "where territory = 'surgut')")[0][0] == 0


def test_a_user_sees_exactly_the_cases_the_policy_gives_them(scene: Scene) -> None:
    """Walking every case id: the ones answering 200 are exactly the ones listed for the user."""
    process = scene.web.process
    every = [r.id for r in process.rows("select id from wf_instance order by id")]
    for login in ("curator", "curator_b", "secretary", "director", "admin", "other_opeka"):
        headers = scene.headers(login)
        opened = {c for c in every if scene.web.client.get(f"/api/v1/cases/{c}", headers=headers).status_code == 200}
        listed = {c["id"] for c in scene.web.client.get("/api/v1/cases", params={"include_closed": "true",
                                                                                  "limit": 200},
                                                        headers=headers).json()["items"]}
        assert opened == listed, login
        if login in ("curator_b", "admin"):
            assert opened == set(), login
        if login in ("curator", "secretary", "director"):
            assert {scene.ids["K"], scene.ids["K2"]} <= opened, login
