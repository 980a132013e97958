"""`opora demo` fills a believable municipality; `opora simulate` pushes synthetic reports through everything."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from api.bootstrap import bootstrap
from api.cli import main
from api.settings import Settings
from cases import demo_stavropol
from cases.demo import DEMO_PASSWORD
from cases.passwords import verify_password
from cases.roles import ROLES
from engine.audit import verify
from engine.calendar import load_calendar
from engine.database import Database
from opora_bench.process import simulate_year
from workflows import DEFAULT_CALENDAR


@pytest.mark.slow
@pytest.mark.parametrize("today", ["2026-11-20 07:00:00", "2026-01-12 05:00:00", "2025-06-30 12:00:00",
                                   "2026-11-29 01:40:00"])  # … and a Sunday morning
def test_demo_covers_every_state_with_some_overdue(db_url: str, backend: str, capsys: pytest.CaptureFixture[str],
                                                   today: str) -> None:
    if backend != "sqlite" and today != "2026-11-20 07:00:00":
        pytest.skip("the calendar's other days are checked on SQLite; PostgreSQL fills the demo on one day")
    with freeze_time(today):
        assert main(["--database-url", db_url, "demo"]) == 0
        out = capsys.readouterr().out
        assert f"пароль для всех: {DEMO_PASSWORD}" in out and "secretary" in out
        assert main(["--database-url", db_url, "demo", "--if-empty"]) == 0
        assert "уже заполнена" in capsys.readouterr().out
        app = bootstrap(Settings(database_url=db_url))
    with app.db.read() as tx:
        conn = tx.connection
        present = {(r.workflow, r.state) for r in conn.exec_driver_sql(
            "select distinct workflow, state from wf_instance")}
        declared = {(name, state) for name in app.catalog.names()
                    for state in app.catalog.latest(name).definition.states}
        assert declared - present == set()
        families = conn.exec_driver_sql("select count(*) from family where territory = 'surgut'").scalar_one()
        assert 40 <= families <= 60
        district = {r.state for r in conn.exec_driver_sql(  # the Novgorod municipality runs its own workflow
            "select distinct state from wf_instance where territory = 'borovichi' and workflow = 'kdn_ipr_district'")}
        assert district == set(app.catalog.latest("kdn_ipr_district").definition.states)
        assert conn.exec_driver_sql("select count(*) from wf_instance where territory = 'borovichi' "
                                    "and workflow = 'kdn_prevention'").scalar_one() == 0
        assert conn.exec_driver_sql("select count(*) from quarterly_report").scalar_one() > 0
        ministry = {r.state for r in conn.exec_driver_sql(  # the УСО reports to the ministry; another stopped
            "select state from wf_instance where territory = 'borovichi' and workflow = 'uso_ministry_report'")}
        assert ministry == {"active", "stopped"}
        assert conn.exec_driver_sql("select count(*) from document where template = 'uso_ministry_report'"
                                    ).scalar_one() > 0
        krai = {(r.workflow, r.state) for r in conn.exec_driver_sql(  # the Stavropol district: Yugra's workflows
            "select distinct workflow, state from wf_instance where territory = 'shpakovsky' "
            "and subject_kind is distinct from 'obligation'")}  # its organisations' reports are no cases
        assert len(krai) >= 6 and {w for w, _ in krai} == {"child_report", "family_support", "kdn_prevention"}
        needs = conn.exec_driver_sql("select count(*) from need_assessment n join wf_instance i on i.id = n.case_id "
                                     "where n.territory = 'shpakovsky' and i.workflow = 'family_support'")
        assert needs.scalar_one() >= 4  # ticked at the recognition step of every ТЖС family
        assert conn.exec_driver_sql("select count(*) from mobile_visit where territory = 'shpakovsky'"
                                    ).scalar_one() >= 3
        assert conn.exec_driver_sql("select count(*) from indicator_target where territory = 'shpakovsky'"
                                    ).scalar_one() == 10
        logins = {r[0] for r in conn.exec_driver_sql("select login from app_user where territory = 'shpakovsky'")}
        assert logins == {login for login, *_ in demo_stavropol.USERS} and all(x.startswith("stav_") for x in logins)
        assert "stav_secretary" in out
        roles = {r[0] for r in conn.exec_driver_sql("select distinct role from user_role")}
        assert roles == set(ROLES)
        hashes = [r[0] for r in conn.exec_driver_sql("select password_hash from app_user")]
        assert all(verify_password(h, DEMO_PASSWORD) for h in hashes)
        overdue = conn.exec_driver_sql(
            f"select count(*) from wf_deadline where status = 'open' and due_at < '{today}'").scalar_one()
        on_time = conn.exec_driver_sql(
            f"select count(*) from wf_deadline where status = 'open' and due_at >= '{today}'").scalar_one()
        assert overdue > 0 and on_time > 0
        overdue_for_curator = conn.exec_driver_sql(  # the printed demo curator opens on something red
            "select count(*) from wf_deadline d join wf_instance i on i.id = d.instance_id "
            "join app_user u on u.id = i.assignee_id "
            f"where u.login = 'curator' and d.status = 'open' and d.due_at < '{today}'").scalar_one()
        assert overdue_for_curator > 0
        assert conn.execute(sa.text("select count(*) from outbox where kind like 'deadline.%'")).scalar_one() > 0
        # a month of the reporting calendar: accepted, returned, one overdue, a roll-up waiting, a day off moved
        states = {r[0] for r in conn.exec_driver_sql("select distinct state from report_obligation "
                                                     "where territory = 'surgut'")}
        assert {"due", "accepted", "returned"} <= states
        day = today[:10]
        late = conn.exec_driver_sql("select r.report from report_obligation r join organisation o on o.id = r.org_id "
                                    f"where r.territory = 'surgut' and r.state != 'accepted' and r.due_on < '{day}' "
                                    "and o.kind = 'provider'").all()
        assert [r[0] for r in late] == ["monthly_statistics"]
        assert conn.exec_driver_sql("select count(*) from report_obligation where due_on is null and state = 'due' "
                                    "and report = 'uszn_control'").scalar_one() > 0
        assert conn.exec_driver_sql("select count(*) from report_obligation where kind = 'roadmap' "
                                    "and due_on > period_first").scalar_one() == 1
        assert conn.execute(sa.text("select count(*) from outbox where kind = 'obligation.overdue'")).scalar_one() > 0
        people = conn.exec_driver_sql("select last_name, first_name, middle_name from person").all()
        assert len(people) > 100 and all(of_one_gender(*person) in (True, False) for person in people)
        assert list(verify(tx)) == []
    app.close()


def test_simulation_is_reproducible_and_leaves_nothing_due(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    calendar = load_calendar(DEFAULT_CALENDAR)
    results = []
    for run in ("a", "b"):
        target = tmp_path / f"{run}.db"
        shutil.copyfile(sqlite_template, target)
        db = Database(f"sqlite:///{target}")
        result = simulate_year(db, calendar, 40, seed=3)
        with db.read() as tx:
            conn = tx.connection
            assert conn.exec_driver_sql("select count(*) from report").scalar_one() == 40
            assert result["reports"] == 40 and result["transitions"] > 300
            last_sweep = "2024-12-28 18:00:00"  # the sweeper runs at the end of the last day
            due_left = conn.exec_driver_sql(
                f"select count(*) from wf_step where status = 'pending' and due_at <= '{last_sweep}'").scalar_one()
            assert due_left == 0
            assert list(verify(tx)) == []
            sources = {r[0] for r in conn.exec_driver_sql("select distinct source_type from report")}
            assert "other_org" in sources
        db.dispose()
        results.append({k: v for k, v in result.items() if k != "seconds"})
    assert results[0] == results[1]


def test_database_url_is_taken_after_the_command_too(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["audit", "verify", "--database-url", db_url]) == 0
    assert main(["workflows", "publish", "--database-url", db_url]) == 0
    assert "child_report v3" in capsys.readouterr().out


def test_simulate_keeps_its_database_when_asked(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "sim.db"
    url = f"sqlite:///{target}"
    assert main(["simulate", "--reports", "12", "--seed", "2", "--database-url", url]) == 0
    captured = capsys.readouterr()
    assert f'"database": "{url}"' in captured.out and f"opora serve --database-url {url}" in captured.err
    engine = sa.create_engine(url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("select count(*) from report").scalar_one() == 12
        assert conn.exec_driver_sql("select count(*) from app_user where login = 'boss'").scalar_one() == 1
    engine.dispose()

    monkeypatch.setattr("tempfile.tempdir", str(tmp_path))
    assert main(["simulate", "--reports", "5", "--seed", "2", "--keep"]) == 0
    captured = capsys.readouterr()
    kept = [p for p in tmp_path.glob("opora-simulate-*/simulation.db")]
    assert len(kept) == 1 and f"sqlite:///{kept[0]}" in captured.out
    assert main(["simulate", "--reports", "5", "--seed", "2"]) == 0
    assert '"database": "temporary"' in capsys.readouterr().out
    assert len(list(tmp_path.glob("opora-simulate-*"))) == 1  # the temporary one was removed


def of_one_gender(last: str, first: str, middle: str) -> bool:
    """Whether the person is female, after checking that surname, first name and patronymic agree."""
    from cases.simulation import BOYS, GIRLS

    female = first in GIRLS
    assert female or first in BOYS, first
    assert last.endswith("а") == female, (last, first, middle)
    assert middle.endswith("вна") == female and middle.endswith(("вна", "вич")), (last, first, middle)
    return female


def test_simulated_people_have_names_of_one_gender(tmp_path: Path, sqlite_template: Path) -> None:
    import shutil

    target = tmp_path / "names.db"
    shutil.copyfile(sqlite_template, target)
    db = Database(f"sqlite:///{target}")
    simulate_year(db, load_calendar(DEFAULT_CALENDAR), 60, seed=5)
    with db.read() as tx:
        people = tx.connection.exec_driver_sql(
            "select relation, last_name, first_name, middle_name, family_id from person").all()
    db.dispose()
    assert len(people) > 100
    by_family: dict[int, set[bool]] = {}
    for relation, last, first, middle, family in people:
        female = of_one_gender(last, first, middle)
        if relation == "child":
            by_family.setdefault(family, set()).add(female)
        else:
            assert relation == "mother" and female
    siblings_of_both_sexes = sum(1 for sexes in by_family.values() if len(sexes) == 2)
    assert siblings_of_both_sexes > 0  # brother and sister: the case that went wrong
