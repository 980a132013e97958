"""One validation path for obligations' work: returning a report and adding a roadmap item are built through the
input models the REST API and the forms use, so the domain keeps only the rules of the database and the calendar."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from api.errors import input_problems
from api.schemas import inputs as schemas
from cases.obligation_inputs import ObligationReturn, RoadmapItemCreate, checked_decision, checked_roadmap_item
from cases.obligation_work import AddRoadmapItem, DecideReport
from tests.source_scan import built_without


def problems(cmd: DecideReport | AddRoadmapItem) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        checked_decision(cmd) if isinstance(cmd, DecideReport) else checked_roadmap_item(cmd)
    return dict(input_problems(refused.value.errors()))


def test_the_models_clean_the_text_and_an_acceptance_carries_no_reason() -> None:
    assert checked_decision(DecideReport(5, False, " Нет  раздела 3\r\nи подписи ")) == DecideReport(
        5, False, "Нет раздела 3\nи подписи")
    assert checked_decision(DecideReport(5, True, "не важно")) == DecideReport(5, True, "")
    assert checked_roadmap_item(AddRoadmapItem(3, "  Провести   семинар ", date(2025, 3, 15), "п. 2.4 ")) == (
        AddRoadmapItem(3, "Провести семинар", date(2025, 3, 15), "п. 2.4"))


def test_what_the_domain_no_longer_repeats_is_refused_by_the_model_with_the_apis_messages() -> None:
    assert problems(DecideReport(5, False, "  ")) == {"reason": "слишком короткая строка"}
    assert problems(DecideReport(5, False, "я" * 2001)) == {"reason": "слишком длинная строка"}
    assert problems(AddRoadmapItem(3, " ", date(2025, 3, 15), "")) == {
        "title": "слишком короткая строка", "source": "слишком короткая строка"}
    refused = problems(AddRoadmapItem(0, "т" * 301, date(1800, 1, 1), "п.\x00"))
    assert refused["title"] == "слишком длинная строка" and refused["due_on"] == "дата вне 1900–2100 годов"
    assert set(refused) == {"org_id", "title", "due_on", "source"}


def test_the_api_uses_the_same_models() -> None:
    assert schemas.ObligationReturn is ObligationReturn and schemas.RoadmapItemCreate is RoadmapItemCreate


def test_the_product_builds_returns_and_roadmap_items_through_the_model() -> None:
    """Every ``DecideReport(…)`` / ``AddRoadmapItem(…)`` built in the product outside the models is wrapped in
    ``checked_decision(…)`` / ``checked_roadmap_item(…)``."""
    assert built_without({"DecideReport": "checked_decision", "AddRoadmapItem": "checked_roadmap_item"},
                         "obligation_inputs.py") == []
