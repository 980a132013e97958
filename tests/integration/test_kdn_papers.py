"""Paper for the commission: the case summary for a meeting and the meeting's agenda, in PDF and DOCX, read back
with pypdf and python-docx; who may print them; the downloads in the access log. SQLite and PostgreSQL."""

from __future__ import annotations

import io

import docx
import pytest
from docx.enum.section import WD_ORIENT
from pypdf import PdfReader

from cases import attachments, kdn_papers
from cases.attachments import AddAttachment
from cases.errors import Forbidden, NotFound
from tests.integration.test_attachments import minimal_pdf
from tests.process_steps import Process


def pdf_text(data: bytes) -> tuple[str, PdfReader]:
    reader = PdfReader(io.BytesIO(data))
    text = " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)
    return text.replace("\u2010 ", ""), reader  # words hyphenated at the end of a line, joined again


def docx_text(data: bytes) -> tuple[str, docx.document.Document]:
    document = docx.Document(io.BytesIO(data))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts), document


def test_the_case_summary_holds_family_decisions_plan_and_reports_in_pdf_and_docx(process: Process) -> None:
    p = process
    _, kdn = p.to_execution()
    items = p.rows("select i.id from plan_item i join plan pl on pl.id = i.plan_id where pl.case_id = :c "
                   "order by i.id", c=kdn)
    p.close_item("curator", kdn, items[0].id)
    p.report_all(kdn, positive=True)
    attachments.add_attachment(p.svc, p.world["curator"], AddAttachment(kdn, "letter", "school.pdf", minimal_pdf(),
                                                                        "Характеристика из школы"))
    pdf = kdn_papers.summary_file(p.svc, p.world["secretary"], kdn, "pdf")
    assert pdf.media_type == "application/pdf" and pdf.filename == f"spravka_kdn_delo_{kdn}.pdf"
    text, _ = pdf_text(pdf.data)
    for expected in ("Справка по случаю для заседания КДН и ЗП", "1. Семья", "Иванов Пётр Сергеевич",
                     "2. История решений", "№ 12/3", "Признать семью", "3. Исполнение плана",
                     "Ежедневный контроль посещаемости школы", "выполнено 1, выполняется 2",
                     "4. Отчёты органов системы профилактики", "Мероприятия исполнены (police)",
                     "Васильева Наталья Андреевна", "5. Приложенные файлы", "Характеристика из школы"):
        assert expected in text, expected
    word = kdn_papers.summary_file(p.svc, p.world["secretary"], kdn, "docx")
    text, document = docx_text(word.data)
    assert word.filename.endswith(".docx") and document.paragraphs[0].text == "Справка по случаю для заседания КДН и ЗП"
    for expected in ("Состав семьи", "Иванов Пётр Сергеевич", "Постановления КДН", "№ 12/3", "История решений по делу",
                     "Консультация психолога", "просрочено 0", "Мероприятия исполнены (uso)", "есть",
                     "Характеристика из школы"):
        assert expected in text, expected
    logged = p.rows("select user_id, case_id, what from access_log where action = 'download' order by id")
    assert [(r.user_id, r.case_id) for r in logged] == [(p.world.users["secretary"], kdn)] * 2
    assert logged[0].what == "справка по случаю для заседания КДН (pdf)"


def test_the_summary_is_for_those_who_see_the_case(process: Process) -> None:
    p = process
    case_id = p.to_inspection()
    with pytest.raises(NotFound):
        kdn_papers.summary_file(p.svc, p.world["other_boss"], case_id, "pdf")
    with pytest.raises(NotFound):
        kdn_papers.summary_file(p.svc, p.world["curator"], case_id, "docx")
    with pytest.raises(NotFound):
        kdn_papers.summary_file(p.svc, p.world["opeka"], case_id, "odt")
    text, _ = docx_text(kdn_papers.summary_file(p.svc, p.world["opeka"], case_id, "docx").data)
    assert "Постановлений" not in text and "Обследование поручено" in text  # no resolutions yet; the history is there


def test_the_meeting_agenda_prints_every_column_landscape(process: Process) -> None:
    p = process
    _, kdn = p.to_kdn()
    p.fire("agent", kdn, "submit_draft", {"grounds": "Систематическое пьянство родителей",
                                          "proposed_measures": "Признать семью в СОП"})
    p.fire("opeka", kdn, "approve_and_send", {"kdn": p.world.orgs["kdn"]})
    p.fire("secretary", kdn, "schedule_meeting", {"meeting_on": "2025-03-10"})
    meeting_id = p.rows("select id from meeting")[0].id
    pdf = kdn_papers.agenda_file(p.svc, p.world["secretary"], meeting_id, "pdf")
    text, reader = pdf_text(pdf.data)
    box = reader.pages[0].mediabox
    assert float(box.width) > float(box.height)  # landscape: nine columns fit
    for expected in ("Повестка заседания КДН и ЗП Сургутского района", "10.03.2025", "№", "Дело", "Семья, дети",
                     "Адрес", "Категория", "Вопрос", "Состояние", "Ответственный", "Ближайший срок",
                     "рассмотрение заключения", "ул. Мира", "Иванов"):
        assert expected in text, expected
    word = kdn_papers.agenda_file(p.svc, p.world["boss"], meeting_id, "docx")
    text, document = docx_text(word.data)
    table = document.tables[0]
    assert [c.text for c in table.rows[0].cells] == ["№", "Дело", "Семья, дети", "Адрес", "Категория", "Вопрос",
                                                     "Состояние", "Ответственный", "Ближайший срок"]
    assert len(table.rows) == 2 and table.rows[1].cells[1].text == str(kdn)
    assert document.sections[0].orientation == WD_ORIENT.LANDSCAPE
    with pytest.raises(Forbidden):
        kdn_papers.agenda_file(p.svc, p.world["curator"], meeting_id, "pdf")
    with pytest.raises(NotFound):
        kdn_papers.agenda_file(p.svc, p.world["other_boss"], meeting_id, "pdf")
    logged = p.rows("select user_id, case_id from access_log where action = 'download' order by id")
    assert [(r.user_id, r.case_id) for r in logged] == [(p.world.users["secretary"], kdn), (p.world.users["boss"], kdn)]
