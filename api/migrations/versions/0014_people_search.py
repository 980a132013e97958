"""the people register's search by any part of the name: a trigram index of ``adult_person.name_key``

SQLite: an FTS5 table with the trigram tokenizer over the column (external content, kept in step by three
triggers on ``adult_person``). PostgreSQL: a GIN index with ``gin_trgm_ops`` of the ``pg_trgm`` extension; where
the extension cannot be created (not available, or the database user may not create it) the index is left out
and the search still works, by reading the table (``cases/people_search.py``).

A later batch migration of ``adult_person`` on SQLite copies the table and drops its triggers: it has to create
them again (``_triggers`` below).

Revision ID: 0014_people_search
Revises: 0011_adults
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
    installed = bind.execute(sa.text("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")).first()
    if installed is None:
        available = bind.execute(sa.text("SELECT 1 FROM pg_available_extensions WHERE name = 'pg_trgm'")).first()
        if available is None:
            return
        try:
            with bind.begin_nested():
                bind.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
        except sa.exc.DBAPIError:  # not allowed to: the search reads the table
            return
    op.execute(f"CREATE INDEX {PG_INDEX} ON adult_person USING gin (name_key gin_trgm_ops)")


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == 'sqlite':
        for name in TRIGGERS:
            op.execute(f"DROP TRIGGER IF EXISTS {name}")
        op.execute(f"DROP TABLE IF EXISTS {FTS}")
        return
    op.execute(f"DROP INDEX IF EXISTS {PG_INDEX}")
