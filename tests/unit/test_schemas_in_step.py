"""The REST API's models (``…Public``, ``…Create``) and the domain's rows they are built from stay in step.

Each pair lists every deliberate difference with its reason: a field only the API shows (``+``, derived when
the answer is built), a field of the row the API does not show (``-``) and a field whose type the API converts
(``~``). A field added to either side, or a type changed on one side only, fails here until the other side
follows or the difference is written down.
"""

from __future__ import annotations

import collections.abc
import dataclasses
import enum
import importlib
import types
import typing
from typing import Any

import pytest
from pydantic import BaseModel

Differences = dict[str, str]

#: (API model, domain row, the deliberate differences)
PAIRS: list[tuple[str, str, Differences]] = [
    ("api.schemas.cases:ActionPublic", "cases.case_page:ActionView", {}),
    ("api.schemas.cases:CandidatePublic", "cases.matching:Candidate", {}),
    ("api.schemas.cases:CasePage", "cases.views:Page", {"~items": "the generic page holds any row"}),
    ("api.schemas.cases:CaseSummary", "cases.views:CaseRow", {"-data": "the case's raw data is internal"}),
    ("api.schemas.cases:CasePublic", "cases.case_page:CaseDetail", {
        "+events": "the history's entries, named as in the API", "-history": "shown as events",
        "-actions": "the REST API offers them at /cases/{id}/actions",
        "~family": "a dict of the read model", "~reports": "dicts of the read model",
        "~plans": "dicts of the read model", "~visits": "dicts of the read model",
        "~documents": "dicts of the read model", "~resolutions": "dicts of the read model",
        "~related": "dicts of the read model",
        "-person": "an adult's case: the API's family holds the person and the members, as it did",
        "-register_link": "whether the page links to the register"}),
    ("api.schemas.cases:CommandPublic", "cases.case_commands:CommandView", {}),
    ("api.schemas.cases:DeadlinePublic", "cases.views:DeadlineRow", {"-case_id": "given by the case it is shown in"}),
    ("api.schemas.cases:DocumentPublic", "cases.api_views:DocumentRow", {"-case_id": "given by the URL"}),
    ("api.schemas.cases:FieldPublic", "cases.case_page:FieldView", {"~options": "(value, label) pairs as objects"}),
    ("api.schemas.cases:HistoryPublic", "cases.history:HistoryEntry",
     {"~details": "(title, value) pairs as objects"}),
    ("api.schemas.cases:PlanPublic", "cases.plans:PlanRow", {
        "+kind": "the plan's kind, from the case's workflow", "+items": "the plan's items, read apart",
        "-id": "plans are addressed by their case"}),
    ("api.schemas.cases:ReportPublic", "cases.handlers:ReportRegistered", {
        "+registration_card_id": "the document_id of the registration card",
        "-document_id": "shown as registration_card_id", "-replayed": "the status code says it",
        "~children": "(person, how matched) pairs as objects"}),
    ("api.schemas.inputs:AdultCreate", "cases.commands:AdultInput", {}),
    ("api.schemas.inputs:AssignCreate", "cases.commands:AssignCase", {
        "-case_id": "from the URL", "-expected_version": "from the If-Match header"}),
    ("api.schemas.inputs:ChildCreate", "cases.commands:ChildInput", {}),
    ("api.schemas.inputs:ExecutionReportCreate", "cases.commands:RecordExecutionReport", {"-case_id": "from the URL"}),
    ("api.schemas.inputs:PlanItemClose", "cases.commands:CloseItem",
     {"-case_id": "from the URL", "-item_id": "from the URL"}),
    ("api.schemas.inputs:PlanItemCreate", "cases.commands:AddPlanItem", {"-case_id": "from the URL"}),
    ("api.schemas.inputs:ReissueCreate", "cases.commands:ReissueDocument", {"-document_id": "from the URL"}),
    ("api.schemas.inputs:ReportCreate", "cases.commands:RegisterReport", {
        "-idempotency_key": "from the Idempotency-Key header",
        "~received_at": "the API insists on a time zone (AwareDatetime)"}),
    ("api.schemas.lists:AgendaPublic", "cases.agenda:Agenda", {}),
    ("api.schemas.lists:CaseRefPublic", "cases.search:CaseRef", {}),
    ("api.schemas.lists:CountPublic", "cases.overdue:Count", {}),
    ("api.schemas.lists:DeadlineItem", "cases.overdue:DeadlineItem", {}),
    ("api.schemas.lists:DeadlinePage", "cases.views:Page", {"~items": "the generic page holds any row"}),
    ("api.schemas.lists:DeadlineSpecPublic", "engine.definition:DeadlineSpec", {
        "+timeout_event": "the event of the timeout", "-timeout": "shown as timeout_event",
        "~due": "the duration as text", "~remind": "durations as text"}),
    ("api.schemas.lists:EscalationPublic", "engine.definition:Escalation", {"~after": "the duration as text"}),
    ("api.schemas.lists:FieldSpecPublic", "engine.definition:FieldSpec", {
        "-future": "checked by the server", "-save": "internal: where the value is stored",
        "~choices": "(value, label) pairs as objects"}),
    ("api.schemas.lists:MeetingPublic", "cases.agenda:MeetingView", {"~items": "(kind, case) pairs as objects"}),
    ("api.schemas.lists:OverdueCountsPublic", "cases.overdue:OverdueCounts", {}),
    ("api.schemas.lists:ParameterPublic", "cases.api_views:ParameterView", {}),
    ("api.schemas.lists:PersonHitPublic", "cases.search:PersonHit", {}),
    ("api.schemas.lists:StatePublic", "engine.definition:State", {}),
    ("api.schemas.lists:TransitionPublic", "engine.definition:Transition", {
        "+from_states": "the transition's sources", "+to_state": "its destination", "-sources": "as from_states",
        "-dest": "as to_state", "-notify": "internal", "-restart": "internal",
        "~guards": "the guards' names", "~effects": "the effects' names"}),
    ("api.schemas.lists:WorkflowSummary", "cases.api_views:WorkflowView", {
        "+name": "from the definition", "+title": "from the definition", "+version": "from the definition",
        "+description": "from the definition", "-definition": "flattened", "-parameters": "only in the details"}),
    ("api.schemas.lists:WorkflowPublic", "engine.definition:Workflow", {
        "+versions": "the published versions", "+overrides_note": "how regional overrides work",
        "-content_hash": "internal", "-source": "internal",
        "-source_path": "internal", "~parameters": "with the territory's overrides (ParameterView)",
        "~states": "a list instead of a mapping by name"}),
    ("api.routes.admin_users:UserPublic", "cases.accounts:UserView", {}),
    ("api.routes.api_access:OrganisationPublic", "cases.directory:OrganisationRow", {}),
    ("api.routes.statistics:SourcePublic", "cases.statistics:SourceRow", {}),
    ("api.routes.statistics:CategoryPublic", "cases.statistics:CategoryRow", {}),
    ("api.routes.statistics:AnnualPublic", "cases.statistics:AnnualStatistics", {
        "+period_from": "the period's first day", "+period_to": "its last day", "-period": "as period_from/_to"}),
    ("api.routes.statistics:SectionPublic", "cases.quarterly:Section", {"~rows": "cells as text or numbers"}),
    ("api.routes.statistics:QuarterlyPublic", "cases.quarterly:QuarterlyReport", {
        "+period_from": "the period's first day", "+period_to": "its last day", "-period": "as period_from/_to"}),
    ("api.routes.statistics:DisciplineRowPublic", "cases.discipline:DisciplineRow", {}),
    ("api.routes.statistics:DisciplinePublic", "cases.discipline:DisciplineReport", {
        "+period_from": "the period's first day", "+period_to": "its last day", "-period": "as period_from/_to"}),
    ("api.routes.notifications:NotificationPublic", "notifications.inbox:Message", {
        "+kind_title": "the kind's Russian title", "+link": "the page it concerns"}),
    ("api.routes.notifications:NotificationPage", "notifications.views:InboxPage", {}),
    ("api.routes.notifications:PreferencesPublic", "notifications.views:PreferencesView", {}),
    ("api.routes.notifications:KindPreferencePublic", "notifications.preferences:KindChoice", {}),
]
#: an API model whose row is nested: its fields join the row's (the case page's header)
FLATTENED = {"api.schemas.cases:CasePublic": ("case", "cases.views:CaseRow")}


