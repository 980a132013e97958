"""A form's text turned into what a JSON body of the same request holds, then checked by the API's model."""

from __future__ import annotations

from datetime import date

import pytest

from api.forms import form_data, form_key, from_form
from api.schemas.inputs import AssignCreate, ExecutionReportCreate, PlanItemCreate
from cases.errors import InputInvalid


def test_form_text_becomes_the_api_body() -> None:
    assert form_data(ExecutionReportCreate, {"org_id": "12", "received_on": "3.3.2025", "text": "",
                                             "positive_dynamics": "yes", "csrf": "x"}) == \
        {"org_id": 12, "received_on": "2025-03-03", "text": "", "positive_dynamics": True}
    assert form_data(ExecutionReportCreate, {"org_id": ""}) == {"positive_dynamics": False}
    assert form_data(AssignCreate, {"assignee_id": "", "reason": "отпуск"}) == {"assignee_id": None,
                                                                                 "reason": "отпуск"}
    body = from_form(PlanItemCreate, {"measure": "Питание", "due_date": "10.03.2025", "responsible_org_id": "4"})
    assert (body.due_date, body.responsible_org_id, body.threat) == (date(2025, 3, 10), 4, "")


def test_problems_carry_the_api_messages_under_the_forms_names() -> None:
    with pytest.raises(InputInvalid) as refused:
        from_form(PlanItemCreate, {"measure": "м" * 2001, "responsible_org_id": "школа"})
    assert refused.value.errors == {"measure": "слишком длинная строка", "due_date": "обязательное поле",
                                    "responsible_org_id": "ожидается целое число"}
    assert form_key("children.0.birth_date") == "children[0].birth_date"
    assert form_key("adults.12") == "adults[12]"
