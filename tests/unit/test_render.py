"""Golden tests of the official acts: every template renders to a Word file and a PDF showing its facts.

Each PDF is rendered at most once per (template, context) in this module (a module-scoped
cache), so the whole file takes a few seconds. PDF text is compared with whitespace and
hyphens removed (pypdf breaks lines and WeasyPrint hyphenates table cells).
"""

from __future__ import annotations

import hashlib
import io
import re
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import docx
import pytest
from docx.table import Table
from pypdf import PdfReader

from cases import render
from cases.acts import TITLES
from tests.fixtures.act_contexts import sample_context, sparse_context
from tests.test_architecture import PACKAGES, ROOT, imported, modules
from workflows import TEMPLATES_DIR

TEMPLATES = sorted(TITLES)
CONTEXTS: dict[str, Callable[[str], dict[str, Any]]] = {"full": sample_context, "sparse": sparse_context}
#: the acts whose sparse variant (no report, resolution, plan items, reports, visits) is also rendered to PDF
SPARSE_PDF = ["execution_summary", "kdn_resolution", "termination_notice"]
SCRIPT = "<script>alert('x')</script> & «кавычки»"


def spaced(text: str) -> str:
    return " ".join(text.split())


def squeezed(text: str) -> str:
    """Text without whitespace and hyphens, for comparing with what pypdf extracts."""
    return re.sub(r"[\s\-\u00ad\u2010\u2011]+", "", text)


def cells(tables: list[Table]) -> Iterator[str]:
    for table in tables:
        for row in table.rows:
            for cell in row.cells:
                yield cell.text
                yield from cells(cell.tables)


