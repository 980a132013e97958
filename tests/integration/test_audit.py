"""The hash-chained audit trail and `opora audit verify`: each kind of tampering with its own message.

Every test runs on SQLite and (with CI=true) PostgreSQL. Tampering is done the way a database
administrator would: SQL on the tables, hashes recomputed where the attack needs them.
"""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from freezegun import freeze_time

from api.cli import main
from engine.audit import VerifyStats, event_hash, hashed_record, verify
from engine.audit.anchoring import make_anchor
from engine.audit.anchors import AnchorConfig, AnchorKeys, load
from engine.clock import FixedClock
from engine.database import Database
from engine.tables import AuditEvent, CaseInstance, table_of
from tests.support import CLERK, REVIEWER, Harness, make_harness

AE, CI = table_of(AuditEvent), table_of(CaseInstance)
START = datetime(2025, 3, 3, 4, 0, tzinfo=UTC)
KEY = "ключ-для-тестов-0123456789"
WHEN = "03.03.2025 05:00:00 UTC"  # the anchor's time in messages


@pytest.fixture
def engine(db: Database) -> Harness:
    return make_harness(db, clock=FixedClock(START))


def breaks(h: Harness, config: AnchorConfig | None = None) -> list[str]:
    log = load(config.path, config.keys) if config else None
    with h.db.read() as tx:
        return [*(str(p) for p in (log.problems if log else [])),
                *(str(b) for b in verify(tx, None, log.pinned if log else None))]


def two_cases(h: Harness) -> tuple[int, int]:
    a = h.start().case_id
    h.fire(a, "register", CLERK, {"note": "первое"})
    h.fire(a, "approve", REVIEWER, {"decision": "full"})
    b = h.start().case_id
    h.fire(b, "register", CLERK)
    return a, b


def run_sql(h: Harness, *statements: str) -> None:
    with h.db.engine.begin() as conn:
        for statement in statements:
            conn.exec_driver_sql(statement)


def without_foreign_keys(db: Database, *statements: str) -> None:
    """As an administrator who switches the checks off: raw SQLite (keys off), or replica mode on PostgreSQL."""
    if db.is_sqlite:
        conn = sqlite3.connect(db.url.removeprefix("sqlite:///"))
        for statement in statements:
            conn.execute(statement)
        conn.commit()
        conn.close()
        return
    with db.engine.begin() as pg:
        pg.exec_driver_sql("SET LOCAL session_replication_role = replica")
        for statement in statements:
            pg.exec_driver_sql(statement)


def rewrite(h: Harness, case_id: int, change: dict[str, object], *, seq: int) -> None:
    """A full rewrite: change event ``seq`` and recompute every hash after it and the case's head."""
    with h.db.engine.begin() as conn:
        rows = conn.execute(sa.select(AE).where(AE.c.instance_id == case_id).order_by(AE.c.seq)).mappings().all()
        prev = rows[0]["prev_hash"]
        for row in rows:
            values = {**row, **change} if row["seq"] == seq else dict(row)
            digest = event_hash(prev, _record(values))
            values.update(prev_hash=prev, hash=digest)
            conn.execute(sa.update(AE).where(AE.c.id == row["id"]).values(
                **{k: v for k, v in values.items() if k != "id"}))
            prev = digest
        conn.execute(sa.update(CI).where(CI.c.id == case_id).values(audit_head=prev))


def append(h: Harness, case_id: int, at: datetime, *, update_head: bool = True) -> int:
    """Append a forged, correctly chained event (``update_head``: and move the case's head to it)."""
    with h.db.engine.begin() as conn:
        seq, head = conn.execute(sa.select(CI.c.audit_seq, CI.c.audit_head).where(CI.c.id == case_id)).one()
        values = {"instance_id": case_id, "seq": seq + 1, "kind": "transition", "event": "approve",
                  "from_state": "checking", "to_state": "approved", "version": seq + 1, "actor_id": 9,
                  "actor_role": "boss", "actor_org": 1, "at": at, "payload": {"decision": "full"},
                  "idempotency_key": None}
        digest = event_hash(head, _record(values))
        conn.execute(sa.insert(AE).values(**values, prev_hash=head, hash=digest))
        if update_head:
            conn.execute(sa.update(CI).where(CI.c.id == case_id).values(audit_seq=seq + 1, audit_head=digest))
    return int(seq + 1)


