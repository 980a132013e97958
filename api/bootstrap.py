"""The composition root: builds the database, clock, calendar, vocabulary, catalog and runtime.

The server's lifespan, the CLI and the tests all call :func:`bootstrap`; nothing else
wires these parts together.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from api import db_schema
from api.settings import Settings
from cases.vocabulary import build_vocabulary
from engine.calendar import ProductionCalendar, load_calendar
from engine.catalog import Catalog
from engine.clock import Clock, SystemClock
from engine.database import Database
from engine.runtime import Runtime
from engine.vocabulary import Vocabulary


@dataclass
class Container:
    settings: Settings
    db: Database
    clock: Clock
    calendar: ProductionCalendar
    vocabulary: Vocabulary
    catalog: Catalog
    runtime: Runtime
    extras: dict[str, object] = field(default_factory=dict)

    def close(self) -> None:
        self.db.dispose()


def bootstrap(settings: Settings | None = None, *, clock: Clock | None = None, vocabulary: Vocabulary | None = None,
              migrate: bool = True, publish: bool = True, db: Database | None = None) -> Container:
    settings = settings or Settings()
    clock = clock or SystemClock()
    db = db or Database(settings.database_url)
    calendar = load_calendar(settings.calendar, timezone=settings.timezone)
    vocabulary = vocabulary or build_vocabulary()
    catalog = Catalog(vocabulary)
    catalog.load_directory(settings.workflows_dir)
    runtime = Runtime(catalog, vocabulary, calendar, clock)
    if not migrate and not publish:  # a short-lived command (sweep, notify): no lock, only a check
        db_schema.require_current(db)
        return Container(settings, db, clock, calendar, vocabulary, catalog, runtime)
    with db_schema.exclusive(db, "bootstrap"):  # several processes or hosts starting at once take turns
        if migrate:
            db_schema.upgrade(db)
        else:
            db_schema.require_current(db)
        if publish:
            with db.unit_of_work() as tx:
                catalog.publish(tx, clock.now())
                tx.commit()
    return Container(settings, db, clock, calendar, vocabulary, catalog, runtime)
