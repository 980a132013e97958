"""Simulated users over HTTP: the load of ``opora bench api.load`` / ``api.startup`` and of the fault tests.

Each user logs in with an API key of a demo account and then, until the time is up, does what
people of that role do all day, with a think time between requests:

* 40 % their worklist (``GET /cases?mine=true``; a user with an empty worklist looks at all cases),
* 15 % the overdue list (``GET /deadlines/overdue``),
* 5 % the bell and the profile (``GET /notifications``, ``GET /me``), as the pages poll them,
* the rest a case page (``GET /cases/{id}``) of a case from the last list — more often one whose
  page offered the user an action before; after about one case page in three that offers one, the
  user takes one of the actions (``events``, fields filled in from their declared types, with
  ``If-Match`` and an ``Idempotency-Key``), about one request in ten; now and then an act is
  downloaded, and a guardianship officer or an Agency specialist registers a new report.

An *error* is what a user must never see: a 5xx, or no answer at all (a refused or broken
connection, a timeout). A 4xx is the server refusing something (the case moved on under another
user, a guard said no) and is counted apart, by status.
"""

from __future__ import annotations

import asyncio
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import httpx

#: the demo accounts a simulated user may be, with the share of users of that role
ROLES = [("curator", 5), ("curator2", 3), ("curator3", 2), ("boss", 2), ("secretary", 2), ("director", 2),
         ("opeka", 2), ("agent", 2)]
REGISTRARS = {"opeka", "opeka2", "agent", "agent2"}
FIRST = ["Иван", "Пётр", "Алексей", "Дмитрий", "Сергей"]
LAST = ["Нагрузкин", "Тестов", "Проверкин", "Замеров"]


@dataclass
class LoadResult:
    requests: int = 0
    errors: int = 0
    latencies: list[float] = field(default_factory=list)
    kinds: Counter[str] = field(default_factory=Counter)
    refused: Counter[int] = field(default_factory=Counter)
    #: every answer by status, and every request without an answer by the error's name
    statuses: Counter[int | str] = field(default_factory=Counter)
    #: actions and registrations sent again with their Idempotency-Key after a 503, and how many were replays
    resent: int = 0
    replayed: int = 0
    samples: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: the latencies of each kind of request (worklist, case, overdue, …)
    by_kind: dict[str, list[float]] = field(default_factory=dict)

    def add(self, kind: str, elapsed: float, status: int | None, detail: str = "") -> None:
        self.requests += 1
        self.kinds[kind] += 1
        self.latencies.append(elapsed)
        self.by_kind.setdefault(kind, []).append(elapsed)
        self.statuses[status if status is not None else detail] += 1
        if status is None or status >= 500:
            self.errors += 1
            if len(self.samples) < 10:
                self.samples.append(f"{kind}: {status or detail}"[:300])
        elif status >= 400:
            self.refused[status] += 1

    def percentile(self, share: float, kind: str | None = None) -> float:
        ordered = sorted(self.latencies if kind is None else self.by_kind.get(kind, []))
        if not ordered:
            return 0.0
        return ordered[min(len(ordered) - 1, max(0, int(len(ordered) * share + 0.5) - 1))] * 1000

    def summary(self) -> dict[str, Any]:
        return {"requests": self.requests, "per_s": round(self.requests / self.seconds, 1) if self.seconds else 0,
                "p50_ms": round(self.percentile(0.50), 1), "p95_ms": round(self.percentile(0.95), 1),
                "p99_ms": round(self.percentile(0.99), 1), "max_ms": round(self.percentile(1.0), 1),
                "errors": self.errors, "refused": dict(sorted(self.refused.items())),
                "mix": dict(sorted(self.kinds.items())),
                "p95_ms_by_kind": {kind: round(self.percentile(0.95, kind), 1) for kind in sorted(self.by_kind)},
                **({"error_samples": self.samples} if self.samples else {})}


