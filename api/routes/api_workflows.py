"""REST: the published workflows — states with their deadlines and legal basis, actions, roles, diagrams."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response

from api.routes.api_common import Caller, errors, file_content
from api.schemas import MAX_ID, WorkflowPublic, WorkflowSummary
from api.web import services
from cases import api_views, profile_commands
from engine import diagram
from engine.definition import DeadlineSpec, Transition, Workflow

router = APIRouter(tags=["workflows"])
WorkflowName = Annotated[str, Path(max_length=64, pattern=r"^[a-z][a-z0-9_]*$", description="процесс",
                                   examples=["child_report"])]
Version = Annotated[int | None, Query(ge=1, le=10_000, description="версия (по умолчанию — последняя)")]
OVERRIDES_NOTE = ("Параметры — региональные настройки: значение по умолчанию задано в описании процесса, "
                  "для территории его можно переопределить (таблица wf_parameter) без изменения файла; "
                  "поле value показывает значение для территории вызывающего.")


@router.get("/workflows", response_model=list[WorkflowSummary], responses=errors())
def list_workflows(request: Request, p: Caller) -> list[WorkflowSummary]:
    """Процессы, по которым работает территория вызывающего (их выбирает профиль территории), — последние
    версии и все их версии."""
    svc = services(request)
    catalog = svc.runtime.catalog
    found = []
    for name in svc.read(profile_commands.workflow_names, p):
        wf = catalog.latest(name).definition
        found.append(WorkflowSummary(name=name, title=wf.title, version=wf.version, versions=catalog.versions(name),
                                     description=wf.description))
    return found


@router.get("/workflows/{name}", response_model=WorkflowPublic, responses=errors(404))
def get_workflow(request: Request, name: WorkflowName, p: Caller, version: Version = None) -> WorkflowPublic:
    """Процесс: состояния со сроками (длительность, основание, напоминания, эскалации), действия с ролями
    и полями, параметры с основанием и значением для территории вызывающего."""
    found = services(request).read(api_views.workflow_view, p, name, version)
    wf = found.definition
    return WorkflowPublic.model_validate({
        "name": wf.name, "title": wf.title, "version": wf.version, "versions": found.versions,
        "description": wf.description, "parameters": found.parameters, "overrides_note": OVERRIDES_NOTE,
        "states": [{"name": s.name, "title": s.title, "initial": s.initial, "final": s.final,
                    "deadlines": [_deadline(d) for d in s.deadlines]} for s in wf.states.values()],
        "transitions": [_transition(t) for t in wf.transitions]}, from_attributes=True)


def _deadline(d: DeadlineSpec) -> dict[str, object]:
    return {"id": d.id, "title": d.title, "basis": d.basis, "manual": d.manual,
            "due": d.due.describe() if d.due else "срок задаётся для каждого мероприятия",
            "remind": [r.describe() for r in d.remind],
            "escalate": [{"level": e.level, "after": e.after.describe(), "to": e.to} for e in d.escalate],
            "timeout_event": d.timeout.event if d.timeout else None}


def _transition(t: Transition) -> dict[str, object]:
    return {"event": t.event, "title": t.title, "from_states": list(t.sources), "to_state": t.dest,
            "roles": sorted(t.roles), "fields": [{**f.__dict__, "choices": list(f.choices)} for f in t.fields],
            "guards": [g.name for g in t.guards], "effects": [e.name for e in t.effects], "confirm": t.confirm}


@router.get("/workflows/{name}/diagram", response_class=Response,
            responses={**errors(404), 200: {"description": "схема", **file_content("image/svg+xml", "text/plain")}})
def workflow_diagram(request: Request, name: WorkflowName, p: Caller,
                     format: Annotated[Literal["svg", "mermaid"], Query(description="svg или mermaid")] = "svg",
                     case_id: Annotated[int | None, Query(ge=1, le=MAX_ID,
                                                          description="выделить текущее состояние дела")] = None,
                     version: Version = None) -> Response:
    """Схема процесса (SVG или текст Mermaid); с `case_id` — текущее состояние дела выделено
    (только если вызывающий видит это дело, иначе 404)."""
    svc = services(request)
    wf, current = (svc.execute if case_id else svc.read)(api_views.diagram_source, p, name, case_id, version)
    return _diagram(wf, current, format)


def _diagram(wf: Workflow, current: str | None, fmt: str) -> Response:
    if fmt == "svg":
        return Response(diagram.svg(wf, current), media_type="image/svg+xml")
    return Response(diagram.mermaid(wf, current), media_type="text/plain; charset=utf-8")
