"""Prepared statements: binding a batch with shared values gives what binding each row whole gives."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
import sqlalchemy as sa
from psycopg.types.json import Jsonb
from sqlalchemy.dialects import postgresql, sqlite

from engine.sql import Prepared
from engine.tables import OutboxMessage, from_sqlite_text, sqlite_text, table_of

OB = table_of(OutboxMessage)
NOW = datetime(2025, 11, 5, 6, 30, tzinfo=UTC)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
def test_shared_values_bind_as_if_each_row_had_them(dialect: sa.Dialect) -> None:
    statement = Prepared(sa.insert(OB), ["key", "kind", "instance_id", "target", "payload", "created_at", "status"])
    compiled = statement._for(dialect)
    rows = [{"key": f"k{i}", "kind": "deadline.reminder", "instance_id": i or None, "target": "assignee",
             "payload": {"i": i, "title": "Срок"}} for i in range(3)]
    shared = {"created_at": NOW, "status": "pending"}
    whole = [compiled.bind({**row, **shared}) for row in rows]
    assert plain(compiled.bind_many(rows, shared)) == plain(whole)
    first = whole[0] if isinstance(whole[0], dict) else dict(zip(compiled.order or (), whole[0], strict=True))
    if dialect.name == "sqlite":  # converted: a naive UTC text and JSON text, not the Python objects
        assert first["created_at"] == "2025-11-05 06:30:00.000000"
        assert json.loads(first["payload"]) == {"i": 0, "title": "Срок"}


def plain(bound: list[Any]) -> list[Any]:
    """Bound rows comparable by value (psycopg wraps JSON in ``Jsonb``, which compares by identity)."""
    def value(v: Any) -> Any:
        return v.obj if isinstance(v, Jsonb) else v
    return [{k: value(v) for k, v in row.items()} if isinstance(row, dict) else tuple(map(value, row))
            for row in bound]


def test_selected_rows_are_converted_only_where_a_column_needs_it(tmp_path) -> None:  # type: ignore[no-untyped-def]
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    OB.metadata.create_all(engine, tables=[OB])
    select = Prepared(sa.select(OB.c.key, OB.c.created_at, OB.c.payload, OB.c.instance_id).order_by(OB.c.key))
    with engine.begin() as conn:
        conn.execute(sa.insert(OB), [{"key": "a", "kind": "x", "created_at": NOW, "payload": {"n": 1},
                                      "status": "pending", "instance_id": None},
                                     {"key": "b", "kind": "x", "created_at": NOW, "payload": None,
                                      "status": "pending", "instance_id": 7}])
        rows = select.all(conn, {})
        first = select.first(conn, {})
    assert [tuple(r) for r in rows] == [("a", NOW, {"n": 1}, None), ("b", NOW, None, 7)]
    assert first is not None and first.created_at == NOW and first.key == "a"


@pytest.mark.parametrize("moment", [NOW, datetime(2024, 2, 29, 23, 59, 59, 999999, tzinfo=UTC),
                                    datetime(2025, 3, 1, 1, 2, 3, 45, tzinfo=timezone(timedelta(hours=5)))])
def test_sqlite_datetime_text_is_what_sqlalchemy_would_store_and_read(moment: datetime) -> None:
    dialect = sqlite.dialect()
    column_type = OB.c.created_at.type.dialect_impl(dialect)
    slow_write = column_type.bind_processor(dialect)
    slow_read = column_type.result_processor(dialect, None)
    assert slow_write is not None and slow_read is not None
    assert sqlite_text(moment) == slow_write(moment)
    assert from_sqlite_text(sqlite_text(moment)) == slow_read(sqlite_text(moment)) == moment
    assert from_sqlite_text("2025-11-05 06:30:00") == NOW  # without microseconds, as SQLite's own functions write
    with pytest.raises(ValueError, match="naive"):
        sqlite_text(moment.replace(tzinfo=None))


def test_prepared_statements_use_the_one_step_datetime_conversion_on_sqlite() -> None:
    cut = sa.bindparam("cut", type_=OB.c.created_at.type)
    compiled = Prepared(sa.select(OB.c.created_at).where(OB.c.created_at < cut))
    on_sqlite, on_postgres = compiled._for(sqlite.dialect()), compiled._for(postgresql.psycopg.dialect())
    assert on_sqlite.writers["cut"] is sqlite_text and on_sqlite.readers == [from_sqlite_text]
    assert on_postgres.writers.get("cut") is not sqlite_text


def test_the_writers_lock_serves_in_order_and_a_waiter_that_gives_up_passes_its_turn() -> None:
    import threading
    import time

    from engine.database import FairLock

    lock, served = FairLock(), []
    assert lock.acquire(1) and lock.acquire(1)  # re-entrant for its owner
    lock.release()

    def wait(name: str, timeout: float) -> None:
        if lock.acquire(timeout):
            served.append(name)
            lock.release()
        else:
            served.append(f"{name} gave up")

    threads = []
    for name, timeout in (("first", 5), ("impatient", 0.05), ("third", 5)):
        thread = threading.Thread(target=wait, args=(name, timeout))
        thread.start()
        threads.append(thread)
        time.sleep(0.02)  # each is queued before the next asks
    time.sleep(0.1)
    lock.release()  # the owner lets go: the queue is served in the order it formed
    for thread in threads:
        thread.join(5)
    assert served == ["impatient gave up", "first", "third"]


def test_a_writer_that_takes_the_lock_again_at_once_lets_a_waiting_one_in_first() -> None:
    """A batch job writing batch after batch must not keep a request's one write waiting."""
    import threading
    import time

    from engine.database import FairLock

    lock, order = FairLock(), []
    assert lock.acquire(1)

    def request() -> None:
        assert lock.acquire(5)
        order.append("request")
        lock.release()

    waiter = threading.Thread(target=request)
    waiter.start()
    time.sleep(0.05)  # the request is waiting
    for batch in range(20):  # the job: release and take it again straight away
        lock.release()
        assert lock.acquire(5)
        order.append(f"batch {batch}")
    lock.release()
    waiter.join(5)
    assert order[0] == "request"
