"""Fixtures for the engine unit tests: a vocabulary, the production calendar and the review workflow.

Nothing here touches a database or the network.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from engine.builtins import register_builtins
from engine.calendar import ProductionCalendar, load_calendar
from engine.context import TransitionContext
from engine.definition import Workflow
from engine.loader import load_workflow_file
from engine.vocabulary import Arg, Vocabulary

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
REVIEW_YAML = FIXTURES / "workflows" / "review.yaml"
CALENDAR_YAML = ROOT / "workflows" / "calendars" / "ru.yaml"

#: The calendar's zone (ХМАО-Югра, UTC+5, no daylight saving time).
LOCAL = ZoneInfo("Asia/Yekaterinburg")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An aware moment in the calendar's local time."""
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def build_vocabulary() -> Vocabulary:
    vocabulary = register_builtins(Vocabulary())
    for role in ("clerk", "reviewer", "boss"):
        vocabulary.add_role(role, role)
    vocabulary.add_template("inspection_act", "Акт")

    @vocabulary.effect("issue_act", "Сформировать акт по шаблону", template=Arg("template"))
    def issue_act(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        ctx.notify("act_issued", None, {"template": args["template"]})

    @vocabulary.guard("no_open_items", "Все пункты плана закрыты")
    def no_open_items(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        return None

    @vocabulary.guard("visits_within", "Число посещений не больше параметра", limit=Arg("param"))
    def visits_within(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        return None

    return vocabulary


@pytest.fixture(scope="session")
def vocabulary() -> Vocabulary:
    return build_vocabulary()


@pytest.fixture(scope="session")
def calendar() -> ProductionCalendar:
    return load_calendar(CALENDAR_YAML)


@pytest.fixture(scope="session")
def review(vocabulary: Vocabulary) -> Workflow:
    return load_workflow_file(REVIEW_YAML, vocabulary)
