"""The Alembic migrations create exactly the tables, columns and indexes the models declare."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from api.metadata import metadata
from api.schema import current_revision, head_revision
from engine.database import Database


def test_migrated_schema_matches_the_models(db: Database) -> None:
    assert current_revision(db) == head_revision(db)
    with db.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": False})
        diff = compare_metadata(context, metadata)
    assert diff == []
