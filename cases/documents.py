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
from collections.abc import Callable, Mapping
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


@dataclass(frozen=True)
class Unrendered:
    """What rendering an act needs: its frozen template name and context (no database)."""

    id: int
    template: str
    context: dict[str, Any]


_UNRENDERED = sa.select(DOC.c.id, DOC.c.template, DOC.c.context).where(DOC.c.pdf.is_(None)).order_by(DOC.c.id)
_STORE = Prepared(sa.update(DOC).where(DOC.c.id == sa.bindparam("doc_id"), DOC.c.pdf.is_(None))
                  .values(docx=sa.bindparam("docx"), pdf=sa.bindparam("pdf"),
                          rendered_at=sa.bindparam("rendered_at")))


def render_files(act: Unrendered) -> tuple[bytes, bytes]:
    """The DOCX and PDF of a frozen act. Slow (a PDF takes a few hundred ms) and touches no database."""
    return render.render_docx(act.template, act.context), render.render_pdf(act.template, act.context)


def store_rendered(tx: UnitOfWork, act: Unrendered, files: tuple[bytes, bytes], now: datetime) -> bool:
    """Store the files of an act unless someone stored them first (a rendered act never changes)."""
    docx, pdf = files
    cursor = _STORE.execute(tx.connection, {"doc_id": act.id, "docx": docx, "pdf": pdf, "rendered_at": now})
    stored = cursor.rowcount == 1
    cursor.close()
    return stored


Renderer = Callable[[Unrendered], tuple[bytes, bytes]]


def ensure_rendered(db: Database, document_id: int, now: datetime, renderer: Renderer | None = None) -> None:
    """Render the act now if the background job has not got to it yet (with ``renderer``, default here).

    Rendering happens outside any transaction; only storing the files is a (short) write, so
    a download never holds SQLite's write lock while WeasyPrint works.
    """
    with db.read() as tx:
        row = tx.connection.execute(_UNRENDERED.where(DOC.c.id == document_id)).first()
    if row is not None:
        act = Unrendered(row.id, row.template, row.context)
        ensure_stored(db, act, (renderer or render_files)(act), now)


def render_pending(db: Database, runtime: Runtime, limit: int = 20, renderer: Renderer = render_files) -> int:
    """The background job: render acts issued but not yet rendered, oldest first; return how many.

    ``renderer`` turns a frozen act into its files; the server passes one that works in a
    separate process (see ``api.jobs``), so that WeasyPrint does not compete with requests.

    On SQLite the acts are read, rendered outside any transaction, and each stored in a short
    write of its own. On PostgreSQL, where several processes may run this job, each act is
    claimed with ``FOR UPDATE SKIP LOCKED`` in a transaction of its own: two workers never
    render the same act, and an act whose worker dies mid-render is freed by the rollback.
    """
    if not db.is_sqlite:
        return _render_claimed(db, runtime, limit, renderer)
    with db.read() as tx:
        acts = [Unrendered(r.id, r.template, r.context)
                for r in tx.connection.execute(_UNRENDERED.limit(limit)).all()]
    for act in acts:
        ensure_stored(db, act, renderer(act), runtime.clock.now())
    return len(acts)


def ensure_stored(db: Database, act: Unrendered, files: tuple[bytes, bytes], now: datetime) -> None:
    """Store rendered files in a short write transaction of their own."""
    with db.unit_of_work() as tx:
        store_rendered(tx, act, files, now)
        tx.commit()


def _render_claimed(db: Database, runtime: Runtime, limit: int, renderer: Renderer) -> int:
    done = 0
    for _ in range(limit):
        with db.unit_of_work() as tx:
            row = tx.connection.execute(_UNRENDERED.limit(1).with_for_update(skip_locked=True)).first()
            if row is None:
                break
            act = Unrendered(row.id, row.template, row.context)
            store_rendered(tx, act, renderer(act), runtime.clock.now())
            tx.commit()
        done += 1
    return done


def file_hash(document: Document) -> str:
    return hashlib.sha256((document.docx or b"") + (document.pdf or b"")).hexdigest()

