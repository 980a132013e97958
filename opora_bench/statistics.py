"""Benchmarks of the statistics (``opora bench reports``), each returning one JSON-ready dict.

* ``reports.annual`` — the annual statistics (:func:`cases.statistics.compute_annual`) of one territory
  and one year on SQLite holding 1,000,000 audit events (``scale`` × 10⁶) and the reports, children,
  families, cases and KDN resolutions they belong to; the median of three runs, target ≤ 2 s.

The rows are fabricated in bulk with bare ``sqlite3`` ``executemany`` into the real schema (after
``migrate``), in the proportions of the Yugra figures published for 2024: 4,628 reports a year per territory
with the sources' shares of 2024, ≈ 1.5 children per report, one report in ten about a known family,
≈ 38 % confirmed, of those 40 % taken into support (ТЖС) and 25 % referred to the KDN (СОП, 85 %
recognised), support closed after 6–12 months and ИПР after 12–18; ≈ 10 audit events per case.
Reports are spread uniformly over four territories and 2021-01-01 … 2025-06-30, so stopping at the
event target leaves no period empty.
"""

from __future__ import annotations

import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cases.statistics import Period, compute_annual
from engine.calendar import ProductionCalendar
from engine.database import Database

Migrate = Callable[[Database], None]
TERRITORIES = ["bench", "t2", "t3", "t4"]
WINDOW = (datetime(2021, 1, 1, tzinfo=UTC), datetime(2025, 6, 30, tzinfo=UTC))
#: sources of the 4,628 reports of 2024 (the Yugra practice's published figures)
SOURCES = {"education": 650, "police": 749, "relatives": 709, "neighbours": 320, "anonymous": 549, "other_org": 4155}
HASH = "0" * 64


