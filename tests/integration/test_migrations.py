"""The Alembic migrations create exactly the tables, columns and indexes the models declare."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from api.db_schema import current_revision, head_revision, upgrade
from api.metadata import metadata
from cases.people_search import not_modelled
from engine.database import Database


def _modelled(name: str | None, kind: str, parent: object) -> bool:
    return not not_modelled(name)


def test_migrated_schema_matches_the_models(db: Database) -> None:
    assert current_revision(db) == head_revision(db)
    with db.engine.connect() as conn:
        # the name index of the people register (an FTS5 table, a pg_trgm index) is written by its migration alone
        context = MigrationContext.configure(conn, opts={"compare_type": False, "include_name": _modelled})
        diff = compare_metadata(context, metadata)
    assert diff == []


def test_a_database_in_use_upgrades_with_its_rows(tmp_path: Path) -> None:
    """Batch migrations copy tables that others refer to; an existing database with users, keys and sessions
    must upgrade without tripping SQLite's foreign keys, and keep every row."""
    db = Database(f"sqlite:///{tmp_path / 'old.db'}")
    upgrade(db, "0007_overdue_indexes")
    now = "2026-01-15 09:00:00.000000"
    with db.engine.begin() as conn:
        conn.exec_driver_sql("INSERT INTO territory (code, name) VALUES ('t', 'Территория')")
        conn.exec_driver_sql("INSERT INTO organisation (id, name, short_name, kind, territory, address, phone, "
                             "head_name) VALUES (1, 'Орган опеки', 'Опека', 'guardianship', 't', '', '', '')")
        conn.exec_driver_sql("INSERT INTO app_user (id, login, full_name, position, email, password_hash, org_id, "
                             f"territory, area, is_active, created_at) VALUES (1, 'opeka', 'Соколова', '', '', 'x', 1, "
                             f"'t', '', 1, '{now}')")
        conn.exec_driver_sql("INSERT INTO api_token (id, user_id, name, token_hash, prefix, created_at) "
                             f"VALUES (1, 1, 'скрипт', '{'a' * 64}', 'opora_abc', '{now}')")
        conn.exec_driver_sql("INSERT INTO access_log (user_id, case_id, action, what, at) "
                             f"VALUES (1, NULL, 'search', 'реестр', '{now}')")
    upgrade(db)
    assert current_revision(db) == head_revision(db)
    with db.engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT login FROM app_user").scalars().all() == ["opeka"]
        assert conn.exec_driver_sql("SELECT count(*) FROM api_token").scalar_one() == 1
        assert conn.exec_driver_sql("SELECT count(*) FROM access_log").scalar_one() == 1
        assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar_one() == 1
    db.dispose()
