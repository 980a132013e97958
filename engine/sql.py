"""Statements on the engine's hot path, compiled once per dialect and run on the DBAPI cursor.

Building and executing a SQLAlchemy Core statement costs several times what SQLite needs
to run it, and a transition issues about eight. :class:`Prepared` keeps SQLAlchemy as the
compiler (so the same statement serves SQLite and PostgreSQL, with the column types' bind
and result processors — our UTC datetimes, JSON) and skips its per-execution machinery.
It runs on the connection of the caller's transaction, so atomicity is unchanged.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

from engine.tables import UTCDateTime, from_sqlite_text, sqlite_text

Convert = Callable[[Any], Any]

#: SQLAlchemy minor versions this module is tested with, first included, last excluded: it reads the
#: compiler's internals (``positiontup``, ``_bind_processors``, ``binds``), which a minor release may change.
#: pyproject.toml pins the same range; ``tests/unit/test_sqlalchemy_pin.py`` checks both and the internals.
SQLALCHEMY_TESTED = ((2, 1), (2, 2))


def check_sqlalchemy(version: str = sa.__version__) -> None:
    """Refuse, at import, a SQLAlchemy outside :data:`SQLALCHEMY_TESTED` instead of misbinding statements later."""
    first, last = SQLALCHEMY_TESTED
    minor = tuple(int(part) for part in version.split(".")[:2])
    if not first <= minor < last:
        raise RuntimeError(f"engine/sql.py reads SQLAlchemy's compiler internals and is tested with "
                           f"{first[0]}.{first[1]}.x only (below {last[0]}.{last[1]}); installed: {version}. "
                           f"Install the versions of requirements.lock.")


check_sqlalchemy()


@dataclass(frozen=True)
class _Compiled:
    sql: str
    order: tuple[str, ...] | None  # positional drivers (sqlite3): the order of the binds
    writers: Mapping[str, Convert]  # the column types' bind conversions
    fixed: Mapping[str, Any]  # values fixed in the statement itself (status = 'cancelled' …)
    readers: list[Convert | None]  # the selected columns' result conversions

    @cached_property
    def conversions(self) -> list[tuple[int, Convert]]:
        """(position, conversion) of the selected columns that have one."""
        return [(i, read) for i, read in enumerate(self.readers) if read is not None]

    @cached_property
    def conversions_in(self) -> list[tuple[int, Convert]]:
        """(position, conversion) of the positional binds that have one."""
        return [(i, self.writers[name]) for i, name in enumerate(self.order or ()) if name in self.writers]

    def bind(self, params: Mapping[str, Any]) -> Any:
        merged = {**self.fixed, **params} if self.fixed else params
        if self.order is not None:
            values = [merged[name] for name in self.order]
            for i, write in self.conversions_in:
                if (value := values[i]) is not None:
                    values[i] = write(value)
            return tuple(values)
        writers = self.writers
        return {k: (writers[k](v) if v is not None and k in writers else v) for k, v in merged.items()}

    def bind_many(self, rows: Sequence[Mapping[str, Any]], shared: Mapping[str, Any]) -> list[Any]:
        """Bind rows that share some values (a batch's timestamp), converted once; rows must not repeat them."""
        ready = {k: (self.writers[k](v) if v is not None and k in self.writers else v) for k, v in shared.items()}
        pending = _Compiled(self.sql, self.order, {k: w for k, w in self.writers.items() if k not in ready},
                            {**self.fixed, **ready}, self.readers)
        return [pending.bind(row) for row in rows]


class Prepared:
    def __init__(self, statement: sa.ClauseElement, column_keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self.column_keys = list(column_keys) if column_keys is not None else None
        self._compiled: dict[str, _Compiled] = {}
        self._named: Any = None

    def _for(self, dialect: Dialect) -> _Compiled:
        found = self._compiled.get(dialect.name)
        if found is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=self.column_keys)
            assert isinstance(compiled, SQLCompiler)
            order = tuple(compiled.positiontup) if compiled.positional and compiled.positiontup else None
            writers: dict[str, Convert] = {k: v for k, v in compiled._bind_processors.items() if callable(v)}
            fixed = {name: bind.effective_value for name, bind in compiled.binds.items()
                     if not bind.required and bind.value is not None}
            readers: list[Convert | None] = []
            if isinstance(self.statement, sa.Select):
                readers = [c.type.dialect_impl(dialect).result_processor(dialect, None)
                           for c in self.statement.selected_columns]
            if dialect.name == "sqlite":  # UTC datetimes as text in one step each way
                writers.update({name: sqlite_text for name, bind in compiled.binds.items()
                                if name in writers and isinstance(bind.type, UTCDateTime)})
                if isinstance(self.statement, sa.Select):
                    readers = [from_sqlite_text if isinstance(c.type, UTCDateTime) else read
                               for c, read in zip(self.statement.selected_columns, readers, strict=True)]
            found = self._compiled[dialect.name] = _Compiled(compiled.string, order, writers, fixed, readers)
        return found

    def execute(self, conn: sa.Connection, params: dict[str, Any]) -> Any:
        """Run once; return the DBAPI cursor (``rowcount``, ``fetchone()`` for RETURNING)."""
        _require_transaction(conn)
        compiled = self._for(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(compiled.sql, compiled.bind(params))
        return cursor

    def first(self, conn: sa.Connection, params: dict[str, Any]) -> tuple[Any, ...] | None:
        """For a SELECT: the first row (a named tuple) with the column types' result conversions applied."""
        compiled = self._for(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(compiled.sql, compiled.bind(params))
        row = cursor.fetchone()
        cursor.close()
        if row is None:
            return None
        return self._row_type()(*_converted(row, compiled.conversions))

    def all(self, conn: sa.Connection, params: dict[str, Any]) -> list[Any]:
        """For a SELECT: every row as a named tuple (fields named after the selected columns)."""
        compiled = self._for(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(compiled.sql, compiled.bind(params))
        rows = cursor.fetchall()
        cursor.close()
        make, conversions = self._row_type(), compiled.conversions
        if not conversions:
            return [make(*row) for row in rows]
        return [make(*_converted(row, conversions)) for row in rows]

    def _row_type(self) -> Any:
        if self._named is None:
            assert isinstance(self.statement, sa.Select)
            self._named = namedtuple("Row", [c.key for c in self.statement.selected_columns])  # type: ignore[misc]
        return self._named

    def executemany(self, conn: sa.Connection, rows: Sequence[Mapping[str, Any]],
                    shared: Mapping[str, Any] | None = None) -> None:
        """Run once per row; ``shared`` holds the values every row has (converted once)."""
        _require_transaction(conn)
        compiled = self._for(conn.dialect)
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.executemany(compiled.sql, compiled.bind_many(rows, shared) if shared else
                           [compiled.bind(row) for row in rows])
        cursor.close()


def _converted(row: Sequence[Any], conversions: list[tuple[int, Convert]]) -> list[Any]:
    values = list(row)
    for i, read in conversions:
        if (value := values[i]) is not None:
            values[i] = read(value)
    return values


def _require_transaction(conn: sa.Connection) -> None:
    # On SQLite the driver runs in autocommit mode and our BEGIN comes from SQLAlchemy's
    # begin event: a statement issued outside SQLAlchemy's transaction would commit alone.
    if not conn.in_transaction():
        raise RuntimeError("engine statements must run inside a unit of work")
