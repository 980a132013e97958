"""the people register's search by any part of the name: a trigram index of ``adult_person.name_key``

SQLite: an FTS5 table with the trigram tokenizer over the column (external content, kept in step by three
triggers on ``adult_person``). PostgreSQL: a GIN index with ``gin_trgm_ops`` of the ``pg_trgm`` extension; where
the extension cannot be created (not available, or the database user may not create it) the index is left out
and the search still works, by reading the table (``cases/people_search.py``).

A later batch migration of ``adult_person`` on SQLite copies the table and drops its triggers: it has to create
them again (``_triggers`` below).

Revision ID: 0014_people_search
Revises: 0013_obligations
Create Date: (written by hand)
"""

from alembic import op
import sqlalchemy as sa

revision = '0014_people_search'
down_revision = '0013_obligations'
branch_labels = None
depends_on = None

FTS = 'adult_person_name'
TRIGGERS = {
    'adult_person_name_ai': "AFTER INSERT ON adult_person BEGIN "
                            "INSERT INTO adult_person_name (rowid, name_key) VALUES (new.id, new.name_key); END",
    'adult_person_name_ad': "AFTER DELETE ON adult_person BEGIN "
                            "INSERT INTO adult_person_name (adult_person_name, rowid, name_key) "
                            "VALUES ('delete', old.id, old.name_key); END",
    'adult_person_name_au': "AFTER UPDATE OF name_key ON adult_person BEGIN "
                            "INSERT INTO adult_person_name (adult_person_name, rowid, name_key) "
                            "VALUES ('delete', old.id, old.name_key); "
                            "INSERT INTO adult_person_name (rowid, name_key) VALUES (new.id, new.name_key); END",
}
PG_INDEX = 'ix_adult_person_name_trgm'


def _triggers() -> None:
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        op.execute(f"CREATE VIRTUAL TABLE {FTS} USING fts5(name_key, content='adult_person', content_rowid='id', "
                   "tokenize='trigram')")
        _triggers()
        op.execute(f"INSERT INTO {FTS} ({FTS}) VALUES ('rebuild')")
        return
    schema = _trgm_schema(bind)
    if schema is None:
        available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
        if available is None:
            return
        # in ``public`` when there is one: an extension lives in one schema of the database, and an operator class
        # in a schema that is dropped later (a test's, a benchmark's) would take every index using it along
        public = bind.execute(sa.text("SELECT 1 FROM pg_namespace WHERE nspname = 'public'")).first()
        try:
            with bind.begin_nested():
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm" + (" SCHEMA public" if public else "")))
        except sa.exc.DBAPIError:  # not allowed to: the search reads the table
            return
        schema = _trgm_schema(bind)
        if schema is None:
            return
    # the operator class named with its schema: the connection's search path need not include it
    op.execute(f'CREATE INDEX {PG_INDEX} ON adult_person USING gin (name_key "{schema}".gin_trgm_ops)')


def _trgm_schema(bind: sa.engine.Connection) -> str | None:
    """The schema the ``pg_trgm`` extension is installed in, or None when it is not installed."""
    return bind.execute(sa.text("SELECT n.nspname FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace "
                                "WHERE e.extname = 'pg_trgm'")).scalar()


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
        return
    op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
