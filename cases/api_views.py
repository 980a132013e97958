"""Read helpers the REST API needs besides the UI's views: a case's history and documents, what a
registered report produced, previews of child matches, workflow descriptions and diagrams, exports.

Like :mod:`cases.views`, everything goes through :mod:`cases.access` and reads of a case are written
to the access log (so the units of work calling these must commit).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases import access, handlers
from cases import as_of as as_of_view
from cases.commands import ChildInput, FireEvent, ReissueDocument
from cases.errors import Forbidden, InputInvalid
from cases.handlers import ReportRegistered, log_access, match_children, view_case, visible_case
from cases.history import HistoryEntry, history
from cases.matching import Candidate
from cases.principal import Principal
from cases.services import Services
from cases.tables import Document, Organisation, Report, ReportChild, names_by_id
from engine.commands import TransitionResult
from engine.context import CaseView
from engine.database import UnitOfWork
from engine.definition import Workflow
from engine.tables import CaseInstance, table_of

CI, DOC, REP, RCH = (table_of(t) for t in (CaseInstance, Document, Report, ReportChild))
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv; charset=utf-8"


# -- a case --------------------------------------------------------------------------------------

def case_history(tx: UnitOfWork, svc: Services, p: Principal, case_id: int, as_of: date | None = None
                 ) -> list[HistoryEntry]:
    """The case's timeline, newest first, up to the end of ``as_of`` if given (a view of the case, logged)."""
    case = view_case(tx, svc, p, case_id, "просмотр истории дела")
    if as_of is None:
        return history(tx, svc, case)
    row = tx.connection.execute(sa.select(CI.c.created_at).where(CI.c.id == case_id)).one()
    as_of_view.check_day(svc, row.created_at, as_of)
    return history(tx, svc, case, as_of_view.end_of_day(svc, as_of))


@dataclass(frozen=True)
class DocumentRow:
    id: int
    case_id: int
    template: str
    title: str
    label: str
    revision: int
    issued_at: datetime
    org_id: int
    supersedes_id: int | None
    rendered: bool
    #: the issuing organisation (numbers are per organisation and year)
    org_name: str = ""


def document_row(d: Any, org_name: str = "") -> DocumentRow:
    return DocumentRow(d.id, d.case_id, d.template, d.title, d.label, d.revision, d.issued_at, d.org_id,
                       d.supersedes_id, d.rendered_at is not None, org_name)


def case_documents(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> list[DocumentRow]:
    """The acts issued on the case (every revision), newest first."""
    view_case(tx, svc, p, case_id, "просмотр документов дела")
    rows = tx.connection.execute(
        sa.select(DOC.c.id, DOC.c.case_id, DOC.c.template, DOC.c.title, DOC.c.label, DOC.c.revision,
                  DOC.c.issued_at, DOC.c.org_id, DOC.c.supersedes_id, DOC.c.rendered_at)
        .where(DOC.c.case_id == case_id).order_by(DOC.c.id.desc())).all()
    issuers = names_by_id(tx.connection, table_of(Organisation), "short_name", (r.org_id for r in rows))
    return [document_row(r, issuers.get(r.org_id, "")) for r in rows]


def reissue_document(tx: UnitOfWork, svc: Services, p: Principal, cmd: ReissueDocument) -> DocumentRow:
    """:func:`cases.handlers.reissue_document`, answered as a row of the case's documents (with the issuer)."""
    document = handlers.reissue_document(tx, svc, p, cmd)
    issuer = names_by_id(tx.connection, table_of(Organisation), "short_name", [document.org_id])
    return document_row(document, issuer.get(document.org_id, ""))


def fire_event_titled(tx: UnitOfWork, svc: Services, p: Principal, cmd: FireEvent) -> tuple[TransitionResult, str]:
    """:func:`cases.handlers.fire_event` (which replays a retried key), and the title of the resulting state."""
    result = handlers.fire_event(tx, svc, p, cmd)
    return result, _state_title(svc, svc.runtime.load(tx, cmd.case_id), result.to_state)


def _state_title(svc: Services, case: CaseView, state: str) -> str:
    states = svc.runtime.workflow_of(case).states
    return states[state].title if state in states else state


# -- reports -------------------------------------------------------------------------------------

def report_outcome(tx: UnitOfWork, svc: Services, p: Principal, case_id: int) -> ReportRegistered:
    """What registering the report that opened ``case_id`` produced (the answer to a replayed request)."""
    visible_case(tx, svc, p, case_id)
    report = tx.connection.execute(sa.select(REP.c.id, REP.c.family_id, REP.c.kdn_case_id)
                                   .where(REP.c.case_id == case_id)).one()
    children = [(r.person_id, r.match) for r in tx.connection.execute(
        sa.select(RCH.c.person_id, RCH.c.match).where(RCH.c.report_id == report.id).order_by(RCH.c.person_id))]
    forward = tx.connection.execute(sa.select(CI.c.id).where(CI.c.parent_id == case_id,
                                                             CI.c.workflow == "kdn_forward")).scalar()
    card = tx.connection.execute(sa.select(sa.func.min(DOC.c.id)).where(
        DOC.c.case_id == case_id, DOC.c.template == "registration_card")).scalar()
    return ReportRegistered(report.id, case_id, report.family_id, children, report.kdn_case_id, forward, card,
                            replayed=True)


def preview_matches(tx: UnitOfWork, svc: Services, p: Principal,
                    children: Sequence[ChildInput]) -> list[list[Candidate]]:
    """Known children matching each child of a report being written (only for those who register reports)."""
    if not access.can_register_reports(p):
        raise Forbidden("Проверять совпадения детей могут орган опеки и Агентство")
    found = match_children(tx, p, children)
    log_access(tx, p, None, "search", "проверка совпадений детей сообщения", svc)
    return found


# -- workflows -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class ParameterView:
    name: str
    title: str
    default: Any
    unit: str | None
    basis: str
    value: Any
    overridden: bool


@dataclass(frozen=True)
class WorkflowView:
    definition: Workflow
    versions: list[int]
    parameters: list[ParameterView]


def workflow_view(tx: UnitOfWork, svc: Services, p: Principal, name: str, version: int | None = None
                  ) -> WorkflowView:
    """A published workflow with its regional settings as they apply in ``p``'s territory.

    Raises ``UnknownWorkflow`` for a name or version that is not published.
    """
    catalog = svc.runtime.catalog
    wf = (catalog.compiled(name, version) if version else catalog.latest(name)).definition
    overrides = svc.runtime.overrides(tx, wf.name, p.territory)
    parameters = [ParameterView(x.name, x.title, x.value, x.unit.value if x.unit else None, x.basis,
                                overrides.get(x.name, x.value), x.name in overrides)
                  for x in wf.parameters.values()]
    return WorkflowView(wf, catalog.versions(wf.name), parameters)


def diagram_source(tx: UnitOfWork, svc: Services, p: Principal, name: str, case_id: int | None = None,
                   version: int | None = None) -> tuple[Workflow, str | None]:
    """The workflow to draw and the state to highlight: the case's, only when ``p`` may see the case."""
    if case_id is None:
        catalog = svc.runtime.catalog
        return (catalog.compiled(name, version) if version else catalog.latest(name)).definition, None
    case = view_case(tx, svc, p, case_id, "просмотр схемы процесса дела")
    if case.workflow != name:
        raise InputInvalid({"case_id": f"дело № {case_id} ведётся по другому процессу"})
    return svc.runtime.workflow_of(case), case.state