def _stamp(moment: datetime) -> str:
    """A datetime as the SQLite schema stores it (naive UTC, microseconds)."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(sep=" ", timespec="microseconds")


class _Fabric:
    """Rows accumulated in memory, then written table by table with ``executemany``."""

    def __init__(self, rng: random.Random, events: int) -> None:
        self.rng, self.target, self.events = rng, events, 0
        self.rows: dict[str, list[tuple[Any, ...]]] = {t: [] for t in (
            "family", "person", "report", "report_child", "wf_instance", "wf_audit", "kdn_resolution")}
        self.families: dict[str, list[tuple[int, list[int]]]] = {t: [] for t in TERRITORIES}

    def case(self, workflow: str, state: str, territory: str, family: int, created: datetime,
             closed: datetime | None, events: int, parent: int | None = None) -> int:
        case_id = len(self.rows["wf_instance"]) + 1
        events = max(1, min(events, self.target - self.events))
        self.rows["wf_instance"].append((case_id, workflow, 1, state, events, territory, 1, None, "family", family,
                                         parent, "{}", None, events, HASH, _stamp(created),
                                         _stamp(closed or created), _stamp(closed) if closed else None))
        span = ((closed or created + timedelta(days=30)) - created) / events
        for seq in range(1, events + 1):
            self.rows["wf_audit"].append((case_id, seq, "transition" if seq > 1 else "start", f"e{seq}", "a", "b",
                                          seq, 1, "agency", 1, _stamp(created + span * (seq - 1)), "{}", HASH, HASH))
        self.events += events
        return case_id

    def report(self) -> None:
        rng = self.rng
        territory = rng.choice(TERRITORIES)
        received = WINDOW[0] + (WINDOW[1] - WINDOW[0]) * rng.random()
        known = self.families[territory]
        if known and rng.random() < 0.1:
            family, children = rng.choice(known)
        else:
            family = len(self.rows["family"]) + 1
            self.rows["family"].append((family, territory, f"Семья{family}", "", "", "none", _stamp(received)))
            children = []
            for _ in range(rng.choices([1, 2, 3], [60, 28, 12])[0]):
                person = len(self.rows["person"]) + 1
                born = date(2007, 1, 1) + timedelta(days=rng.randrange(6500))
                self.rows["person"].append((person, family, "child", f"Фамилия{person}", "Имя", "", born.isoformat(),
                                            f"фамилия{person} имя"))
                children.append(person)
            self.rows["person"].append((len(self.rows["person"]) + 1, family, "mother", "Мать", "Имя", "", None,
                                        "мать имя"))
            known.append((family, children))
        roll = rng.random()
        confirmed = True if roll < 0.38 else False if roll < 0.83 else None
        state = {True: "referred_tzs", False: "closed_not_confirmed", None: "inspection_ordered"}[confirmed]
        case = self.case("child_report", state, territory, family, received,
                         received + timedelta(days=3 if confirmed is False else 9) if confirmed is not None else None,
                         rng.randint(6, 8) if confirmed is not True else rng.randint(10, 13))
        report_id = len(self.rows["report"]) + 1
        source = rng.choices(list(SOURCES), list(SOURCES.values()))[0]
        self.rows["report"].append((report_id, territory, 1, source, "", "phone", _stamp(received), "Текст", family,
                                    case, 1, None, None if confirmed is None else int(confirmed), _stamp(received)))
        self.rows["report_child"].extend((report_id, person, "new") for person in children)
        if confirmed and self.events < self.target:
            self.follow_up(territory, family, received + timedelta(days=10), case)

    def follow_up(self, territory: str, family: int, start: datetime, parent: int) -> None:
        rng, roll = self.rng, self.rng.random()
        if roll < 0.4:
            end = start + timedelta(days=rng.randint(180, 365))
            closed = end if end < WINDOW[1] else None
            self.case("family_support", "closed" if closed else "support", territory, family, start, closed,
                      rng.randint(9, 16), parent)
        elif roll < 0.65:
            recognised = rng.random() < 0.85
            end = start + timedelta(days=rng.randint(365, 540) if recognised else 25)
            closed = end if end < WINDOW[1] else None
            state = ("terminated" if closed else "execution") if recognised else "declined"
            kdn = self.case("kdn_prevention", state, territory, family, start, closed, rng.randint(10, 18), parent)
            adopted = (start + timedelta(days=20)).date()
            self.rows["kdn_resolution"].append((kdn, f"{kdn}/1", adopted.isoformat(),
                                                "recognise" if recognised else "decline", _stamp(start)))
            if recognised and closed:
                self.rows["kdn_resolution"].append((kdn, f"{kdn}/2", closed.date().isoformat(), "terminate",
                                                    _stamp(closed)))


_INSERTS = {
    "family": "INSERT INTO family (id, territory, surname, address, address_key, category, category_act, "
              "created_at) VALUES (?, ?, ?, ?, ?, ?, '', ?)",
    "person": "INSERT INTO person (id, family_id, relation, last_name, first_name, middle_name, birth_date, name_key) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    "wf_instance": "INSERT INTO wf_instance (id, workflow, workflow_version, state, version, territory, org_id, "
                   "assignee_id, subject_kind, subject_id, parent_id, data, next_due_at, audit_seq, audit_head, "
                   "created_at, updated_at, closed_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "wf_audit": "INSERT INTO wf_audit (instance_id, seq, kind, event, from_state, to_state, version, actor_id, "
                "actor_role, actor_org, at, payload, prev_hash, hash) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "report": "INSERT INTO report (id, territory, org_id, source_type, source_name, channel, received_at, text, "
              "family_id, case_id, registered_by, kdn_case_id, confirmed, created_at) "
              "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    "report_child": "INSERT INTO report_child (report_id, person_id, match) VALUES (?, ?, ?)",
    "kdn_resolution": "INSERT INTO kdn_resolution (case_id, number, adopted_on, decision, created_at) "
                      "VALUES (?, ?, ?, ?, ?)",
}


def fabricate(path: Path, events: int, seed: int = 1) -> dict[str, int]:
    """Fill a migrated SQLite file with exactly ``events`` audit events and what they belong to."""
    fabric = _Fabric(random.Random(seed), events)
    while fabric.events < events:
        fabric.report()
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA synchronous=OFF")
    conn.execute("BEGIN")
    now = _stamp(WINDOW[0])
    for code in TERRITORIES:
        conn.execute("INSERT INTO territory (code, name) VALUES (?, ?)", (code, f"Территория {code}"))
    conn.execute("INSERT INTO organisation (id, name, short_name, kind, territory, address, phone, head_name) "
                 "VALUES (1, 'Опека', 'Опека', 'guardianship', 'bench', '', '', '')")
    conn.execute("INSERT INTO app_user (id, login, full_name, position, email, password_hash, org_id, territory, "
                 "area, is_active, created_at) VALUES (1, 'bench', 'Замер', '', '', '-', 1, 'bench', '', 1, ?)", (now,))
    for table in ("family", "person", "wf_instance", "wf_audit", "report", "report_child", "kdn_resolution"):
        conn.executemany(_INSERTS[table], fabric.rows[table])
    conn.execute("COMMIT")
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()
    return {"events": fabric.events, "reports": len(fabric.rows["report"]), "cases": len(fabric.rows["wf_instance"])}


def bench_annual(migrate: Migrate, calendar: ProductionCalendar, scale: float) -> dict[str, Any]:
    events = int(1_000_000 * scale)
    folder = Path(tempfile.mkdtemp(prefix="opora-bench-"))
    try:
        db = Database(f"sqlite:///{folder / 'reports.db'}")
        migrate(db)
        db.dispose()
        began = time.perf_counter()
        counts = fabricate(folder / "reports.db", events)
        fabricated = time.perf_counter() - began
        db = Database(f"sqlite:///{folder / 'reports.db'}")
        period = Period(date(2024, 1, 1), date(2024, 12, 31))
        timings, result = [], None
        for _ in range(3):
            t0 = time.perf_counter()
            with db.read() as tx:
                result = compute_annual(tx.connection, calendar.zone, "bench", period)
            timings.append(time.perf_counter() - t0)
        db.dispose()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    assert result is not None
    return {"bench": "reports.annual", "events": counts["events"], "seconds": round(statistics.median(timings), 3),
            "target_seconds": 2, "reports": counts["reports"], "cases": counts["cases"],
            "year_reports": result.total.reports, "year_minors": result.total.minors,
            "fabricate_seconds": round(fabricated, 1)}


BENCHMARKS: dict[str, Callable[..., dict[str, Any]]] = {"reports.annual": bench_annual}