def document_xml(data: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("word/document.xml").decode("utf-8")


def docx_text(data: bytes) -> str:
    document = docx.Document(io.BytesIO(data))
    return spaced("\n".join([p.text for p in document.paragraphs] + list(cells(document.tables))))


def facts(name: str, context: dict[str, Any]) -> list[str]:
    """What the act must show: title, number, address, children, the action's inputs and its own facts."""
    found = [context["act"]["title"], context["act"]["number"]]
    person = context.get("person")
    if person:  # an adult's act: the person and the family members accepted with them
        found += [person["name"], person["birth_date"], person["address"], person["release_date"]]
        for member in person["members"]:
            found += [member["name"], member["birth_date"]]
    elif "figures" in context:  # the УСО's report to the ministry: the quarter's figures
        figures = context["figures"]
        found += [figures["period"], f"{figures['quarter']} квартал {figures['year']} года",
                  "Семьи без положительной динамики"]
        for decision in figures["decisions"]:
            found += [decision["title"]]
    else:
        found.append(context["family"]["address"])
        for child in context["family"]["children"]:
            found += [child["name"], child["birth_date"]]
    found += [field["value"] for field in context["fields"]]
    report, plan = context.get("report"), context.get("plan")
    resolution = context.get("resolution")
    if report and name in ("registration_card", "inspection_order", "inspection_act"):
        found += [report["received_at"], report["source"]]
    if report and name in ("registration_card", "inspection_order"):
        found += [report["text"]]
    if name == "inspection_order":
        found += ["в течение 3 рабочих дней", "ст. 122"]
    if plan:
        for item in plan["items"]:
            found += [item["measure"], item["responsible"], item["due_date"], item["status"]]
            if name != "execution_summary":
                found += [item["threat"]]
        if name in ("safety_plan", "support_plan", "ipr_plan"):
            found += [f"Редакция плана: {plan['revision']}", plan["approved_on"]]
    if resolution:
        found += [f"№ {resolution['number']}", resolution["date"]]
        if name == "termination_notice":
            found += [resolution["decision"]]
        if name == "kdn_resolution":
            decision = resolution["decision"]
            found += [decision[:1].upper() + decision[1:], "ПОСТАНОВЛЕНИЕ",
                      "Комиссия по делам несовершеннолетних и защите их прав постановила:",
                      resolution["executing_bodies"], resolution["report_back_on"]]
    for report_row in context.get("execution_reports", []):
        found += [report_row["org"], report_row["text"], report_row["received_on"]]
    for visit in context.get("visits", []):
        found += [visit["date"], visit["kind"]]
    if name in ("draft_conclusion", "approved_conclusion"):
        found += ["индивидуальной профилактической работы", "комиссии по делам несовершеннолетних"]
    if name == "approved_conclusion":
        found += ["УТВЕРЖДАЮ"]
    if name == "termination_notice":
        found += [f"Всего зарегистрировано посещений: {len(context['visits'])}"]
    signer = context["signer"]
    found += [signer["name"], signer["position"]]
    return found


@dataclass
class Pdf:
    data: bytes
    reader: PdfReader
    text: str  # squeezed


@pytest.fixture(scope="module")
def pdf() -> Callable[[str, str], Pdf]:
    cache: dict[tuple[str, str], Pdf] = {}

    def get(name: str, variant: str = "full") -> Pdf:
        if (name, variant) not in cache:
            data = render.render_pdf(name, CONTEXTS[variant](name))
            reader = PdfReader(io.BytesIO(data))
            cache[name, variant] = Pdf(data, reader, squeezed("\n".join(p.extract_text() for p in reader.pages)))
        return cache[name, variant]

    return get


@pytest.fixture(scope="module")
def docx_files() -> Callable[[str, str], bytes]:
    cache: dict[tuple[str, str], bytes] = {}

    def get(name: str, variant: str = "full") -> bytes:
        if (name, variant) not in cache:
            cache[name, variant] = render.render_docx(name, CONTEXTS[variant](name))
        return cache[name, variant]

    return get


# -- the set of templates and their hashes -----------------------------------------------------

def test_every_act_has_both_templates() -> None:
    assert set(TITLES) <= render.available()
    assert not {n for n in render.available() if n.startswith("_")}
    assert render.TEMPLATES_DIR == TEMPLATES_DIR


def test_template_hash_is_stable_and_distinct() -> None:
    hashes = {name: render.template_hash(name) for name in TEMPLATES}
    assert hashes == {name: render.template_hash(name) for name in TEMPLATES}
    assert len(set(hashes.values())) == len(TEMPLATES)
    name = "kdn_resolution"
    shared = [*sorted(TEMPLATES_DIR.glob("_*.html")), TEMPLATES_DIR / "acts.css"]
    expected = hashlib.sha256((TEMPLATES_DIR / f"{name}.html").read_bytes()
                              + (TEMPLATES_DIR / f"{name}.docx").read_bytes()
                              + b"".join(p.read_bytes() for p in shared)).hexdigest()
    assert hashes[name] == expected  # an edit to the base layout or the stylesheet changes every act's hash


@pytest.mark.parametrize("name", ["no_such_act", "", "_base", "../workflows/templates/kdn_resolution", "acts"])
def test_unknown_template_is_a_value_error(name: str) -> None:
    with pytest.raises(ValueError, match="неизвестный шаблон"):
        render.template_hash(name)
    with pytest.raises(ValueError, match="неизвестный шаблон"):
        render.render_docx(name, sample_context("registration_card"))
    with pytest.raises(ValueError, match="неизвестный шаблон"):
        render.render_pdf(name, sample_context("registration_card"))


def test_only_the_render_module_imports_the_rendering_libraries() -> None:
    for library in ("docxtpl", "weasyprint"):
        users = {str(p.relative_to(ROOT)) for pkg in PACKAGES for p in modules(pkg) if library in imported(p)}
        assert users == {"cases/render.py"}


def test_docx_templates_are_word_files_with_tags() -> None:
    for name in TEMPLATES:
        document = docx.Document(str(TEMPLATES_DIR / f"{name}.docx"))
        assert "{{ act.number }}" in "\n".join(p.text for p in document.paragraphs)
        assert document.core_properties.title == TITLES[name]


# -- golden content ------------------------------------------------------------------------------

@pytest.mark.parametrize("name", TEMPLATES)
def test_docx_shows_the_facts(name: str, docx_files: Callable[[str, str], bytes]) -> None:
    data = docx_files(name, "full")
    text = docx_text(data)
    missing = [fact for fact in facts(name, sample_context(name)) if spaced(fact) not in text]
    assert missing == []
    assert not re.search(r"\{\{|\}\}|\{%|%\}", document_xml(data)), "docxtpl tags left unrendered"


@pytest.mark.parametrize("name", TEMPLATES)
def test_pdf_shows_the_facts(name: str, pdf: Callable[[str, str], Pdf]) -> None:
    rendered = pdf(name, "full")
    assert rendered.data.startswith(b"%PDF-")
    missing = [fact for fact in facts(name, sample_context(name)) if squeezed(fact) not in rendered.text]
    assert missing == []
    assert "{{" not in rendered.text and "{%" not in rendered.text


@pytest.mark.parametrize("name", TEMPLATES)
def test_pdf_is_a4_portrait(name: str, pdf: Callable[[str, str], Pdf]) -> None:
    for page in pdf(name, "full").reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (round(width), round(height)) == (595, 842)  # A4 in points


@pytest.mark.parametrize("name", ["safety_plan", "support_plan", "ipr_plan", "execution_summary", "support_order"])
def test_docx_plan_table_has_a_row_per_item(name: str, docx_files: Callable[[str, str], bytes]) -> None:
    document = docx.Document(io.BytesIO(docx_files(name, "full")))
    items = sample_context(name)["plan"]["items"]
    tables = [t for t in document.tables if "Мероприятие" in [c.text for c in t.rows[0].cells]]
    assert len(tables) == 1
    rows = tables[0].rows[1:]
    assert [row.cells[0].text for row in rows] == [str(item["n"]) for item in items]


def test_execution_summary_counts(pdf: Callable[[str, str], Pdf]) -> None:
    text = pdf("execution_summary", "full").text
    assert squeezed("Мероприятий в плане 4, из них выполнено: 2") in text
    assert squeezed("3, из них с положительной динамикой: 2") in text


# -- missing optional parts, re-issues and escaping ---------------------------------------------------

@pytest.mark.parametrize("name", TEMPLATES)
def test_sparse_context_renders_docx_and_html(name: str, docx_files: Callable[[str, str], bytes]) -> None:
    context = sparse_context(name)
    data = docx_files(name, "sparse")
    assert not re.search(r"\{\{|\}\}|\{%|%\}", document_xml(data)), "docxtpl tags left unrendered"
    text = docx_text(data)
    assert "Редакция: Исправлена ошибка <b>в адресе</b> & дате" in text
    assert context["act"]["number"] in text
    assert SCRIPT in text
    html = render._html(name, context)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>в адресе</b>" not in html
    assert "http" not in html  # nothing to fetch from the network


@pytest.mark.parametrize("name", SPARSE_PDF)
def test_sparse_context_renders_pdf(name: str, pdf: Callable[[str, str], Pdf]) -> None:
    text = pdf(name, "sparse").text
    assert squeezed(SCRIPT) in text  # shown as text, not run or dropped as markup
    assert squeezed("Редакция: Исправлена ошибка <b>в адресе</b> & дате") in text
    assert squeezed(sparse_context(name)["family"]["address"]) in text
    if name == "execution_summary":
        assert squeezed("Информация об исполнении не поступала") in text
        assert squeezed("Мероприятия не внесены") in text
    if name == "kdn_resolution":
        assert squeezed("Решение комиссии не внесено") in text
    if name == "termination_notice":
        assert squeezed("Всего зарегистрировано посещений: 0") in text


def test_docx_escapes_markup_in_the_xml(docx_files: Callable[[str, str], bytes]) -> None:
    xml = document_xml(docx_files("inspection_act", "sparse"))
    assert "&lt;script&gt;" in xml and "<script>" not in xml


def test_control_characters_do_not_break_the_documents() -> None:
    context = sample_context("inspection_act")
    context["fields"][1]["value"] = "строка 1\r\nстрока 2\x00\x07\x0b\x0c конец"
    text = docx_text(render.render_docx("inspection_act", context))
    assert "строка 1 строка 2 конец" in text
    assert "строка 2 конец" in render._html("inspection_act", context)
