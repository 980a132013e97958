"""The domain's test bed: the real app's container on a real database, a seeded world, the clock frozen."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from freezegun import freeze_time

from api.bootstrap import bootstrap
from api.settings import Settings
from cases.services import Services
from engine.database import Database
from tests.process_steps import Process
from tests.world import START, build_world


@pytest.fixture
def process(db: Database, db_url: str) -> Iterator[Process]:
    """A :class:`Process` at Monday 03.03.2025 09:00 local; ``process.frozen`` moves the clock."""
    with freeze_time(START) as frozen:
        app = bootstrap(Settings(database_url=db_url), db=db)
        svc = Services(app.db, app.runtime)
        proc = Process(app, svc, build_world(svc))
        proc.frozen = frozen  # type: ignore[attr-defined]
        yield proc
