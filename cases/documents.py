"""Issuing acts: numbering per organisation and year, freezing, revisions, rendering.

An act is *issued* inside the transaction of the action that produces it: it takes the
organisation's next number for the year (one counter row, incremented with
``INSERT … ON CONFLICT DO UPDATE … RETURNING``, so concurrent issuers queue on the row and
numbers have neither gaps nor duplicates), and its context — everything it shows — is
frozen in the row with a content hash. The DOCX and PDF files are rendered from that
frozen context by a background job (or on the first download), once, and stored; a
rendered act never changes. Re-issuing an act makes a new revision under the same
number; the old one stays readable.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import col, select

from cases import render
from cases.acts import TITLES, build_context
from cases.tables import Document, DocumentCounter
from engine.audit import canonical
from engine.context import CaseView
from engine.database import Database, UnitOfWork
from engine.definition import Transition
from engine.runtime import Runtime
from engine.sql import Prepared

DC = DocumentCounter.__table__  # type: ignore[attr-defined]
DOC = Document.__table__  # type: ignore[attr-defined]


def _next_number_statement(insert: Any) -> Prepared:
    statement = insert(DC).values(org_id=sa.bindparam("org_id"), year=sa.bindparam("year"), last_number=1)
    return Prepared(statement.on_conflict_do_update(index_elements=[DC.c.org_id, DC.c.year],
                                                    set_={"last_number": DC.c.last_number + 1})
                    .returning(DC.c.last_number))


_NEXT_NUMBER = {"postgresql": _next_number_statement(postgresql.insert),
                "sqlite": _next_number_statement(sqlite.insert)}


def next_number(tx: UnitOfWork, org_id: int, year: int) -> int:
    """The organisation's next act number for ``year`` (1, 2, 3, … without gaps)."""
    cursor = _NEXT_NUMBER[tx.connection.dialect.name].execute(tx.connection, {"org_id": org_id, "year": year})
    number = int(cursor.fetchone()[0])
    cursor.close()
    return number


def label_of(number: int, year: int, revision: int) -> str:
    return f"{number}/{year}" + (f", ред. {revision}" if revision > 1 else "")


def content_hash(template: str, context: Mapping[str, Any]) -> str:
    body = canonical({"template": template, "template_hash": render.template_hash(template), "context": context})
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Issued:
    id: int
    label: str


_INSERT = Prepared(sa.insert(DOC).returning(DOC.c.id), [
    "case_id", "template", "title", "org_id", "year", "number", "revision", "label", "content_hash", "context",
    "issued_at", "issued_by"])


def issue(tx: UnitOfWork, runtime: Runtime, case: CaseView, template: str, *, actor_id: int | None,
          actor_role: str, org_id: int | None, transition: Transition | None = None,
          payload: Mapping[str, Any] | None = None, now: datetime | None = None,
          state: str | None = None) -> Issued:
    """Number, freeze and store an act of ``case`` (rendering happens later, see :func:`render_document`).

    ``state`` is the state the issuing action leads to (default: the case's current state).
    """
    now = now or runtime.clock.now()
    issued_on = runtime.calendar.local_date(now)
    issuer = org_id or case.org_id
    if issuer is None:
        raise ValueError("an act needs an issuing organisation")
    number = next_number(tx, issuer, issued_on.year)
    label = label_of(number, issued_on.year, 1)
    wf = runtime.workflow_of(case)
    context = build_context(tx, template, case, workflow_title=wf.title,
                            state_title=wf.states[state or case.state].title, transition=transition,
                            payload=payload or {}, signer_id=actor_id, signer_role=actor_role, org_id=issuer,
                            label=label, issued_on=issued_on, zone=runtime.calendar.zone)
    cursor = _INSERT.execute(tx.connection, {
        "case_id": case.id, "template": template, "title": TITLES[template], "org_id": issuer,
        "year": issued_on.year, "number": number, "revision": 1, "label": label,
        "content_hash": content_hash(template, context), "context": context, "issued_at": now,
        "issued_by": actor_id})
    document_id = int(cursor.fetchone()[0])
    cursor.close()
    return Issued(document_id, label)


def reissue(tx: UnitOfWork, runtime: Runtime, old: Document, *, actor_id: int, actor_role: str,
            reason: str) -> Document:
    """A new revision of ``old`` under the same number, with the case's current data."""
    case = runtime.load(tx, old.case_id)
    wf = runtime.workflow_of(case)
    now = runtime.clock.now()
    latest = tx.session.exec(select(Document).where(Document.org_id == old.org_id, Document.year == old.year,
                                                    Document.number == old.number)
                             .order_by(col(Document.revision).desc())).first()
    revision = (latest.revision if latest else old.revision) + 1
    label = label_of(old.number, old.year, revision)
    context = build_context(tx, old.template, case, workflow_title=wf.title,
                            state_title=wf.states[case.state].title, transition=None, payload={},
                            signer_id=actor_id, signer_role=actor_role, org_id=old.org_id, label=label,
                            issued_on=runtime.calendar.local_date(now), zone=runtime.calendar.zone)
    context["reissue_reason"] = reason
    context["fields"] = old.context.get("fields", [])
    document = Document(case_id=old.case_id, template=old.template, title=old.title, org_id=old.org_id,
                        year=old.year, number=old.number, revision=revision, label=label,
                        content_hash=content_hash(old.template, context), context=context, issued_at=now,
                        issued_by=actor_id, supersedes_id=old.id)
    tx.session.add(document)
    tx.session.flush()
    return document


def render_document(tx: UnitOfWork, document: Document, now: datetime) -> Document:
    """Render and store the DOCX and PDF of a frozen act, once."""
    if document.docx is None or document.pdf is None:
        document.docx = render.render_docx(document.template, document.context)
        document.pdf = render.render_pdf(document.template, document.context)
        document.rendered_at = now
        tx.session.add(document)
        tx.session.flush()
    return document


def render_pending(db: Database, runtime: Runtime, limit: int = 20) -> int:
    """The background job: render acts issued but not yet rendered; return how many."""
    with db.unit_of_work() as tx:
        pending = tx.session.exec(select(Document).where(col(Document.pdf).is_(None))
                                  .order_by(col(Document.id)).limit(limit)).all()
        for document in pending:
            render_document(tx, document, runtime.clock.now())
        tx.commit()
        return len(pending)


def file_hash(document: Document) -> str:
    return hashlib.sha256((document.docx or b"") + (document.pdf or b"")).hexdigest()

