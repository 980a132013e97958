"""Shared fixtures: real databases (SQLite always; PostgreSQL with CI=true or OPORA_TEST_POSTGRES=1).

Each test gets a fresh, fully migrated database: on SQLite a copy of a template file
migrated once per session; on PostgreSQL a schema per test worker, migrated once and
truncated between tests.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import freezegun
import pytest
import sqlalchemy as sa

from api.db_schema import upgrade
from api.metadata import metadata
from engine.database import Database

#: a webhook's overall deadline runs on the event loop's clock: real time even while a test freezes the date;
#: pytest's own timer too, or ``--durations`` would report the frozen clock's jumps as the tests' durations
#: (only its timing module: a prefix such as "_pytest" would also match the frames above every test body, and
#: freezegun would then answer real or frozen time depending on how deep a call is)
freezegun.configure(extend_ignore_list=["asyncio", "anyio", "httpcore", "httpx", "_pytest.timing"])
#: webhook secrets are encrypted at rest with this key in every test (the server reads OPORA_SECRET_KEY)
os.environ.setdefault("OPORA_SECRET_KEY", "tests-only-secret-key-0123456789")
PG_BASE = os.environ.get("OPORA_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
FIXTURES = Path(__file__).parent / "fixtures"


def postgres_enabled() -> bool:
    return os.environ.get("CI", "").lower() == "true" or os.environ.get("OPORA_TEST_POSTGRES") == "1"


BACKENDS = ["sqlite", "postgresql"] if postgres_enabled() else ["sqlite"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("backend") == "postgresql":
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    db = Database(f"sqlite:///{path}")
    upgrade(db)
    with db.engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    db.dispose()
    return path


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _trigrams_in_public(admin: sa.Engine) -> None:
    """``pg_trgm`` where the migration puts it: a run stopped before its teardown can have left it in its own schema
    (installed there when ``public`` was missing), which a later run's teardown would drop with every trigram index."""
    try:
        with admin.begin() as conn:
            where = conn.exec_driver_sql("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n "
                                         "ON n.oid = e.extnamespace WHERE e.extname = 'pg_trgm'").scalar()
            if where not in (None, "public"):
                conn.exec_driver_sql("ALTER EXTENSION pg_trgm SET SCHEMA public")
    except sa.exc.DBAPIError:  # another worker moved it at the same moment
        pass


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    schema = f"opora_test_{_worker()}_{os.getpid()}"  # concurrent test runs never share a schema
    admin = sa.create_engine(PG_BASE)
    _trigrams_in_public(admin)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    admin.dispose()
    url = f"{PG_BASE}?options=-csearch_path%3D{schema}"
    db = Database(url)
    upgrade(db)
    db.dispose()
    yield url
    admin = sa.create_engine(PG_BASE)
    with admin.begin() as conn:
        conn.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
    admin.dispose()


def truncate_all(db: Database) -> None:
    names = ", ".join(f'"{t.name}"' for t in metadata.sorted_tables)
    with db.engine.begin() as conn:
        conn.exec_driver_sql(f"TRUNCATE {names} RESTART IDENTITY CASCADE")


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def db_url(backend: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if backend == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "opora.db"
        shutil.copyfile(template, target)
        return f"sqlite:///{target}"
    url = str(request.getfixturevalue("postgres_url"))
    db = Database(url)
    truncate_all(db)
    db.dispose()
    return url


@pytest.fixture
def db(db_url: str) -> Iterator[Database]:
    database = Database(db_url)
    yield database
    database.dispose()
