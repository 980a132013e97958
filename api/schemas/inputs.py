"""The input types and request bodies (``…Create``) of the REST API and of the web forms (:mod:`api.forms`).

Bad input is a 422 with a Russian message per field, never a 500; a form shows the same message next to the
field. Each body turns into the domain's command with ``command(…)``, the same way for both callers. The types and
the report's bodies live in :mod:`cases.input_models`, where the domain's own callers build reports through them.
"""

from __future__ import annotations

import math
import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, Field, StrictBool

from cases.commands import (
    AddPlanItem,
    AssignCase,
    CloseItem,
    RecordExecutionReport,
    ReissueDocument,
)
from cases.input_models import (  # noqa: F401 (the input types and report bodies, used from here by the api)
    MAX_DAY,
    MAX_ID,
    MIN_DAY,
    AdultCreate,
    AdultRelation,
    Channel,
    ChildCreate,
    Day,
    Id,
    Input,
    Line,
    Moment,
    Name,
    ReportCreate,
    SourceType,
    Text,
    _no_nul,
)
from cases.obligation_inputs import (  # noqa: F401 (the obligations' bodies, used from here by the api)
    ObligationReturn,
    RoadmapItemCreate,
)

Date = date  # for models with a field named ``date``
_ISO_DAY = re.compile(r"^\s*(\d{4})-\d{2}-\d{2}")


def _safe_json(value: Any, depth: int = 0) -> Any:
    """A payload any backend can store: no NUL, finite numbers, integers within ±2⁵³, plausible dates."""
    if depth > 6:
        raise ValueError("слишком глубокая вложенность")
    if isinstance(value, str):
        _no_nul(value)
        if len(value) > 20000:
            raise ValueError("строка длиннее 20 000 символов")
        year = _ISO_DAY.match(value)
        if year and not MIN_DAY.year <= int(year.group(1)) <= MAX_DAY.year:
            raise ValueError("дата вне 1900–2100 годов")
    elif isinstance(value, bool) or value is None:
        pass
    elif isinstance(value, int):
        if abs(value) > 2**53:
            raise ValueError("слишком большое число")
    elif isinstance(value, float):
        if not math.isfinite(value) or abs(value) > 2**53:
            raise ValueError("недопустимое число")
    elif isinstance(value, list):
        if len(value) > 200:
            raise ValueError("слишком длинный список")
        for item in value:
            _safe_json(item, depth + 1)
    elif isinstance(value, dict):
        if len(value) > 100:
            raise ValueError("слишком много полей")
        for key, item in value.items():
            _no_nul(str(key))
            _safe_json(item, depth + 1)
    return value


Payload = Annotated[dict[str, Any], AfterValidator(_safe_json)]


class MatchRequest(Input):
    children: Annotated[list[ChildCreate], Field(min_length=1, max_length=20)]


class PlanItemCreate(Input):
    measure: Annotated[Text, Field(max_length=2000)]
    due_date: Day
    responsible_org_id: Id | None = None
    responsible: Annotated[Line, Field(max_length=300)] = ""
    threat: Annotated[Text, Field(max_length=500)] = ""

    def command(self, case_id: int) -> AddPlanItem:
        return AddPlanItem(case_id, self.measure, self.due_date, self.responsible_org_id, self.responsible,
                           self.threat)


class PlanItemClose(Input):
    status: Literal["done", "cancelled"]
    result: Annotated[Text, Field(max_length=5000)]
    done_on: Day | None = None

    def command(self, case_id: int, item_id: int) -> CloseItem:
        return CloseItem(case_id, item_id, self.status, self.result, self.done_on)


class ExecutionReportCreate(Input):
    org_id: Id
    received_on: Day
    text: Annotated[Text, Field(max_length=20000)]
    positive_dynamics: StrictBool = False

    def command(self, case_id: int) -> RecordExecutionReport:
        return RecordExecutionReport(case_id, self.org_id, self.received_on, self.text, self.positive_dynamics)


class AssignCreate(Input):
    assignee_id: Id | None = Field(description="сотрудник или null — снять назначение")
    reason: Annotated[Text, Field(max_length=500)] = ""

    def command(self, case_id: int, expected_version: int | None = None) -> AssignCase:
        return AssignCase(case_id, self.assignee_id, self.reason, expected_version)


class ReissueCreate(Input):
    reason: Annotated[Text, Field(max_length=500)]

    def command(self, document_id: int) -> ReissueDocument:
        return ReissueDocument(document_id, self.reason)


class RegistryQuery(Input):
    """The registry's criteria (the person search), for ``POST /api/v1/registry/…`` and the «Реестр» form."""

    name: Annotated[Line, Field(max_length=200, description="часть ФИО (без учёта регистра и ё/е)")] = ""
    birth_date: Day | None = Field(default=None, description="дата рождения ГГГГ-ММ-ДД")
    address: Annotated[Line, Field(max_length=300, description="часть адреса")] = ""
