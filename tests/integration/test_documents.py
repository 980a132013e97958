"""Issued acts: numbering without gaps or duplicates (also under concurrent issuing), freezing, revisions,
and the files rendered from what a real scenario issued."""

from __future__ import annotations

import io
import re
import threading

import docx
import pypdf
import pytest

from cases import documents, handlers
from cases.commands import ReissueDocument
from cases.errors import Forbidden
from cases.tables import Document
from tests.process_steps import Process


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return " ".join(" ".join(parts).split())


def pdf_text(data: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages).split())


def test_numbers_run_per_organisation_and_year(process: Process) -> None:
    process.to_safety_control()
    rows = process.rows("select org_id, year, number, label, template from document order by id")
    by_org: dict[int, list[int]] = {}
    for row in rows:
        by_org.setdefault(row.org_id, []).append(row.number)
        assert row.label == f"{row.number}/{row.year}"
    assert all(numbers == list(range(1, len(numbers) + 1)) for numbers in by_org.values())
    assert by_org[process.world.orgs["opeka"]] == [1, 2]  # registration card, inspection order
    assert by_org[process.world.orgs["agency"]] == [1, 2]  # inspection act, safety plan


def test_concurrent_issuing_has_no_gaps_or_duplicates(process: Process) -> None:
    case_id = process.register().case_id
    errors: list[BaseException] = []

    def issue_many() -> None:
        try:
            for _ in range(15):
                with process.svc.db.unit_of_work() as tx:
                    case = process.svc.runtime.load(tx, case_id)
                    documents.issue(tx, process.svc.runtime, case, "inspection_order",
                                    actor_id=process.world.users["opeka"], actor_role="guardianship",
                                    org_id=process.world.orgs["opeka"])
                    tx.commit()
        except BaseException as exc:  # pragma: no cover - reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=issue_many) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    numbers = [r.number for r in process.rows("select number from document where org_id = :o order by number",
                                              o=process.world.orgs["opeka"])]
    assert numbers == list(range(1, 62))  # the registration card and 60 orders, 1..61 with no gap or repeat


def test_a_number_taken_in_a_rolled_back_action_is_given_again(process: Process) -> None:
    case_id = process.register().case_id
    with process.svc.db.unit_of_work() as tx:
        case = process.svc.runtime.load(tx, case_id)
        documents.issue(tx, process.svc.runtime, case, "inspection_order", actor_id=None, actor_role="guardianship",
                        org_id=process.world.orgs["opeka"])
        # no commit: the action failed after issuing
    process.fire("opeka", case_id, "order_inspection", {"agency_unit": process.world.orgs["agency"]})
    assert [r.number for r in process.rows("select number from document order by id")] == [1, 2]


def test_every_issued_act_renders_with_the_cases_facts(process: Process) -> None:
    process.to_resolution()
    issued = documents.render_pending(process.svc.db, process.svc.runtime, limit=100)
    assert issued == 7
    assert documents.render_pending(process.svc.db, process.svc.runtime) == 0  # each act is rendered once
    with process.svc.db.read() as tx:
        docs = list(tx.session.exec(Document.__table__.select()).all())  # type: ignore[attr-defined]
    templates = {d.template for d in docs}
    assert {"registration_card", "inspection_order", "inspection_act", "safety_plan", "draft_conclusion",
            "approved_conclusion", "kdn_resolution"} <= templates
    for d in docs:
        assert d.docx and d.pdf and d.rendered_at is not None
        text_docx, text_pdf = docx_text(d.docx), pdf_text(d.pdf)
        for text in (text_docx, text_pdf):
            assert d.label in text, d.template
            assert "Иванов Пётр Сергеевич" in text, d.template
            assert "01.04.2015" in text, d.template
        if d.template == "kdn_resolution":
            assert "12/3" in text_pdf and "ПОСТАНОВЛЕНИЕ" in text_pdf.upper()
        if d.template == "inspection_act":
            assert "Недостаточное питание" in text_docx
    assert re.search(r"Ребёнок приходит в школу голодным", pdf_text(docs[0].pdf))


def test_reissue_makes_a_new_revision_and_keeps_the_old(process: Process) -> None:
    process.register()
    old_id = process.rows("select id from document")[0].id
    with pytest.raises(Forbidden):
        process.svc.execute(handlers.reissue_document, process.world["agent"], ReissueDocument(old_id, "опечатка"))
    new = process.svc.execute(handlers.reissue_document, process.world["opeka"],
                              ReissueDocument(old_id, "исправлена опечатка в адресе"))
    rows = process.rows("select id, number, revision, label, supersedes_id, content_hash from document order by id")
    assert [(r.number, r.revision, r.label) for r in rows] == [(1, 1, "1/2025"), (1, 2, "1/2025, ред. 2")]
    assert rows[1].supersedes_id == old_id and rows[1].id == new.id
    assert rows[0].content_hash != rows[1].content_hash
    _, old_pdf = handlers.download(process.svc, process.world["opeka"], old_id, "pdf")
    _, new_pdf = handlers.download(process.svc, process.world["opeka"], new.id, "pdf")
    assert "ред. 2" not in pdf_text(old_pdf) and "исправлена опечатка в адресе" in pdf_text(new_pdf)
    # a rendered act never changes: downloading again gives the same bytes
    _, again = handlers.download(process.svc, process.world["opeka"], old_id, "pdf")
    assert again == old_pdf
