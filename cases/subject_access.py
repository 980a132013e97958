"""The subject-access export (152-FZ ст. 14): everything Opora holds about one person, as a ZIP of JSON and PDF.

Who may ask: a supervisor (руководитель) of the person's territory — the official who answers a
citizen's request on behalf of the operator; not the curator or the officer working the case, and never
another territory. The export holds the person's record, their family and its members, the reports
naming the family (with their texts), every case of the family with its deadlines, plans, visits,
resolutions, issued acts (their PDFs when rendered) and attached files (photos, scans, letters), and who
had access to those cases (the access log: 152-FZ ст. 14 ч. 7 п. 5, persons with access). Every export is
written to the access log, once per case and once for the request itself.

The data is read in one read-only transaction, the PDF rendered with no transaction open, and the
access log written last: a failed write returns no file.
"""

from __future__ import annotations

import io
import json
import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa

from cases import access, attachments, render
from cases.acts import CATEGORY_TITLES
from cases.commands import RELATIONS
from cases.errors import Forbidden, NotFound
from cases.handlers import log_access
from cases.names import full_name
from cases.principal import Principal
from cases.services import Services
from cases.tables import (
    AccessLog,
    Document,
    Family,
    KdnResolution,
    Organisation,
    Person,
    Plan,
    PlanItem,
    Report,
    ReportChild,
    User,
    Visit,
)
from engine.database import UnitOfWork
from engine.tables import CaseInstance, Deadline, table_of

CI, FA, PE, RE, RC = (table_of(t) for t in (CaseInstance, Family, Person, Report, ReportChild))
DOC, VI, PL, PI, KR = (table_of(t) for t in (Document, Visit, Plan, PlanItem, KdnResolution))
AL, US, ORG, DL = (table_of(t) for t in (AccessLog, User, Organisation, Deadline))


@dataclass(frozen=True)
class SubjectExport:
    filename: str
    data: bytes
    case_ids: list[int]


