"""Helpers shared by the engine tests: a vocabulary and a harness around the test workflows."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from engine.builtins import register_builtins
from engine.calendar import ProductionCalendar, load_calendar
from engine.catalog import Catalog
from engine.clock import Clock, SystemClock
from engine.commands import Actor, FireTransition, StartCase, TransitionResult
from engine.context import TransitionContext
from engine.database import Database
from engine.runtime import Runtime
from engine.tables import Deadline
from engine.vocabulary import Vocabulary
from workflows import DEFAULT_CALENDAR

FIXTURE_WORKFLOWS = Path(__file__).parent / "fixtures" / "workflows"

CLERK = Actor(5, "clerk", org_id=1, territory="t1")
REVIEWER = Actor(7, "reviewer", org_id=1, territory="t1")
BOSS = Actor(9, "boss", org_id=1, territory="t1")


def engine_registry() -> Vocabulary:
    vocabulary = register_builtins(Vocabulary())
    for role in ("clerk", "reviewer", "boss"):
        vocabulary.add_role(role, role)

    @vocabulary.guard("no_open_items", "Все пункты плана закрыты")
    def no_open_items(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        dl = Deadline.__table__  # type: ignore[attr-defined]
        open_items = ctx.tx.connection.execute(
            sa.select(sa.func.count()).select_from(dl).where(
                dl.c.instance_id == ctx.case.id, dl.c.ref.is_not(None), dl.c.status == "open")
        ).scalar_one()
        return f"Не закрыто пунктов плана: {open_items}" if open_items else None

    return vocabulary


def calendar() -> ProductionCalendar:
    return load_calendar(DEFAULT_CALENDAR)


@dataclass
class Harness:
    db: Database
    runtime: Runtime

    @property
    def catalog(self) -> Catalog:
        return self.runtime.catalog

    def start(self, workflow: str = "review", actor: Actor = CLERK, **kwargs: Any) -> TransitionResult:
        with self.db.unit_of_work() as tx:
            result = self.runtime.start(tx, StartCase(workflow, actor, territory="t1", **kwargs))
            tx.commit()
            return result

    def fire(self, case_id: int, event: str, actor: Actor = REVIEWER, payload: Mapping[str, Any] | None = None,
             **kwargs: Any) -> TransitionResult:
        with self.db.unit_of_work() as tx:
            result = self.runtime.fire(tx, FireTransition(case_id, event, actor, payload or {}, **kwargs))
            tx.commit()
            return result

    def rows(self, query: Any, **params: Any) -> list[Any]:
        with self.db.read() as tx:
            return list(tx.connection.execute(sa.text(query) if isinstance(query, str) else query,
                                                     params).all())


def make_harness(db: Database, clock: Clock | None = None, folder: Path = FIXTURE_WORKFLOWS) -> Harness:
    vocabulary = engine_registry()
    catalog = Catalog(vocabulary)
    catalog.load_directory(folder)
    runtime = Runtime(catalog, vocabulary, calendar(), clock or SystemClock())
    with db.unit_of_work() as tx:
        catalog.publish(tx, runtime.clock.now())
        tx.commit()
    return Harness(db, runtime)