def _record(v: dict[str, object]) -> dict[str, object]:
    return hashed_record(instance_id=v["instance_id"], seq=v["seq"], kind=v["kind"], event=v["event"],  # type: ignore[arg-type]
                         from_state=v["from_state"], to_state=v["to_state"], version=v["version"],  # type: ignore[arg-type]
                         actor_id=v["actor_id"], actor_role=v["actor_role"], actor_org=v["actor_org"],  # type: ignore[arg-type]
                         at=v["at"], payload=v["payload"], idempotency_key=v["idempotency_key"])  # type: ignore[arg-type]


def anchored(h: Harness, tmp_path: Path, at: datetime = START + timedelta(hours=1)) -> AnchorConfig:
    config = AnchorConfig(AnchorKeys(KEY), tmp_path / "anchors.jsonl")
    make_anchor(h.db, FixedClock(at), config)
    return config


# -- the chain alone --------------------------------------------------------------------------------

def test_untouched_chains_verify(engine: Harness) -> None:
    two_cases(engine)
    stats = VerifyStats()
    with engine.db.read() as tx:
        assert list(verify(tx, None, None, stats)) == []
    assert (stats.cases, stats.events, stats.reread) == (2, 5, 0)
    rows = engine.rows("select seq, prev_hash, hash from wf_audit where instance_id = 1 order by seq")
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[1].prev_hash == rows[0].hash and rows[2].prev_hash == rows[1].hash


def test_an_edited_event_is_found_at_that_event(engine: Harness) -> None:
    a, _ = two_cases(engine)
    run_sql(engine, f"update wf_audit set actor_role = 'boss' where instance_id = {a} and seq = 2")
    assert breaks(engine) == [f"дело № {a}, событие 2: содержимое события изменено (хэш не совпадает)"]


def test_a_deleted_middle_event_is_a_gap(engine: Harness) -> None:
    a, _ = two_cases(engine)
    run_sql(engine, f"delete from wf_audit where instance_id = {a} and seq = 2")
    assert breaks(engine) == [f"дело № {a}, событие 3: пропуск в нумерации: нет события 2 (удалено)"]


def test_a_deleted_last_event_is_found_by_the_head(engine: Harness) -> None:
    _, b = two_cases(engine)
    run_sql(engine, f"delete from wf_audit where instance_id = {b} and seq = 2")
    assert breaks(engine) == [f"дело № {b}, заголовок дела: последние события удалены: в журнале последнее "
                              "событие 1, по заголовку дела — 2"]


def test_an_inserted_last_event_is_an_insertion_not_a_deletion(engine: Harness) -> None:
    _, b = two_cases(engine)
    append(engine, b, START, update_head=False)
    assert breaks(engine) == [f"дело № {b}, событие 3: событие вставлено после последнего события по заголовку "
                              "дела (2)"]


def test_an_event_inserted_in_the_middle_is_named(engine: Harness) -> None:
    a, _ = two_cases(engine)
    # make room at seq 2 (renumbering 3 -> 4, 2 -> 3), then slip in a correctly chained event after event 1
    run_sql(engine, f"update wf_audit set seq = 4 where instance_id = {a} and seq = 3",
            f"update wf_audit set seq = 3 where instance_id = {a} and seq = 2",
            f"update wf_instance set audit_seq = 4 where id = {a}")
    with engine.db.engine.begin() as conn:
        first = conn.execute(sa.select(AE).where(AE.c.instance_id == a, AE.c.seq == 1)).mappings().one()
        values = {**first, "seq": 2, "kind": "note", "event": None, "idempotency_key": None}
        values.pop("id")
        values.update(prev_hash=first["hash"], hash=event_hash(first["hash"], _record(values)))
        conn.execute(sa.insert(AE).values(**values))
    assert breaks(engine) == [
        f"дело № {a}, событие 2: событие вставлено в середину цепочки: оно и следующее ссылаются на одно и то же "
        "событие 1",
        f"дело № {a}, событие 3: содержимое события изменено (хэш не совпадает)",  # its number changed
        f"дело № {a}, событие 4: содержимое события изменено (хэш не совпадает)",
    ]