def _load(name: str) -> Any:
    module, attr = name.split(":")
    return getattr(importlib.import_module(module), attr)


ROW_OF: dict[type, type] = {_load(model): _load(row) for model, row, _ in PAIRS}
_SEQUENCES = (list, tuple, set, frozenset, collections.abc.Sequence, collections.abc.Iterable)


def shape(t: Any) -> str:
    """A type as both sides can be compared: sequences alike, API models as their rows, enums of text as text."""
    origin, args = typing.get_origin(t), typing.get_args(t)
    if origin is typing.Annotated:
        return shape(args[0])
    if origin is typing.Literal:
        return type(args[0]).__name__
    if origin in (typing.Union, types.UnionType):
        return "|".join(sorted({shape(a) for a in args}))
    if origin in _SEQUENCES or t in _SEQUENCES:
        inner = [a for a in args if a is not Ellipsis]
        return f"seq[{shape(inner[0]) if inner else 'Any'}]"
    if origin in (dict, collections.abc.Mapping):
        return f"map[{shape(args[0])},{shape(args[1])}]" if args else "map"
    if isinstance(t, type) and issubclass(t, BaseModel):
        return ROW_OF[t].__name__ if t in ROW_OF else t.__name__
    if isinstance(t, type) and issubclass(t, enum.Enum) and issubclass(t, str):
        return "str"
    return "None" if t is type(None) else getattr(t, "__name__", str(t))


