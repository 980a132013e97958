"""The hash-chained audit trail and `opora audit verify`."""

from __future__ import annotations

import pytest

from api.cli import main
from engine.audit import verify
from tests.support import CLERK, REVIEWER, Harness, make_harness


@pytest.fixture
def engine(db) -> Harness:  # type: ignore[no-untyped-def]
    return make_harness(db)


def breaks(h: Harness) -> list[str]:
    with h.db.read() as tx:
        return [str(b) for b in verify(tx)]


def two_cases(h: Harness) -> tuple[int, int]:
    a = h.start().case_id
    h.fire(a, "register", CLERK, {"note": "первое"})
    h.fire(a, "approve", REVIEWER, {"decision": "full"})
    b = h.start().case_id
    h.fire(b, "register", CLERK)
    return a, b


def test_untouched_chains_verify(engine: Harness) -> None:
    two_cases(engine)
    assert breaks(engine) == []
    rows = engine.rows("select seq, prev_hash, hash from wf_audit where instance_id = 1 order by seq")
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash


def test_an_edited_payload_breaks_the_chain_at_that_event(engine: Harness) -> None:
    a, _ = two_cases(engine)
    with engine.db.engine.begin() as conn:
        conn.exec_driver_sql(f"update wf_audit set actor_role = 'boss' where instance_id = {a} and seq = 2")
    found = breaks(engine)
    assert found == [f"дело № {a}, событие 2: содержимое события изменено (хэш не совпадает)"]


def test_a_deleted_last_event_is_found_by_the_head(engine: Harness) -> None:
    _, b = two_cases(engine)
    with engine.db.engine.begin() as conn:
        conn.exec_driver_sql(f"delete from wf_audit where instance_id = {b} and seq = 2")
    assert any(f"дело № {b}, заголовок дела" in x for x in breaks(engine))


def test_a_deleted_middle_event_breaks_numbering_and_links(engine: Harness) -> None:
    a, _ = two_cases(engine)
    with engine.db.engine.begin() as conn:
        conn.exec_driver_sql(f"delete from wf_audit where instance_id = {a} and seq = 2")
    found = breaks(engine)
    assert any("пропуск в нумерации" in x for x in found)
    assert any("ссылка на предыдущее событие" in x for x in found)


def test_cli_reports_breaks_with_exit_code(engine: Harness, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = two_cases(engine)
    assert main(["--database-url", db_url, "audit", "verify"]) == 0
    assert '"breaks": 0' in capsys.readouterr().out
    with engine.db.engine.begin() as conn:
        conn.exec_driver_sql(f"update wf_audit set to_state = 'closed' where instance_id = {a} and seq = 3")
    assert main(["--database-url", db_url, "audit", "verify"]) == 1
    out = capsys.readouterr().out
    assert f"дело № {a}, событие 3" in out and '"breaks": 1' in out