def value_for(spec: dict[str, Any], today: date, rng: random.Random) -> Any:
    """A plausible value for a declared action field (from ``events[].fields``)."""
    kind = spec.get("input", "text")
    options = spec.get("options") or []
    if options:
        return rng.choice(options)["value"]
    if kind == "date":
        return today.isoformat()
    if kind == "checkbox":
        return True
    if kind == "number":
        return 1
    if kind == "datetime-local":
        return f"{today.isoformat()}T10:00"
    return "Нагрузочная проверка"


class User:
    def __init__(self, client: httpx.AsyncClient, login: str, result: LoadResult, rng: random.Random,
                 think: float, today: date, resend: bool = False, poll: bool = False) -> None:
        self.client, self.login, self.result, self.rng = client, login, result, rng
        self.think, self.today, self.resend, self.poll = think, today, resend, poll
        self.cases: list[int] = []
        #: cases whose page last offered this user an action
        self.actionable: set[int] = set()

    async def call(self, kind: str, method: str, url: str, **kwargs: Any) -> httpx.Response | None:
        began = time.perf_counter()
        try:
            response = await self.client.request(method, url, **kwargs)
        except httpx.HTTPError as exc:
            self.result.add(kind, time.perf_counter() - began, None, type(exc).__name__)
            return None
        self.result.add(kind, time.perf_counter() - began, response.status_code,
                        response.text[:200] if response.status_code >= 500 else "")
        return response

    async def worklist(self) -> None:
        response = await self.call("worklist", "GET", "/api/v1/cases", params={"mine": "true", "limit": 50})
        if response is not None and response.status_code == 200:
            found = [c["id"] for c in response.json()["items"]]
            if not found:  # nothing assigned: the cases of the organisation or territory
                response = await self.call("worklist", "GET", "/api/v1/cases", params={"limit": 50})
                found = [c["id"] for c in response.json()["items"]] if response and response.status_code == 200 \
                    else []
            self.cases = found or self.cases

    async def case_page(self) -> None:
        if not self.cases:
            await self.worklist()
            return
        # people open the cases they can work on more often than the others
        pool = self.actionable if self.actionable and self.rng.random() < 0.6 else self.cases
        case_id = self.rng.choice(sorted(pool))
        response = await self.call("case", "GET", f"/api/v1/cases/{case_id}")
        if response is None or response.status_code != 200:
            return
        case = response.json()
        if self._actions(case):
            self.actionable.add(case_id)
        else:
            self.actionable.discard(case_id)
        roll = self.rng.random()
        if roll < 0.3 and self._actions(case):
            await self.act(case)
        elif roll > 0.95 and case["documents"]:
            document = self.rng.choice(case["documents"])
            await self.call("download", "GET", f"/api/v1/documents/{document['id']}/file", params={"format": "pdf"})

    async def change(self, kind: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        """A POST with an Idempotency-Key; with ``resend``, sent again with the same key while it answers 503."""
        headers = {**headers, "Idempotency-Key": str(uuid.uuid4())}
        response = await self.call(kind, "POST", url, json=body, headers=headers)
        for _ in range(30 if self.resend else 0):
            if response is not None and response.status_code != 503:
                break
            await asyncio.sleep(float(response.headers.get("retry-after", 1)) if response is not None else 1.0)
            self.result.resent += 1
            response = await self.call(kind, "POST", url, json=body, headers=headers)
            if response is not None and response.headers.get("idempotent-replayed") == "true":
                self.result.replayed += 1

    @staticmethod
    def _actions(case: dict[str, Any]) -> list[dict[str, Any]]:
        return [a for a in case["events"] if a.get("available", True)]  # internal ones too: a visit, a note

    async def act(self, case: dict[str, Any]) -> None:
        action = self.rng.choice(self._actions(case))
        body = {f["name"]: value_for(f, self.today, self.rng) for f in action["fields"]
                if f["required"] or f.get("input") == "checkbox"}
        await self.change("action", f"/api/v1/cases/{case['id']}/events/{action['event']}", body,
                          {"If-Match": f'"{case["version"]}"'})

    async def register(self) -> None:
        received = datetime.combine(self.today, datetime.min.time()).astimezone() - timedelta(hours=1)
        born = date(2010, 1, 1) + timedelta(days=self.rng.randint(0, 3000))
        body = {"source_type": "education", "channel": "phone", "received_at": received.isoformat(),
                "text": "Нагрузочная проверка: сообщение школы", "address": "ул. Проверочная, д. 1",
                "children": [{"last_name": self.rng.choice(LAST), "first_name": self.rng.choice(FIRST),
                              "birth_date": born.isoformat(),
                              "new": True}]}
        await self.change("report", "/api/v1/reports", body, {})

    async def step(self) -> None:
        roll = self.rng.random()
        if self.poll:  # a client polling what it shows: the worklist, a case, the bell, the profile
            if roll < 0.35:
                await self.worklist()
            elif roll < 0.55:
                await self.call("case", "GET", f"/api/v1/cases/{self.rng.choice(self.cases)}") if self.cases \
                    else await self.worklist()
            else:
                await self.call("poll", "GET", "/api/v1/notifications" if roll < 0.8 else "/api/v1/me")
            return
        if roll < 0.40:
            await self.worklist()
        elif roll < 0.55:
            await self.call("overdue", "GET", "/api/v1/deadlines/overdue", params={"limit": 50})
        elif roll < 0.60:
            await self.call("poll", "GET", "/api/v1/notifications" if roll < 0.58 else "/api/v1/me")
        elif roll < 0.62 and self.login in REGISTRARS:
            await self.register()
        else:
            await self.case_page()

    async def run(self, until: float) -> None:
        while time.perf_counter() < until:
            await self.step()
            if self.think:
                await asyncio.sleep(self.think * self.rng.uniform(0.5, 1.5))


async def _token(client: httpx.AsyncClient, login: str, password: str) -> str:
    for _ in range(20):
        response = await client.post("/api/v1/tokens", json={"login": login, "password": password,
                                                              "name": "нагрузка"})
        if response.status_code == 201:
            return str(response.json()["token"])
        await asyncio.sleep(0.5)  # the server may still be starting, or briefly busy
    raise RuntimeError(f"no API key for {login}: {response.status_code} {response.text[:200]}")


async def run_load_async(base_url: str, password: str, *, users: int, seconds: float, think_ms: float,
                         today: date, seed: int = 1, resend: bool = False, poll: bool = False,
                         ready: threading.Event | None = None) -> LoadResult:
    rng = random.Random(seed)
    logins = [login for login, weight in ROLES for _ in range(weight)]
    chosen = [logins[i % len(logins)] for i in range(users)]
    result = LoadResult()
    limits = httpx.Limits(max_connections=users + 2, max_keepalive_connections=users + 2)
    async with httpx.AsyncClient(base_url=base_url, timeout=60, limits=limits) as setup:
        tokens = {login: await _token(setup, login, password) for login in sorted(set(chosen))}
    clients = [httpx.AsyncClient(base_url=base_url, timeout=30, headers={"Authorization": f"Bearer {tokens[login]}"})
               for login in chosen]
    try:
        simulated = [User(client, login, result, random.Random(rng.random()), think_ms / 1000, today, resend, poll)
                     for client, login in zip(clients, chosen, strict=True)]
        began = time.perf_counter()
        if ready is not None:  # everyone has logged in: the load starts now
            ready.set()
        await asyncio.gather(*(u.run(began + seconds) for u in simulated))
        result.seconds = time.perf_counter() - began
    finally:
        for client in clients:
            await client.aclose()
    return result


def run_load(base_url: str, password: str, *, users: int, seconds: float, think_ms: float, today: date,
             seed: int = 1, resend: bool = False, poll: bool = False,
             ready: threading.Event | None = None) -> LoadResult:
    """Run ``users`` simulated users against ``base_url`` for ``seconds``; see the module docstring.

    ``resend``: a change answered 503 is sent again with the same Idempotency-Key (as a client should);
    ``poll``: clients that only read what they show (worklist, case pages, the bell, the profile), no changes;
    ``ready`` is set when every user has logged in and the timed load begins.
    """
    return asyncio.run(run_load_async(base_url, password, users=users, seconds=seconds, think_ms=think_ms,
                                      today=today, seed=seed, resend=resend, poll=poll, ready=ready))
