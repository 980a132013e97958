"""Alembic environment: runs migrations on the engine handed over by :mod:`api.db_schema`."""

from alembic import context

from api.metadata import metadata

config = context.config


def run() -> None:
    engine = config.attributes["engine"]
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        raw = connection.connection.dbapi_connection
        if sqlite:  # batch migrations copy tables that others refer to: SQLite checks the keys after, not during
            raw.execute("PRAGMA foreign_keys=OFF")  # only takes effect outside a transaction, so before it
        try:
            context.configure(connection=connection, target_metadata=metadata, render_as_batch=True,
                              compare_type=True)
            with context.begin_transaction():
                context.run_migrations()
                if sqlite:
                    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                    if broken:
                        raise RuntimeError(f"migration left rows without their referenced rows: {broken[:5]}")
            connection.commit()
        finally:
            if sqlite:
                raw.execute("PRAGMA foreign_keys=ON")


if context.is_offline_mode():
    raise SystemExit("offline migrations are not supported; run `opora db upgrade`")
run()