def test_a_replaced_event_breaks_the_next_link(engine: Harness) -> None:
    a, _ = two_cases(engine)
    with engine.db.engine.begin() as conn:
        row = conn.execute(sa.select(AE).where(AE.c.instance_id == a, AE.c.seq == 2)).mappings().one()
        values = {**row, "payload": {"note": "подменено"}}
        conn.execute(sa.update(AE).where(AE.c.id == row["id"]).values(
            payload=values["payload"], hash=event_hash(row["prev_hash"], _record(values))))
    assert breaks(engine) == [f"дело № {a}, событие 3: ссылка на предыдущее событие не совпадает: предыдущее "
                              "событие заменено"]


def test_events_of_a_case_that_does_not_exist_are_orphans(engine: Harness) -> None:
    _, b = two_cases(engine)
    without_foreign_keys(engine.db, f"delete from wf_deadline where instance_id = {b}",
                         f"delete from wf_step where instance_id = {b}", f"delete from wf_instance where id = {b}")
    assert breaks(engine) == [f"дело № {b}: в журнале 2 события дела, которого нет в базе (дело удалено или "
                              "события вставлены)"]


def test_a_full_rewrite_passes_the_chain_alone(engine: Harness) -> None:
    """Why anchors exist: whoever recomputes the hashes and the head is not seen by the chain."""
    a, _ = two_cases(engine)
    rewrite(engine, a, {"payload": {"decision": "partial"}}, seq=3)
    assert breaks(engine) == []
    assert engine.rows(f"select payload from wf_audit where instance_id = {a} and seq = 3")[0][0] in (
        {"decision": "partial"}, '{"decision": "partial"}')


def test_fast_pass_never_decides_values_it_cannot_write_the_same_way(engine: Harness) -> None:
    """A payload the fast encoder cannot render the same way (an integer past 64 bits) is rechecked, not reported."""
    a, _ = two_cases(engine)
    rewrite(engine, a, {"payload": {"amount": 2 ** 70, "text": "строка\x01\u2028"}}, seq=2)
    stats = VerifyStats()
    with engine.db.read() as tx:
        assert list(verify(tx, None, None, stats)) == []
    assert stats.reread == 1
    run_sql(engine, f"update wf_audit set actor_org = 2 where instance_id = {a} and seq = 2")
    assert breaks(engine) == [f"дело № {a}, событие 2: содержимое события изменено (хэш не совпадает)"]


# -- with anchors -----------------------------------------------------------------------------------

def test_a_full_rewrite_before_the_anchor_is_caught(engine: Harness, tmp_path: Path) -> None:
    a, _ = two_cases(engine)
    config = anchored(engine, tmp_path)
    assert breaks(engine, config) == []
    rewrite(engine, a, {"payload": {"decision": "partial"}}, seq=2)
    assert breaks(engine) == []
    assert breaks(engine, config) == [f"дело № {a}, событие 3: событие не совпадает с закреплённым отметкой от "
                                      f"{WHEN}: история дела переписана"]


def test_appends_after_the_anchor_are_legitimate_but_backdated_ones_are_not(engine: Harness, tmp_path: Path) -> None:
    a, b = two_cases(engine)
    config = anchored(engine, tmp_path)
    append(engine, a, START + timedelta(hours=2))  # after the anchor: what a real transition looks like
    assert breaks(engine, config) == []
    seq = append(engine, b, START + timedelta(minutes=30))  # dated before the anchor that did not pin it
    assert breaks(engine, config) == [f"дело № {b}, событие {seq}: событие датировано 03.03.2025 04:30:00 UTC, "
                                      f"раньше отметки от {WHEN}, но она его не закрепила: добавлено задним числом"]


def test_a_deleted_tail_with_its_head_moved_back_is_caught(engine: Harness, tmp_path: Path) -> None:
    a, _ = two_cases(engine)
    config = anchored(engine, tmp_path)
    with engine.db.engine.begin() as conn:
        head = conn.execute(sa.select(AE.c.hash).where(AE.c.instance_id == a, AE.c.seq == 2)).scalar_one()
    run_sql(engine, f"delete from wf_audit where instance_id = {a} and seq = 3",
            f"update wf_instance set audit_seq = 2, audit_head = '{head}' where id = {a}")
    assert breaks(engine) == []
    assert breaks(engine, config) == [f"дело № {a}, событие 3: отметка от {WHEN} закрепила дело на событии 3, а в "
                                      "журнале последнее — 2: события удалены"]