def _rows(tx: UnitOfWork, query: Any) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in tx.connection.execute(query)]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return None
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def collect(tx: UnitOfWork, svc: Services, p: Principal, person_id: int) -> tuple[dict[str, Any], dict[str, bytes]]:
    """Everything held about the person (as JSON-ready data) and the files of their cases: the rendered PDFs of
    the acts (``acts/…``) and the attached files (``attachments/…``).

    Raises Forbidden (not a supervisor) or NotFound (no such person in the supervisor's territory).
    """
    if not access.can_export_subject(p):
        raise Forbidden("Выгрузку сведений о человеке (152-ФЗ ст. 14) готовит руководитель")
    person = tx.connection.execute(sa.select(PE).where(PE.c.id == person_id)).first()
    family = tx.connection.execute(sa.select(FA).where(FA.c.id == person.family_id)).first() if person else None
    if person is None or family is None or family.territory != p.territory:
        raise NotFound("Человек")
    members = _rows(tx, sa.select(PE).where(PE.c.family_id == family.id).order_by(PE.c.id))
    cases = _rows(tx, sa.select(CI.c.id, CI.c.workflow, CI.c.state, CI.c.created_at, CI.c.closed_at, CI.c.org_id,
                                CI.c.assignee_id).where(CI.c.subject_kind == "family", CI.c.subject_id == family.id)
                  .order_by(CI.c.id))
    case_ids = [c["id"] for c in cases]
    by_case: dict[int, dict[str, Any]] = {c["id"]: {**c, "deadlines": [], "plans": [], "visits": [], "documents": [],
                                                     "resolutions": [], "attachments": []} for c in cases}
    for name, query in (
            ("deadlines", sa.select(DL.c.instance_id.label("case_id"), DL.c.title, DL.c.basis, DL.c.due_at,
                                    DL.c.status, DL.c.closed_at).where(DL.c.instance_id.in_(case_ids))),
            ("visits", sa.select(VI).where(VI.c.case_id.in_(case_ids))),
            ("documents", sa.select(DOC.c.id, DOC.c.case_id, DOC.c.title, DOC.c.label, DOC.c.issued_at,
                                    DOC.c.context).where(DOC.c.case_id.in_(case_ids))),
            ("resolutions", sa.select(KR).where(KR.c.case_id.in_(case_ids)))):
        for row in _rows(tx, query.order_by(sa.text("1"))):
            by_case[row["case_id"]][name].append(row)
    for row in attachments.rows_of(tx, case_ids):
        by_case[row["case_id"]]["attachments"].append(row)
    for plan in _rows(tx, sa.select(PL).where(PL.c.case_id.in_(case_ids)).order_by(PL.c.id)):
        plan["items"] = _rows(tx, sa.select(PI).where(PI.c.plan_id == plan["id"]).order_by(PI.c.id))
        by_case[plan["case_id"]]["plans"].append(plan)
    reports = _rows(tx, sa.select(RE.c.id, RE.c.received_at, RE.c.source_type, RE.c.source_name, RE.c.channel,
                                  RE.c.text, RE.c.case_id).where(RE.c.family_id == family.id).order_by(RE.c.id))
    named = set(tx.connection.execute(sa.select(RC.c.report_id).where(RC.c.person_id == person_id)).scalars())
    for report in reports:
        report["names_this_person"] = report["id"] in named
    log = _rows(tx, sa.select(AL.c.case_id, AL.c.action, AL.c.what, AL.c.at, US.c.full_name.label("user"),
                              ORG.c.short_name.label("organisation"))
                .join(US, US.c.id == AL.c.user_id).join(ORG, ORG.c.id == US.c.org_id)
                .where(AL.c.case_id.in_(case_ids)).order_by(AL.c.at))
    rendered = tx.connection.execute(sa.select(DOC.c.id, DOC.c.label, DOC.c.pdf).where(
        DOC.c.case_id.in_(case_ids), DOC.c.pdf.is_not(None)))
    pdfs = {f"acts/{r.label.replace('/', '-').replace(' ', '').replace(',', '_')}_{r.id}.pdf": r.pdf for r in rendered}
    pdfs.update(attachments.files_of(tx, svc.attachments, case_ids))
    data = {
        "request": {"basis": "Федеральный закон № 152-ФЗ «О персональных данных», ст. 14",
                    "prepared_at": svc.runtime.clock.now(), "prepared_by": p.full_name},
        "person": {**dict(person._mapping), "full_name": full_name(person.last_name, person.first_name,
                                                                    person.middle_name),
                   "relation_title": RELATIONS.get(person.relation, person.relation)},
        "family": {**dict(family._mapping), "category_title": CATEGORY_TITLES.get(family.category, family.category),
                   "members": members},
        "reports": reports, "cases": list(by_case.values()), "access_log": log,
    }
    return _plain(data), pdfs


def export_person(svc: Services, p: Principal, person_id: int) -> SubjectExport:
    """The ZIP (``subject.json``, ``summary.pdf``, ``acts/*.pdf``, ``attachments/*``) — read, rendered, logged."""
    data, pdfs = svc.read(collect, p, person_id)
    summary = render.render_page_pdf("_subject_access.html", data)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("subject.json", json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True))
        archive.writestr("summary.pdf", summary)
        for name, pdf in sorted(pdfs.items()):
            archive.writestr(name, pdf)
    case_ids = [c["id"] for c in data["cases"]]

    def record(tx: UnitOfWork, svc: Services) -> None:
        what = f"выгрузка сведений о человеке № {person_id} (152-ФЗ ст. 14)"
        log_access(tx, p, None, "subject_export", what, svc)
        for case_id in case_ids:
            log_access(tx, p, case_id, "subject_export", what, svc)

    svc.execute(record)
    return SubjectExport(f"subject_{person_id}.zip", buffer.getvalue(), case_ids)
