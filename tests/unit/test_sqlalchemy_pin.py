"""engine/sql.py reads SQLAlchemy's internals: the pinned range, the installed version and those internals agree."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
import sqlalchemy as sa
from packaging.requirements import Requirement
from packaging.version import Version
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.sql.compiler import SQLCompiler

from engine.sql import SQLALCHEMY_TESTED, Prepared, check_sqlalchemy
from engine.tables import OutboxMessage, table_of

ROOT = Path(__file__).resolve().parents[2]


def pinned() -> Requirement:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    return next(r for r in map(Requirement, project["dependencies"]) if r.name == "sqlalchemy")


def test_pyproject_pins_the_tested_minor_range() -> None:
    (first_major, first_minor), (last_major, last_minor) = SQLALCHEMY_TESTED
    spec = pinned().specifier
    assert {str(s) for s in spec} == {f">={first_major}.{first_minor}", f"<{last_major}.{last_minor}"}


def test_the_installed_sqlalchemy_is_in_the_range() -> None:
    assert Version(sa.__version__) in pinned().specifier
    check_sqlalchemy()


@pytest.mark.parametrize("version", ["2.0.30", "2.2.0", "3.0.0b1", "1.4.54"])
def test_another_minor_is_refused_loudly(version: str) -> None:
    with pytest.raises(RuntimeError, match=rf"tested with 2\.1\.x only .*installed: {version}"):
        check_sqlalchemy(version)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.psycopg.dialect()], ids=["sqlite", "postgresql"])
def test_the_internals_engine_sql_reads_are_there(dialect: sa.Dialect) -> None:
    table = table_of(OutboxMessage)
    statement = sa.update(table).where(table.c.status == "pending", table.c.id == sa.bindparam("b_id"))
    compiled = statement.compile(dialect=dialect, column_keys=["payload", "created_at"])
    assert isinstance(compiled, SQLCompiler)
    assert isinstance(compiled._bind_processors, dict)
    assert all(callable(v) for v in compiled._bind_processors.values())
    assert compiled.positional == (dialect.name == "sqlite")
    if compiled.positional:
        assert list(compiled.positiontup or ()) == ["payload", "created_at", "status_1", "b_id"]
    fixed = {name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required}
    assert fixed["status_1"] == "pending"
    assert compiled.binds["b_id"].required
    assert Prepared(statement, ["payload", "created_at"])._for(dialect).fixed["status_1"] == "pending"