def test_a_deleted_case_is_caught(engine: Harness, tmp_path: Path) -> None:
    _, b = two_cases(engine)
    config = anchored(engine, tmp_path)
    run_sql(engine, f"delete from wf_step where instance_id = {b}", f"delete from wf_deadline where instance_id = {b}",
            f"delete from wf_audit where instance_id = {b}", f"delete from wf_instance where id = {b}")
    assert breaks(engine) == []
    assert breaks(engine, config) == [f"дело № {b}: дело закреплено отметкой от {WHEN}, но его нет в базе (удалено)"]


def test_each_anchor_pins_its_moment_not_only_the_last(engine: Harness, tmp_path: Path) -> None:
    """A rewrite made between two anchors is pinned by the later one, and still caught by the earlier."""
    a, _ = two_cases(engine)
    config = anchored(engine, tmp_path)
    rewrite(engine, a, {"payload": {"note": "переписано"}}, seq=2)
    make_anchor(engine.db, FixedClock(START + timedelta(days=1)), config)
    assert breaks(engine, config) == [f"дело № {a}, событие 3: событие не совпадает с закреплённым отметкой от "
                                      f"{WHEN}: история дела переписана"]


def test_anchor_lines_that_were_edited_or_dropped_are_reported(engine: Harness, tmp_path: Path) -> None:
    two_cases(engine)
    config = anchored(engine, tmp_path)
    make_anchor(engine.db, FixedClock(START + timedelta(days=1)), config)
    make_anchor(engine.db, FixedClock(START + timedelta(days=2)), config)
    lines = config.path.read_bytes().splitlines()
    config.path.write_bytes(b"\n".join([lines[0], lines[2]]) + b"\n")
    assert breaks(engine, config) == ["файл отметок, строка 2 (отметка от 05.03.2025 04:00:00 UTC): не ссылается на "
                                      "предыдущую строку: строки файла удалены, переставлены или вставлены"]
    config.path.write_bytes(lines[0].replace(b'"cases":2', b'"cases":3') + b"\n")
    assert breaks(engine, config) == [f"файл отметок, строка 1 (отметка от {WHEN}): подпись не совпадает: строка "
                                      "изменена"]


def test_verify_of_some_cases(engine: Harness, tmp_path: Path) -> None:
    a, b = two_cases(engine)
    config = anchored(engine, tmp_path)
    rewrite(engine, a, {"payload": {"decision": "partial"}}, seq=3)
    log = load(config.path, config.keys)
    with engine.db.read() as tx:
        assert list(verify(tx, [b], log.pinned)) == []
        assert [x.case_id for x in verify(tx, [a], log.pinned)] == [a]


# -- the command ------------------------------------------------------------------------------------

def cli(db_url: str, *args: str) -> int:
    return main(["--database-url", db_url, "audit", *args])