def row_fields(row: type, model: str = "") -> dict[str, Any]:
    hints = typing.get_type_hints(row)
    fields = {f.name: hints[f.name] for f in dataclasses.fields(row)}
    if model in FLATTENED:
        nested, nested_row = FLATTENED[model]
        del fields[nested]
        fields |= row_fields(_load(nested_row))
    return fields


def differences(model: str | type[BaseModel], row: str | type) -> set[str]:
    model_class = _load(model) if isinstance(model, str) else model
    public = {name: info.annotation for name, info in model_class.model_fields.items()}
    domain = row_fields(_load(row) if isinstance(row, str) else row, model if isinstance(model, str) else "")
    found = {f"+{n}" for n in public.keys() - domain.keys()} | {f"-{n}" for n in domain.keys() - public.keys()}
    found |= {f"~{n}" for n in public.keys() & domain.keys() if shape(public[n]) != shape(domain[n])}
    return found


@pytest.mark.parametrize(("model", "row", "declared"), PAIRS, ids=[m.split(":")[1] for m, _, _ in PAIRS])
def test_the_api_model_and_its_row_differ_only_as_declared(model: str, row: str, declared: Differences) -> None:
    assert differences(model, row) == set(declared)


def test_every_row_like_api_model_has_its_pair() -> None:
    """About forty models repeat a row; a new ``…Public`` model built from a row joins the table above."""
    assert len(PAIRS) >= 40
    assert len({model for model, _, _ in PAIRS}) == len(PAIRS)


def test_a_change_on_one_side_is_caught() -> None:
    @dataclasses.dataclass
    class Row:
        id: int
        name: str

    class Model(BaseModel):
        id: str
        name: str
        extra: int

    assert differences(Model, Row) == {"~id", "+extra"}
