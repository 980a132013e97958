"""Build the Word templates of the official acts: ``workflows/templates/<name>.docx``.

Each template is a real Word document made with python-docx whose paragraphs and tables
carry docxtpl tags (``{{ }}``, ``{%p %}`` for paragraphs, ``{%tr %}`` for table rows); it
mirrors ``<name>.html`` and is filled from the same frozen context (``cases.acts``).
The output is deterministic (fixed dates inside and in the ZIP), so rebuilding without
changes keeps ``cases.render.template_hash`` stable. Run after editing this file:

    .venv/bin/python scripts/build_docx_templates.py
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from cases.acts import TITLES
from workflows import TEMPLATES_DIR

FONT = "Times New Roman"
BODY_PT = 12
TABLE_PT = 10
SMALL_PT = 9
PAGE_WIDTH_CM = 21.0
MARGINS_CM = {"top": 2.0, "bottom": 2.0, "left": 2.3, "right": 1.7}
TEXT_WIDTH_CM = PAGE_WIDTH_CM - MARGINS_CM["left"] - MARGINS_CM["right"]
FIXED_TIME = datetime(2025, 1, 1, tzinfo=UTC)
#: the signer's position with a capital first letter (positions are often typed in lower case)
POSITION = "{{ (signer.position or signer.role)[:1] | upper }}{{ (signer.position or signer.role)[1:] }}"

Segment = str | tuple[str, str]  # text, or (style flags "b"/"i", text)


def _fonts(element: Any, name: str = FONT) -> None:
    """Set all four font slots (Latin, Cyrillic, East Asian, complex) and drop theme fonts."""
    rpr = element.get_or_add_rPr() if hasattr(element, "get_or_add_rPr") else element
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{attr}"), name)
    for attr in ("asciiTheme", "hAnsiTheme", "eastAsiaTheme", "cstheme"):
        fonts.attrib.pop(qn(f"w:{attr}"), None)


def _border(paragraph: Paragraph, side: str = "bottom", kind: str = "double", size: int = 6) -> None:
    ppr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    edge = OxmlElement(f"w:{side}")
    edge.set(qn("w:val"), kind)
    edge.set(qn("w:sz"), str(size))
    edge.set(qn("w:space"), "4")
    edge.set(qn("w:color"), "000000")
    borders.append(edge)
    # CT_PPr is a sequence: pBdr goes before shading, tabs, spacing, indentation, justification…
    ppr.insert_element_before(borders, "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap",
                              "w:overflowPunct", "w:topLinePunct", "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi",
                              "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind", "w:contextualSpacing",
                              "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
                              "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr",
                              "w:pPrChange")


def _shade(cell: _Cell, fill: str = "ECECEC") -> None:
    shading = OxmlElement("w:shd")
    shading.set(qn("w:val"), "clear")
    shading.set(qn("w:color"), "auto")
    shading.set(qn("w:fill"), fill)
    cell._tc.get_or_add_tcPr().append(shading)


def _repeat_header(row_element: Any) -> None:
    trpr = row_element.get_or_add_trPr()
    header = OxmlElement("w:tblHeader")
    header.set(qn("w:val"), "true")
    trpr.append(header)


def _cant_split(row_element: Any) -> None:
    trpr = row_element.get_or_add_trPr()
    trpr.append(OxmlElement("w:cantSplit"))


def _field(paragraph: Paragraph, instruction: str) -> None:
    simple = OxmlElement("w:fldSimple")
    simple.set(qn("w:instr"), instruction)
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    simple.append(run)
    paragraph._p.append(simple)


class Builder:
    """A Word document under construction, with the few blocks every act uses."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.doc = Document()
        section = self.doc.sections[0]
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(PAGE_WIDTH_CM), Cm(29.7)
        section.top_margin, section.bottom_margin = Cm(MARGINS_CM["top"]), Cm(MARGINS_CM["bottom"])
        section.left_margin, section.right_margin = Cm(MARGINS_CM["left"]), Cm(MARGINS_CM["right"])
        section.footer_distance = Cm(1.0)
        for style_name in ("Normal", "List Number", "Footer"):
            style = self.doc.styles[style_name]
            style.font.name = FONT
            style.font.size = Pt(BODY_PT)
            style.font.color.rgb = RGBColor(0, 0, 0)
            _fonts(style.element)
            style.paragraph_format.space_after = Pt(0)
            style.paragraph_format.space_before = Pt(0)
            style.paragraph_format.line_spacing = 1.0
        self.doc.styles["Footer"].font.size = Pt(SMALL_PT - 1)
        props = self.doc.core_properties
        props.title = TITLES.get(name, name)
        props.author = "Опора"
        props.last_modified_by = "Опора"
        props.comments = "Шаблон акта «Опоры» (docxtpl), создан scripts/build_docx_templates.py"
        props.subject = "Официальный акт"
        props.language = "ru-RU"
        props.created = props.modified = FIXED_TIME.replace(tzinfo=None)
        props.last_printed = FIXED_TIME.replace(tzinfo=None)
        props.revision = 1
        self._footer()

    # -- paragraphs -----------------------------------------------------------------------

    def p(self, *segments: Segment, align: str = "justify", size: float | None = None, after: float = 4,
          before: float = 0, keep: bool = False, italic: bool = False, bold: bool = False,
          style: str | None = None, indent_first: float | None = None, left: float | None = None,
          target: _Cell | None = None) -> Paragraph:
        """A paragraph of runs; a segment ``("b", text)`` is bold, ``("i", text)`` italic."""
        paragraph = target.add_paragraph(style=style) if target is not None else self.doc.add_paragraph(style=style)
        paragraph.alignment = {"justify": WD_ALIGN_PARAGRAPH.JUSTIFY, "center": WD_ALIGN_PARAGRAPH.CENTER,
                               "left": WD_ALIGN_PARAGRAPH.LEFT, "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        fmt = paragraph.paragraph_format
        fmt.space_after, fmt.space_before = Pt(after), Pt(before)
        fmt.keep_with_next = keep
        if indent_first is not None:
            fmt.first_line_indent = Cm(indent_first)
        if left is not None:
            fmt.left_indent = Cm(left)
        for segment in segments:
            flags, text = segment if isinstance(segment, tuple) else ("", segment)
            run = paragraph.add_run(text)
            run.bold = bold or "b" in flags or None
            run.italic = italic or "i" in flags or None
            if size:
                run.font.size = Pt(size)
        return paragraph

    def text(self, *segments: Segment, **options: Any) -> Paragraph:
        """Body text: justified, first-line indent."""
        return self.p(*segments, indent_first=1.0, **options)

    def tag(self, statement: str) -> None:
        """A paragraph-level docxtpl statement, e.g. ``if report`` (the whole paragraph is replaced)."""
        self.doc.add_paragraph(f"{{%p {statement} %}}")

    def h2(self, text: str) -> None:
        self.p(("b", text), align="left", before=10, after=4, keep=True)

    def h3(self, text: str) -> None:
        self.p(("bi", text), align="left", before=6, after=3, keep=True)

    def points(self, *items: str, condition: Sequence[str | None] = ()) -> None:
        """A numbered list (Word numbering, so conditional items keep the numbers consecutive)."""
        for n, item in enumerate(items):
            cond = condition[n] if n < len(condition) else None
            if cond:
                self.tag(f"if {cond}")
            self.p(item, style="List Number", after=2)
            if cond:
                self.tag("endif")

    # -- tables ---------------------------------------------------------------------------

    def table(self, widths: Sequence[float], grid: bool = True) -> Table:
        table = self.doc.add_table(rows=0, cols=len(widths))
        table.style = self.doc.styles["Table Grid"] if grid else None
        table.alignment = WD_TABLE_ALIGNMENT.CENTER
        table.autofit = False
        self._widths = list(widths)
        for column, width in zip(table.columns, widths, strict=True):
            column.width = Cm(width)
        return table

    def row(self, table: Table, cells: Sequence[str], *, header: bool = False, merge: bool = False,
            bold_first: bool = False, align: Sequence[str] = (), size: float = TABLE_PT) -> None:
        row = table.add_row()
        for i, width in enumerate(self._widths):
            row.cells[i].width = Cm(width)
        if merge:
            merged = row.cells[0].merge(row.cells[-1])
            self._cell(merged, cells[0], size=size, align="center", italic=True)
            return
        for i, content in enumerate(cells):
            cell = row.cells[i]
            how = align[i] if i < len(align) else "left"
            self._cell(cell, content, size=size, bold=header, align="center" if header else how)
            if header:
                _shade(cell)
            elif bold_first and i == 0:
                _shade(cell, "F5F5F5")
        if header:
            _repeat_header(row._tr)
        else:
            _cant_split(row._tr)

    def _cell(self, cell: _Cell, content: str, *, size: float, bold: bool = False, align: str = "left",
              italic: bool = False) -> None:
        paragraph = cell.paragraphs[0]
        paragraph.alignment = {"left": WD_ALIGN_PARAGRAPH.LEFT, "center": WD_ALIGN_PARAGRAPH.CENTER,
                               "right": WD_ALIGN_PARAGRAPH.RIGHT}[align]
        run = paragraph.add_run(content)
        run.font.size = Pt(size)
        run.bold = bold or None
        run.italic = italic or None

    def control_row(self, table: Table, statement: str) -> None:
        """A ``{%tr … %}`` row: docxtpl replaces the whole row with the statement."""
        row = table.add_row()
        for i, width in enumerate(self._widths):
            row.cells[i].width = Cm(width)
        row.cells[0].paragraphs[0].add_run(f"{{%tr {statement} %}}")

    def kv(self, rows: Sequence[tuple[str, str] | tuple[str, str, str]],
           widths: tuple[float, float] = (5.5, 0.0)) -> None:
        """A two-column «title — value» table; a third element is a row condition."""
        table = self.table((widths[0], widths[1] or TEXT_WIDTH_CM - widths[0]))
        for entry in rows:
            title, value = entry[0], entry[1]
            condition = entry[2] if len(entry) > 2 else None
            if condition:
                self.control_row(table, f"if {condition}")
            self.row(table, [title, value], bold_first=True)
            if condition:
                self.control_row(table, "endif")
        self.gap()

    def loop_table(self, headers: Sequence[str], cells: Sequence[str], loop: str, widths: Sequence[float],
                   *, empty: tuple[str, str] | None = None, align: Sequence[str] = ()) -> None:
        """A header row, then one row per element of ``loop`` (``for x in xs``); ``empty`` = (condition, text)."""
        table = self.table(widths)
        self.row(table, headers, header=True)
        self.control_row(table, loop)
        self.row(table, cells, align=align)
        self.control_row(table, "endfor")
        if empty:
            self.control_row(table, f"if {empty[0]}")
            self.row(table, [empty[1]], merge=True)
            self.control_row(table, "endif")
        self.gap()

    def gap(self, pt: float = 4) -> None:
        self.p("", after=0, size=pt)

    # -- the blocks of every act ----------------------------------------------------------

    def _footer(self) -> None:
        footer = self.doc.sections[0].footer
        paragraph = footer.paragraphs[0]
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        run = paragraph.add_run("{{ act.title }} № {{ act.number }} от {{ act.date }}"
                                "{% if case.id %} · дело № {{ case.id }}{% endif %}. Лист ")
        run.font.size = Pt(SMALL_PT - 1)
        _field(paragraph, "PAGE")
        paragraph.add_run(" из ").font.size = Pt(SMALL_PT - 1)
        _field(paragraph, "NUMPAGES")

    def header(self) -> None:
        self.p(("b", "{{ org.name }}"), align="center", after=0)
        self.p("{{ org.address }}{% if org.address and org.phone %}, {% endif %}"
               "{% if org.phone %}тел. {{ org.phone }}{% endif %}", align="center", size=SMALL_PT, after=0)
        last = self.p("{{ territory }}", align="center", size=SMALL_PT, after=12)
        _border(last)

    def aside(self, *lines: Segment) -> None:
        """A block on the right half (grif «УТВЕРЖДАЮ», addressee)."""
        for n, line in enumerate(lines):
            self.p(line, align="left", left=9.0, after=8 if n == len(lines) - 1 else 1, size=11)

    def heading(self, title: str = "{{ act.title }}") -> None:
        self.p(("b", title), align="center", after=3, size=13, keep=True)
        self.p("№ {{ act.number }} от {{ act.date }}", align="center", after=2)
        self.reissue()
        self.case_ref()

    def reissue(self) -> None:
        self.tag("if reissue_reason")
        self.p(("i", "Редакция: {{ reissue_reason }}"), align="center", after=2)
        self.tag("endif")

    def case_ref(self) -> None:
        self.p("{% if case.id %}Дело № {{ case.id }}{% if case.workflow %} · {{ case.workflow }}{% endif %}{% endif %}",
               align="center", size=SMALL_PT, after=10)

    def signature(self, lead: str | None = None) -> None:
        if lead:
            self.p(lead, align="left", before=12, after=0)
        else:
            self.gap(14)
        table = self.table((7.5, 4.0, TEXT_WIDTH_CM - 11.5), grid=False)
        row = table.add_row()
        for i, width in enumerate(self._widths):
            row.cells[i].width = Cm(width)
        self._cell(row.cells[0], POSITION, size=BODY_PT)
        self._cell(row.cells[1], "____________", size=BODY_PT, align="center")
        self._cell(row.cells[2], "{{ signer.name }}", size=BODY_PT, align="right")
        _cant_split(row._tr)
        self.p("{{ act.date }}", align="left", size=SMALL_PT, before=4)

    def family(self, caption: str = "Сведения о семье") -> None:
        self.h2(caption)
        self.kv([
            ("Семья", "{{ family.surname }}", "family.surname"),
            ("Адрес проживания", "{{ family.address or 'не указан' }}"),
            ("Категория семьи", "{{ family.category }}"
                                "{% if family.category_set_on and family.category != 'не установлена' %}"
                                " (с {{ family.category_set_on }}"
                                "{% if family.category_act %}, {{ family.category_act }}{% endif %}){% endif %}",
             "family.category"),
        ])
        self.h3("Несовершеннолетние дети")
        self.loop_table(["№", "Фамилия, имя, отчество", "Дата рождения", "Возраст, лет"],
                        ["{{ loop.index }}", "{{ c.name }}", "{{ c.birth_date }}", "{{ c.age }}"],
                        "for c in family.children", (1.0, 10.0, 3.3, 2.7),
                        empty=("not family.children", "Сведения о детях не внесены"),
                        align=("center", "left", "center", "center"))
        self.tag("if family.adults")
        self.h3("Родители (законные представители) и другие члены семьи")
        self.loop_table(["№", "Фамилия, имя, отчество", "Степень родства", "Дата рождения"],
                        ["{{ loop.index }}", "{{ a.name }}", "{{ a.relation }}", "{{ a.birth_date }}"],
                        "for a in family.adults", (1.0, 8.5, 4.2, 3.3), align=("center", "left", "left", "center"))
        self.tag("endif")

    def fields(self, caption: str, var: str = "fields") -> None:
        self.tag(f"if {var}")
        self.h2(caption)
        table = self.table((5.5, TEXT_WIDTH_CM - 5.5))
        self.control_row(table, f"for f in {var}")
        self.row(table, ["{{ f.title }}", "{{ f.value }}"], bold_first=True)
        self.control_row(table, "endfor")
        self.gap()
        self.tag("endif")

    def report(self, caption: str = "Сведения о поступившем сообщении", with_text: bool = True) -> None:
        self.h2(caption)
        self.tag("if report")
        rows: list[tuple[str, str] | tuple[str, str, str]] = [
            ("Источник сообщения",
             "{{ report.source }}{% if report.source_name %}: {{ report.source_name }}{% endif %}"),
            ("Способ поступления", "{{ report.channel }}"),
            ("Дата и время поступления", "{{ report.received_at }}"),
            ("Дети, указанные в сообщении", "{{ report.children | join('\\n') }}", "report.children"),
        ]
        if with_text:
            rows.append(("Содержание сообщения", "{{ report.text }}"))
        self.kv(rows)
        self.tag("else")
        self.p(("i", "Сведения о сообщении отсутствуют."), align="left")
        self.tag("endif")

    def plan_meta(self) -> None:
        self.kv([
            ("Наименование плана", "{{ plan.title }}", "plan.title"),
            ("Редакция плана", "{{ plan.revision or 1 }}"),
            ("Дата утверждения", "{{ plan.approved_on or 'не утверждён' }}"),
        ])

    def plan_table(self, threat: str | None = "Угроза (проблема)", responsible: str = "Ответственный",
                   with_result: bool = True) -> None:
        headers = ["№"] + ([threat] if threat else []) + ["Мероприятие", responsible, "Срок", "Статус"]
        cells = ["{{ item.n }}"] + (["{{ item.threat }}"] if threat else []) + [
            "{{ item.measure }}", "{{ item.responsible }}", "{{ item.due_date }}", "{{ item.status }}"]
        align = ["center"] + (["left"] if threat else []) + ["left", "left", "center", "left"]
        widths = [0.8] + ([2.9] if threat else []) + [0.0, 2.9, 2.0, 1.9]
        if with_result:
            headers.append("Результат")
            cells.append("{{ item.result }}")
            align.append("left")
            widths.append(2.9)
        widths[widths.index(0.0)] = TEXT_WIDTH_CM - sum(widths)
        self.loop_table(headers, cells, "for item in plan['items']", widths,
                        empty=("not plan['items']", "Мероприятия не внесены"), align=align)

    def resolution_ref(self) -> str:
        return ("{% if resolution %}постановление комиссии по делам несовершеннолетних и защите их прав "
                "от {{ resolution.date }} № {{ resolution.number }}{% else %}постановление комиссии не внесено"
                "{% endif %}")

    def resolution(self, caption: str = "Постановление комиссии по делам несовершеннолетних и защите их прав"
                   ) -> None:
        self.h2(caption)
        self.tag("if resolution")
        self.kv([
            ("Номер и дата", "№ {{ resolution.number }} от {{ resolution.date }}"),
            ("Решение", "{{ resolution.decision }}"),
            ("Органы системы профилактики — исполнители", "{{ resolution.executing_bodies }}",
             "resolution.executing_bodies"),
            ("Срок представления информации об исполнении", "{{ resolution.report_back_on }}",
             "resolution.report_back_on"),
            ("Примечание", "{{ resolution.notes }}", "resolution.notes"),
        ])
        self.tag("else")
        self.p(("i", "Постановление комиссии не внесено."), align="left")
        self.tag("endif")

    def visits(self, rows: str = "visits") -> None:
        self.loop_table(["№", "Дата", "Вид", "Результат"],
                        ["{{ loop.index }}", "{{ v.date }}", "{{ v.kind }}", "{{ v.notes }}"],
                        f"for v in {rows}", (1.0, 2.4, 3.8, TEXT_WIDTH_CM - 7.2),
                        empty=(f"not {rows}", "Посещения не зарегистрированы"), align=("center", "center"))

    # -- output ---------------------------------------------------------------------------

    def save(self, folder: Path = TEMPLATES_DIR) -> Path:
        buffer = io.BytesIO()
        self.doc.save(buffer)
        path = folder / f"{self.name}.docx"
        path.write_bytes(_deterministic_zip(buffer.getvalue()))
        return path


def _deterministic_zip(data: bytes) -> bytes:
    """The same archive with fixed timestamps, so an unchanged template has unchanged bytes."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(2025, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


# -- the acts -------------------------------------------------------------------------------

LEGAL_232P = ("Порядком организации органом опеки и попечительства деятельности по выявлению и учёту детей, "
              "права и законные интересы которых нарушены (постановление Правительства Ханты-Мансийского "
              "автономного округа – Югры от 02.09.2009 № 232-п)")
LAW_120FZ = ("Федеральным законом от 24.06.1999 № 120-ФЗ «Об основах системы профилактики безнадзорности "
             "и правонарушений несовершеннолетних»")


def approved_aside(b: Builder, extra: str = "") -> None:
    lines: list[Segment] = [
        ("b", "УТВЕРЖДЁН"),
        "{{ org.short_name or org.name }}{% if plan.approved_on %} {{ plan.approved_on }}{% endif %}",
    ]
    if extra:
        lines.append(extra)
    lines.append("Редакция плана: {{ plan.revision or 1 }}")
    b.aside(*lines)


def registration_card(b: Builder) -> None:
    b.heading()
    b.text(f"Сообщение о нарушении прав и законных интересов ребёнка принято и зарегистрировано в соответствии "
           f"с {LEGAL_232P}, статьями 56, 121, 122 Семейного кодекса Российской Федерации.")
    b.report("Сведения о сообщении", with_text=False)
    b.tag("if report")
    b.h3("Содержание сообщения")
    b.text("{{ report.text }}")
    b.tag("endif")
    b.family()
    b.fields("Дополнительные сведения")
    b.h2("Дальнейшие действия")
    b.text("В день поступления информации орган опеки и попечительства направляет её в Агентство социального "
           "благополучия населения и поручает провести обследование условий жизни ребёнка и его семьи. Сведения "
           "о ребёнке регистрируются в ведомственной информационной системе.")
    b.signature()


def inspection_order(b: Builder) -> None:
    b.aside(("b", "Агентство социального благополучия населения"),
            ("i", "(подразделение и специалист — см. раздел «Поручение»)"))
    b.heading()
    b.text(f"В соответствии со статьями 56, 121, 122 Семейного кодекса Российской Федерации и {LEGAL_232P} "
           "{{ org.name or 'орган опеки и попечительства' }} поручает Агентству социального благополучия населения "
           "провести обследование условий жизни ребёнка (детей) и его семьи, проживающих по адресу: ",
           ("b", "{{ family.address }}"), ".")
    b.h2("Что обследовать")
    b.points("Условия жизни и воспитания ребёнка (детей), жилищно-бытовые условия семьи.",
             "Обеспеченность ребёнка питанием, одеждой, присмотром, медицинской помощью, посещение "
             "образовательной организации.",
             "Наличие угроз жизни и здоровью ребёнка; оценить безопасность несовершеннолетнего.",
             "По результатам составить акт обследования условий жизни ребёнка и семьи, при необходимости "
             "разработать план обеспечения безопасности несовершеннолетнего.")
    b.h2("Срок исполнения")
    b.text("Обследование провести ", ("b", "в течение 3 рабочих дней"), " со дня получения сведений (п. 1 ст. 122 "
           "Семейного кодекса Российской Федерации){% if report %}; сведения поступили {{ report.received_at }}"
           "{% endif %}.")
    b.fields("Поручение")
    b.report()
    b.family()
    b.signature()


def inspection_act(b: Builder) -> None:
    b.heading()
    b.text("Настоящий акт составлен по результатам обследования условий жизни ребёнка (детей) и его семьи, "
           "проживающих по адресу: ", ("b", "{{ family.address }}"), ", проведённого в соответствии со статьёй 122 "
           "Семейного кодекса Российской Федерации{% if report %} на основании сообщения, поступившего "
           "{{ report.received_at }} ({{ report.source }}){% endif %}.")
    b.family("Состав семьи")
    b.fields("Результаты обследования: условия жизни, выявленные угрозы, оценка безопасности")
    b.report("Основание обследования")
    b.p(("i", "С актом ознакомлены родители (законные представители): ____________________________"),
        align="left", before=6)
    b.signature("Обследование провёл(а):")


def safety_plan(b: Builder) -> None:
    approved_aside(b)
    b.heading()
    b.text("План разработан Агентством социального благополучия населения с привлечением органов системы "
           "профилактики и включает действия по нейтрализации (минимизации) угроз, выявленных в процессе оценки "
           "безопасности несовершеннолетнего, проживающего по адресу: ", ("b", "{{ family.address }}"),
           ". Агентство контролирует исполнение плана и при необходимости корректирует его.")
    b.plan_meta()
    b.h2("Мероприятия по обеспечению безопасности")
    b.plan_table("Угроза")
    b.fields("Сведения о корректировке плана")
    b.family()
    b.signature()


def support_order(b: Builder) -> None:
    b.aside(("b", "Руководителю учреждения социального обслуживания"),
            ("i", "(учреждение указано в разделе «Основания»)"))
    b.heading()
    b.text("По результатам обследования условий жизни ребёнка и семьи, проживающих по адресу: ",
           ("b", "{{ family.address }}"), ", установлены факты нахождения семьи в трудной жизненной ситуации. "
           "Ребёнок (дети) и семья признаны нуждающимися в социальном обслуживании (статья 15 Федерального закона "
           "от 28.12.2013 № 442-ФЗ «Об основах социального обслуживания граждан в Российской Федерации»).")
    b.text("{{ org.short_name or org.name }} поручает учреждению социального обслуживания организовать социальное "
           "сопровождение семьи:")
    b.points("назначить куратора семьи;", "разработать план социального сопровождения семьи;",
             "осуществлять мероприятия по выходу семьи из трудной жизненной ситуации;",
             "контролировать исполнение плана и проводить мониторинг ситуации в семье;",
             "по итогам работы принять решение о прекращении или продолжении сопровождения семьи.")
    b.fields("Основания")
    b.family()
    b.h2("Приложение: план обеспечения безопасности несовершеннолетнего")
    b.plan_meta()
    b.plan_table("Угроза")
    b.text("Приложение: акт обследования условий жизни ребёнка и семьи.")
    b.signature()


def support_plan(b: Builder) -> None:
    approved_aside(b)
    b.heading()
    b.text("План социального сопровождения семьи, находящейся в трудной жизненной ситуации, проживающей по адресу: ",
           ("b", "{{ family.address }}"), ", разработан куратором семьи учреждения социального обслуживания. "
           "Куратор осуществляет мероприятия по выходу семьи из трудной жизненной ситуации, контролирует исполнение "
           "плана и проводит мониторинг ситуации в семье.")
    b.plan_meta()
    b.h2("Мероприятия социального сопровождения")
    b.plan_table("Проблема, потребность", "Исполнитель")
    b.fields("Сведения о плане")
    b.family()
    b.p(("i", "С планом ознакомлены родители (законные представители): ____________________________"),
        align="left", before=6)
    b.signature()


def _conclusion(b: Builder, fields_caption: str, tail: str) -> None:
    b.heading()
    b.text("{{ org.name or 'Агентство социального благополучия населения' }}, рассмотрев информацию органов системы "
           "профилактики безнадзорности и правонарушений несовершеннолетних и результаты обследования условий жизни "
           "ребёнка и семьи, проживающих по адресу: ", ("b", "{{ family.address }}"), ", на основании статей 5, 6 "
           "Федерального закона от 24.06.1999 № 120-ФЗ «Об основах системы профилактики безнадзорности и "
           "правонарушений несовершеннолетних» пришло к заключению о необходимости проведения индивидуальной "
           "профилактической работы с несовершеннолетним(и) и его (их) семьёй.")
    b.family()
    b.fields(fields_caption)
    b.report("Первичное сообщение о нарушении прав ребёнка", with_text=False)
    b.h2("Предложение")
    b.text("Рассмотреть настоящее заключение на заседании муниципальной комиссии по делам несовершеннолетних и защите "
           "их прав{% if territory %} ({{ territory }}){% endif %}, признать несовершеннолетнего (семью) находящимися "
           "в социально опасном положении и организовать межведомственную индивидуальную профилактическую работу.")
    b.text(tail)
    b.signature()


def draft_conclusion(b: Builder) -> None:
    b.p(("b", "ПРОЕКТ"), align="right", after=6, size=13)
    b.aside("В управление социальной защиты населения и орган опеки и попечительства"
            "{% if territory %} ({{ territory }}){% endif %}",
            "для утверждения и направления в муниципальную комиссию по делам несовершеннолетних и защите их прав")
    _conclusion(b, "Основания и предлагаемые меры",
                "Приложения: акт обследования условий жизни ребёнка и семьи; информация органов системы "
                "профилактики безнадзорности и правонарушений несовершеннолетних.")


def approved_conclusion(b: Builder) -> None:
    b.aside(("b", "УТВЕРЖДАЮ"), POSITION, "{{ org.short_name or org.name }}",
            "____________ {{ signer.name }}", "{{ act.date }}")
    b.aside("В муниципальную комиссию по делам несовершеннолетних и защите их прав"
            "{% if territory %} ({{ territory }}){% endif %}")
    b.fields("Основания и предлагаемые меры (из проекта заключения)", var="draft_fields")
    _conclusion(b, "Сведения об утверждении и направлении заключения",
                "Заключение утверждено управлением социальной защиты населения и органом опеки и попечительства по "
                "результатам анализа представленных документов и направляется в комиссию по делам "
                "несовершеннолетних и защите их прав для рассмотрения на заседании.")


RESOLUTION_SUBJECTS = {
    "recognise": "О признании несовершеннолетнего (семьи) находящимися в социально опасном положении и об "
                 "организации межведомственной индивидуальной профилактической работы",
    "decline": "Об отказе в признании семьи находящейся в социально опасном положении",
    "continue": "О результатах исполнения межведомственного плана индивидуальной профилактической работы",
    "amend": "О внесении изменений в межведомственный план индивидуальной профилактической работы",
    "terminate": "О прекращении индивидуальной профилактической работы с семьёй",
    "post_support": "О прекращении индивидуальной профилактической работы и организации постсопровождения семьи",
    "court": "О поручении органу опеки и попечительства обратиться в суд",
    "suspend": "О приостановлении исполнения межведомственного плана",
    "resume": "О возобновлении исполнения межведомственного плана",
}


def kdn_resolution(b: Builder) -> None:
    b.p(("b", "ПОСТАНОВЛЕНИЕ{% if resolution %} № {{ resolution.number }}{% endif %}"), align="center", size=15,
        after=4, keep=True)
    table = b.table((TEXT_WIDTH_CM / 2, TEXT_WIDTH_CM / 2), grid=False)
    row = table.add_row()
    row.cells[0].width = row.cells[1].width = Cm(TEXT_WIDTH_CM / 2)
    b._cell(row.cells[0], "{{ resolution.date if resolution else act.date }}", size=BODY_PT)
    b._cell(row.cells[1], "{{ territory }}", size=BODY_PT, align="right")
    b.p("{{ act.title }}: рег. № {{ act.number }} от {{ act.date }}", align="center", size=SMALL_PT, before=4, after=2)
    b.reissue()
    b.case_ref()
    subjects = "".join(f"{'{% if' if n == 0 else '{% elif'} resolution.decision_code == '{code}' %}}{text}"
                       for n, (code, text) in enumerate(RESOLUTION_SUBJECTS.items())) + "{% endif %}"
    b.tag("if resolution")
    b.p(("b", subjects), align="center", after=10)
    b.tag("endif")
    b.text("{{ org.name or 'Комиссия по делам несовершеннолетних и защите их прав' }}, рассмотрев на заседании "
           "материалы в отношении семьи, проживающей по адресу: ",
           ("b", "{{ family.address }}"), ", и несовершеннолетних: {% for c in family.children %}{{ c.name }} "
           "({{ c.birth_date }} г. р.){% if not loop.last %}, {% endif %}{% else %}сведения о детях не внесены"
           f"{{% endfor %}}, руководствуясь {LAW_120FZ},")
    b.p(("b", "Комиссия по делам несовершеннолетних и защите их прав постановила:"), align="left", before=6,
        after=4, keep=True)
    b.tag("if resolution")
    b.points("{{ resolution.decision[:1] | upper }}{{ resolution.decision[1:] }}.",
             "Органам и учреждениям системы профилактики — исполнителям: {{ resolution.executing_bodies }} — "
             "обеспечить исполнение настоящего постановления.",
             "Информацию об исполнении мероприятий представить в комиссию в срок до {{ resolution.report_back_on }}.",
             "{{ resolution.notes }}",
             "Контроль за исполнением постановления возложить на ответственного секретаря комиссии.",
             condition=(None, "resolution.executing_bodies", "resolution.report_back_on", "resolution.notes", None))
    b.tag("else")
    b.p(("i", "Решение комиссии не внесено."), align="left")
    b.tag("endif")
    b.fields("Сведения о решении")
    b.family()
    b.p("Постановление может быть обжаловано в порядке, установленном законодательством Российской Федерации.",
        align="left", before=10)
    b.signature()


def ipr_plan(b: Builder) -> None:
    approved_aside(b, "во исполнение постановления{% if resolution %} от {{ resolution.date }} "
                      "№ {{ resolution.number }}{% endif %}")
    b.heading()
    b.text("Межведомственный план индивидуальной профилактической работы с семьёй, "
           "проживающей по адресу: ", ("b", "{{ family.address }}"),
           ", разработан учреждением социального обслуживания с участием органов и учреждений системы профилактики "
           "безнадзорности и правонарушений несовершеннолетних и утверждён комиссией по делам несовершеннолетних "
           f"и защите их прав. Основание: {b.resolution_ref()}.")
    b.plan_meta()
    b.h2("Мероприятия межведомственного плана")
    b.plan_table("Проблема (угроза)", "Исполнитель (орган, учреждение)")
    b.tag("if resolution and resolution.report_back_on")
    b.text("Органы и учреждения системы профилактики представляют информацию об исполнении мероприятий плана "
           "в комиссию в срок до ", ("b", "{{ resolution.report_back_on }}"), ". Не позднее чем через 3 месяца "
           "со дня утверждения плана комиссия рассматривает результаты его исполнения на заседании.")
    b.tag("endif")
    b.resolution()
    b.fields("Сведения об утверждении плана")
    b.family()
    b.signature()


def execution_summary(b: Builder) -> None:
    b.heading()
    b.tag("set items = plan['items'] or []")
    b.tag("set reports = execution_reports or []")
    b.text("Сводная информация подготовлена для рассмотрения на заседании комиссии по делам несовершеннолетних и "
           "защите их прав результатов исполнения межведомственного плана индивидуальной профилактической работы "
           "с семьёй, проживающей по адресу: ",
           ("b", "{{ family.address }}"), f". Основание: {b.resolution_ref()}.")
    b.kv([
        ("План", "{{ plan.title or 'Межведомственный план' }}, редакция {{ plan.revision or 1 }}"
                 "{% if plan.approved_on %}, утверждён {{ plan.approved_on }}{% endif %}"),
        ("Мероприятий в плане", "{{ items | length }}, из них выполнено: "
                                "{{ items | selectattr('status', 'equalto', 'выполнено') | list | length }}"),
        ("Поступило информации от органов", "{{ reports | length }}, из них с положительной динамикой: "
                                            "{{ reports | selectattr('positive', 'equalto', 'да') | list | length }}"),
        ("Посещений семьи", "{{ (visits or []) | length }}"),
    ])
    b.h2("Информация органов системы профилактики об исполнении")
    b.loop_table(["№", "Орган (учреждение)", "Дата поступления", "Информация об исполнении",
                  "Положительная динамика"],
                 ["{{ loop.index }}", "{{ r.org }}", "{{ r.received_on }}", "{{ r.text }}", "{{ r.positive }}"],
                 "for r in reports", (0.8, 4.2, 2.3, TEXT_WIDTH_CM - 9.6, 2.3),
                 empty=("not reports", "Информация об исполнении не поступала"),
                 align=("center", "left", "center", "left", "center"))
    b.h2("Исполнение мероприятий плана")
    b.plan_table(None, "Исполнитель (орган, учреждение)")
    b.h2("Посещения семьи")
    b.visits("(visits or [])")
    b.fields("Дополнительные сведения")
    b.resolution("Действующее постановление комиссии")
    b.family()
    b.signature()


def termination_notice(b: Builder) -> None:
    b.heading()
    b.text("Настоящим уведомляем, что {{ act.date }} прекращена работа с семьёй, "
           "проживающей по адресу: ", ("b", "{{ family.address }}"),
           "{% if case.workflow %} ({{ case.workflow }}){% endif %}.{% if resolution %} Основание: "
           "постановление комиссии по делам несовершеннолетних и защите их прав от {{ resolution.date }} "
           "№ {{ resolution.number }} — {{ resolution.decision }}.{% endif %}")
    b.fields("Основание и результаты прекращения работы")
    b.tag("if resolution")
    b.resolution()
    b.tag("endif")
    b.h2("Посещения семьи за период работы")
    b.text("Всего зарегистрировано посещений: ", ("b", "{{ (visits or []) | length }}"), ".")
    b.tag("if visits")
    b.visits()
    b.tag("endif")
    b.family()
    b.text("Уведомление направляется в орган опеки и попечительства, управление социальной защиты населения и "
           "комиссию по делам несовершеннолетних и защите их прав для сведения.")
    b.signature()


def resolution_dispatch_list(b: Builder) -> None:
    b.heading()
    b.text(f"Во исполнение {b.resolution_ref()} о признании несовершеннолетнего находящимся в социально опасном "
           "положении и об организации межведомственной индивидуальной профилактической работы копия постановления "
           "направляется органам и учреждениям системы профилактики, указанным комиссией, для участия в разработке "
           "межведомственного плана. Семья проживает по адресу: ", ("b", "{{ family.address }}"), ".")
    b.fields("Адресаты и срок направления предложений в план")
    b.text("Предложения в межведомственный план (мероприятия, ответственные, сроки) направляются в учреждение "
           "социального обслуживания, которому поручена разработка плана, в срок, указанный выше.")
    b.resolution()
    b.family()
    b.signature()


def quarterly_body_report(b: Builder) -> None:
    b.heading()
    b.text("Ежеквартальная информация об исполнении межведомственного плана индивидуальной профилактической работы "
           "с семьёй, проживающей по адресу: ", ("b", "{{ family.address }}"), ", направляется в районную комиссию "
           f"по делам несовершеннолетних и защите их прав. Основание: {b.resolution_ref()}.")
    b.fields("Информация за квартал")
    b.h2("Исполнение мероприятий плана")
    b.plan_table(responsible="Исполнитель (орган, учреждение)")
    b.h2("Патронаж семьи")
    b.text("Всего зарегистрировано посещений: ", ("b", "{{ (visits or []) | length }}"), ".")
    b.tag("if visits")
    b.visits()
    b.tag("endif")
    b.family()
    b.signature()


def uso_ministry_report(b: Builder) -> None:
    b.heading()
    b.text("Учреждение социального обслуживания представляет в министерство труда и социальной защиты населения "
           "Новгородской области ежеквартальный отчёт о работе с семьями по постановлениям районной комиссии по делам "
           "несовершеннолетних и защите их прав{% if figures.period %} за {{ figures.quarter }} квартал "
           "{{ figures.year }} года ({{ figures.period }}){% endif %}. Показатели посчитаны по данным учёта на дату "
           "отчёта.")
    b.h2("Показатели квартала")
    b.kv([("Дел по постановлениям РКДН в работе в квартале", "{{ figures.cases or 0 }}"),
          ("из них начато в квартале", "{{ figures.new_cases or 0 }}")], widths=(12.0, 0.0))
    b.loop_table(["Решение РКДН по итогам пересмотра плана", "Число решений"], ["{{ d.title }}", "{{ d.count }}"],
                 "for d in figures.decisions or []", (12.0, TEXT_WIDTH_CM - 12.0), align=("left", "center"))
    b.kv([("Семьи без положительной динамики в течение года (на конец квартала)", "{{ figures.no_dynamics or 0 }}")],
         widths=(12.0, 0.0))
    b.fields("Пояснения")
    b.signature()


def _person(b: Builder, caption: str = "Сведения о гражданине") -> None:
    b.h2(caption)
    b.kv([("Фамилия, имя, отчество", "{{ person.name }}"),
          ("Дата рождения", "{{ person.birth_date }}", "person.birth_date"),
          ("Категория", "{{ person.category }}"),
          ("Исправительное учреждение", "{{ person.institution }}", "person.institution"),
          ("Дата освобождения", "{{ person.release_date }}", "person.release_date"),
          ("Адрес предполагаемого места жительства или пребывания", "{{ person.address }}")])
    b.tag("if person.members")
    b.h3("Члены семьи, принятые на сопровождение")
    b.loop_table(["№", "Фамилия, имя, отчество", "Степень родства", "Дата рождения"],
                 ["{{ loop.index }}", "{{ a.name }}", "{{ a.relation }}", "{{ a.birth_date }}"],
                 "for a in person.members", (1.0, 8.5, 4.2, 3.3), align=("center", "left", "left", "center"))
    b.tag("endif")


def route_map(b: Builder) -> None:
    b.heading()
    b.text("Маршрутная карта индивидуального сопровождения после освобождения по содействию в социальной адаптации "
           "и жизнеустройстве гражданина разработана совместно со специалистами исправительного учреждения в "
           "соответствии с алгоритмом взаимодействия при осуществлении персонифицированной работы с лицами, "
           "готовящимися к освобождению и освободившимися из учреждений исполнения наказаний, а также членами их "
           "семей (приказ Депсоцразвития Югры от 28.01.2022 № 70-Р).")
    _person(b)
    b.fields("Маршрут сопровождения")
    b.text("После освобождения сопровождение организует учреждение социального обслуживания территории "
           "предполагаемого места жительства или пребывания гражданина.")
    b.signature()


def accompaniment_contract(b: Builder) -> None:
    b.heading()
    b.text("{{ org.name }} (далее — Поставщик) и гражданин, указанный ниже (далее — Получатель), заключили "
           "настоящий договор о социальном сопровождении (статьи 17 и 22 Федерального закона от 28.12.2013 № 442-ФЗ "
           "«Об основах социального обслуживания граждан в Российской Федерации») на основании индивидуальной "
           "программы предоставления социальных услуг.")
    b.points("Поставщик закрепляет за Получателем и членами его семьи, принятыми на социальное сопровождение, "
             "специалиста (куратора), который организует предоставление помощи и отвечает за конечный результат "
             "в пределах договора;",
             "Поставщик содействует в предоставлении медицинской, психологической, педагогической, юридической и "
             "социальной помощи, не относящейся к социальным услугам;",
             "Получатель сообщает куратору об изменении обстоятельств, влияющих на сопровождение.")
    b.fields("Реквизиты")
    _person(b, "Получатель")
    b.signature()


def curator_assignment(b: Builder) -> None:
    b.heading()
    b.text("В соответствии с договором о социальном сопровождении за гражданином и членами его семьи, принятыми на "
           "социальное сопровождение, закрепляется специалист (куратор), непосредственно организующий "
           "предоставление помощи в соответствии с индивидуальной программой предоставления социальных услуг и "
           "отвечающий за конечный результат.")
    b.fields("Куратор и основание")
    _person(b)
    b.signature()


ACTS: dict[str, Callable[[Builder], None]] = {
    "registration_card": registration_card,
    "inspection_order": inspection_order,
    "inspection_act": inspection_act,
    "safety_plan": safety_plan,
    "support_order": support_order,
    "support_plan": support_plan,
    "draft_conclusion": draft_conclusion,
    "approved_conclusion": approved_conclusion,
    "kdn_resolution": kdn_resolution,
    "ipr_plan": ipr_plan,
    "execution_summary": execution_summary,
    "termination_notice": termination_notice,
    "resolution_dispatch_list": resolution_dispatch_list,
    "quarterly_body_report": quarterly_body_report,
    "uso_ministry_report": uso_ministry_report,
    "route_map": route_map,
    "accompaniment_contract": accompaniment_contract,
    "curator_assignment": curator_assignment,
}


def build(names: Sequence[str] = (), folder: Path = TEMPLATES_DIR) -> list[Path]:
    """Write the templates ``names`` (all when empty) into ``folder``; the tests build them elsewhere and compare."""
    missing = set(TITLES) - set(ACTS)
    if missing:
        raise SystemExit(f"нет построителя для шаблонов: {', '.join(sorted(missing))}")
    paths = []
    for name in names or sorted(ACTS):
        builder = Builder(name)
        builder.header()
        ACTS[name](builder)
        paths.append(builder.save(folder))
    return paths


if __name__ == "__main__":
    for built in build(sys.argv[1:]):
        print(built.relative_to(TEMPLATES_DIR.parents[1]))