def test_cli_reports_breaks_with_exit_code(engine: Harness, db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = two_cases(engine)
    assert cli(db_url, "verify") == 0
    assert '"breaks": 0, "cases": 2, "events": 5' in capsys.readouterr().out
    run_sql(engine, f"update wf_audit set to_state = 'closed' where instance_id = {a} and seq = 3")
    assert cli(db_url, "verify") == 1
    out = capsys.readouterr().out
    assert f"дело № {a}, событие 3" in out and '"breaks": 1' in out


def test_cli_anchor_and_verify_with_keys(engine: Harness, db_url: str, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = two_cases(engine)
    anchors = str(tmp_path / "a.jsonl")
    monkeypatch.delenv("OPORA_AUDIT_KEY", raising=False)
    assert cli(db_url, "anchor", "--anchors", anchors) == 2
    assert_one_line(capsys.readouterr().err, "OPORA_AUDIT_KEY: не задан ключ подписи отметок журнала")
    assert cli(db_url, "verify", "--anchors", anchors) == 2  # no key, and no file either: the key is said first
    assert_one_line(capsys.readouterr().err, "OPORA_AUDIT_KEY")
    monkeypatch.setenv("OPORA_AUDIT_KEY", "short")
    assert cli(db_url, "anchor", "--anchors", anchors) == 2
    assert_one_line(capsys.readouterr().err, "ключ короче 16 символов")

    monkeypatch.setenv("OPORA_AUDIT_KEY", KEY)
    assert cli(db_url, "verify", "--anchors", anchors) == 2
    assert_one_line(capsys.readouterr().err, f"файл отметок {anchors}: файл не найден")
    assert cli(db_url, "anchor", "--anchors", anchors) == 0
    assert '"cases": 2, "events": 5' in capsys.readouterr().out
    assert cli(db_url, "verify", "--anchors", anchors) == 0
    assert '"anchors": 1' in capsys.readouterr().out
    rewrite(engine, a, {"payload": {"decision": "partial"}}, seq=3)
    assert cli(db_url, "verify", "--anchors", anchors) == 1
    assert "история дела переписана" in capsys.readouterr().out

    monkeypatch.setenv("OPORA_AUDIT_KEY", "совсем-другой-ключ-0123456789")
    assert cli(db_url, "verify", "--anchors", anchors) == 2
    assert_one_line(capsys.readouterr().err, "подписана ключом")


def test_a_rotated_key_keeps_old_anchors_verifiable(engine: Harness, db_url: str, tmp_path: Path,
                                                    monkeypatch: pytest.MonkeyPatch,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    a, b = two_cases(engine)
    anchors = str(tmp_path / "a.jsonl")
    old, new = KEY, "новый-ключ-после-ротации-0123"
    monkeypatch.setenv("OPORA_AUDIT_KEY", old)
    with freeze_time(START + timedelta(hours=1)):
        assert cli(db_url, "anchor", "--anchors", anchors) == 0
    engine.runtime.clock.set(START + timedelta(hours=2))  # type: ignore[attr-defined]
    engine.fire(b, "approve", REVIEWER, {"decision": "full"})  # the chain grows between the anchors
    monkeypatch.setenv("OPORA_AUDIT_KEY", new)
    monkeypatch.setenv("OPORA_AUDIT_OLD_KEYS", f"{old}, ")
    with freeze_time(START + timedelta(hours=3)):
        assert cli(db_url, "anchor", "--anchors", anchors) == 0
    capsys.readouterr()
    assert cli(db_url, "verify", "--anchors", anchors) == 0
    assert '"anchors": 2' in capsys.readouterr().out
    key_ids = [line.split('"key_id":"')[1][:16] for line in Path(anchors).read_text().splitlines()]
    assert key_ids[0] != key_ids[1]
    rewrite(engine, a, {"payload": {"decision": "partial"}}, seq=3)  # pinned by both anchors, one per key
    assert cli(db_url, "verify", "--anchors", anchors) == 1
    assert capsys.readouterr().out.count("история дела переписана") == 1
    monkeypatch.delenv("OPORA_AUDIT_OLD_KEYS")
    assert cli(db_url, "verify", "--anchors", anchors) == 2
    assert_one_line(capsys.readouterr().err, f"подписана ключом {key_ids[0]}")


def test_cli_proves_one_case(engine: Harness, db_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                             capsys: pytest.CaptureFixture[str]) -> None:
    a, _ = two_cases(engine)
    anchors = tmp_path / "a.jsonl"
    monkeypatch.setenv("OPORA_AUDIT_KEY", KEY)
    assert cli(db_url, "anchor", "--anchors", str(anchors)) == 0
    capsys.readouterr()
    assert cli(db_url, "proof", "--case", str(a), "--anchors", str(anchors)) == 0
    proof = tmp_path / "proof.json"
    proof.write_text(capsys.readouterr().out, encoding="utf-8")
    assert f'"case": [{a}, 3,' in proof.read_text(encoding="utf-8") and '"pins": [' not in proof.read_text()
    assert cli(db_url, "proof", "--check", str(proof)) == 0
    assert f"дело № {a} закреплено на событии 3" in capsys.readouterr().out
    proof.write_text(proof.read_text(encoding="utf-8").replace(f'"case": [{a}, 3,', f'"case": [{a}, 2,'))
    assert cli(db_url, "proof", "--check", str(proof)) == 1
    assert "путь не ведёт к корню отметки" in capsys.readouterr().out
    assert cli(db_url, "proof", "--case", "999", "--anchors", str(anchors)) == 1


def assert_one_line(err: str, fragment: str) -> None:
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and fragment in lines[0] and "Traceback" not in err, err
