"""Rendering official acts to DOCX (docxtpl) and PDF (Jinja2 + WeasyPrint).

The only module of ours that imports docxtpl and weasyprint. An act ``name`` is a pair of
files in :data:`TEMPLATES_DIR`: ``<name>.docx`` (a Word file with docxtpl tags, generated
by ``scripts/build_docx_templates.py``) and ``<name>.html`` (a Jinja2 template extending
``_base.html``, styled by ``acts.css``). Both are rendered from the act's frozen context
(see :func:`cases.acts.build_context`) with autoescaping, so text typed by users never
becomes markup. Missing optional parts of the context (``report`` or ``resolution`` being
``None``, no plan) render as empty sections rather than errors.

Nothing is fetched from the network: the PDF may only load ``file:`` resources (the
stylesheet), and the fonts are the system's DejaVu families.

WeasyPrint, docxtpl and python-docx are imported when something is rendered, not with the
module: loading Pango takes a second, and most processes (the CLI, the server, whose acts are
rendered in a process of their own) never render anything.
"""

from __future__ import annotations

import hashlib
import io
import re
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jinja2

from cases.exports import safe_text
from workflows import TEMPLATES_DIR

__all__ = ["TEMPLATES_DIR", "available", "render_docx", "render_pdf", "render_table_report_docx",
           "template_hash"]

_NAME = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class _Source:
    html: bytes
    docx: bytes
    sha256: str


_sources: dict[str, _Source] = {}
_lock = threading.Lock()


def available() -> set[str]:
    """Templates that have both ``<name>.html`` and ``<name>.docx`` (shared parts like ``_base`` excluded)."""
    return {p.stem for p in TEMPLATES_DIR.glob("*.docx")
            if _NAME.fullmatch(p.stem) and (TEMPLATES_DIR / f"{p.stem}.html").is_file()}


def _source(name: str) -> _Source:
    """The template's files, read once per process (what is hashed is what is rendered)."""
    source = _sources.get(name)
    if source is not None:
        return source
    if not isinstance(name, str) or not _NAME.fullmatch(name) or name not in available():
        raise ValueError(f"неизвестный шаблон документа: {name!r}")
    html = (TEMPLATES_DIR / f"{name}.html").read_bytes()
    docx = (TEMPLATES_DIR / f"{name}.docx").read_bytes()
    source = _Source(html, docx, hashlib.sha256(html + docx + _shared()).hexdigest())
    with _lock:
        return _sources.setdefault(name, source)


def _shared() -> bytes:
    """The parts every PDF is built from too (``_base.html``, ``_macros.html``, …, ``acts.css``)."""
    return b"".join(p.read_bytes() for p in [*sorted(TEMPLATES_DIR.glob("_*.html")), TEMPLATES_DIR / "acts.css"])


def template_hash(name: str) -> str:
    """SHA-256 (hex) of ``<name>.html``, ``<name>.docx`` and the shared parts; ``ValueError`` for an unknown name."""
    return _source(name).sha256


def _clean(value: Any) -> Any:
    """The context with line ends normalised and characters XML cannot carry removed (``exports.safe_text``)."""
    if isinstance(value, str):
        return safe_text(value)
    if isinstance(value, Mapping):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(item) for item in value]
    return value


def _environment(loader: jinja2.BaseLoader | None = None) -> jinja2.Environment:
    return jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.ChainableUndefined,
                              trim_blocks=True, lstrip_blocks=True, auto_reload=False, keep_trailing_newline=True)


class _HtmlSourceLoader(jinja2.BaseLoader):
    """Acts come from the per-process snapshot (:func:`_source`); shared parts from the directory."""

    def get_source(self, environment: jinja2.Environment, template: str) -> tuple[str, str | None, Any]:
        stem = template.removesuffix(".html")
        if template.endswith(".html") and _NAME.fullmatch(stem) and stem in available():
            return _source(stem).html.decode("utf-8"), None, lambda: True
        return _files.get_source(environment, template)


_files = jinja2.FileSystemLoader(TEMPLATES_DIR)
_html_env = _environment(_HtmlSourceLoader())


def _html(name: str, context: Mapping[str, Any]) -> str:
    """The act as an HTML string (Jinja2, autoescaped)."""
    _source(name)
    return _html_env.get_template(f"{name}.html").render(_clean(context))


def render_pdf(name: str, context: Mapping[str, Any]) -> bytes:
    """The act ``name`` filled with ``context`` as a PDF (A4)."""
    html = _html(name, context)
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    fetcher = URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    pdf = HTML(string=html, base_url=str(TEMPLATES_DIR), url_fetcher=fetcher).write_pdf()
    return bytes(pdf)


def render_page_pdf(template: str, context: Mapping[str, Any]) -> bytes:
    """A PDF of a shared page that is not an act (``_subject_access.html``), filled with ``context``."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = _files_env.get_template(template).render(_clean(context))
    fetcher = URLFetcher(allowed_protocols={"file"}, fail_on_errors=True)
    return bytes(HTML(string=html, base_url=str(TEMPLATES_DIR), url_fetcher=fetcher).write_pdf())


_files_env = _environment(_files)


def render_docx(name: str, context: Mapping[str, Any]) -> bytes:
    """The act ``name`` filled with ``context`` as a Word document."""
    from docxtpl import DocxTemplate

    template = DocxTemplate(io.BytesIO(_source(name).docx))
    template.render(_clean(context), jinja_env=_environment(), autoescape=True)
    out = io.BytesIO()
    template.save(out)
    return out.getvalue()


def render_table_report_docx(title: str, subtitle: str,
                             sections: list[tuple[str, list[str], list[list[str]]]]) -> bytes:
    """A plain Word report: a title, a subtitle, and per section a heading and a bordered table.

    Used for the statistics and quarterly information (not an act: nothing is numbered or frozen).
    Pages turn landscape when a table has more than six columns.
    """
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Pt

    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Times New Roman"
    normal.font.size = Pt(11)
    if any(len(columns) > 6 for _, columns, _ in sections):
        page = document.sections[0]
        page.orientation = WD_ORIENT.LANDSCAPE
        page.page_width, page.page_height = page.page_height, page.page_width
    document.add_heading(_clean(title), level=1)
    for line in _clean(subtitle).split("\n"):
        document.add_paragraph(line)
    for heading, columns, rows in sections:
        document.add_heading(_clean(heading), level=2)
        table = document.add_table(rows=1, cols=len(columns))
        table.style = "Table Grid"
        for cell, text in zip(table.rows[0].cells, columns, strict=True):
            cell.text = ""
            cell.paragraphs[0].add_run(_clean(str(text))).bold = True
        for row in rows:
            cells = table.add_row().cells
            for cell, value in zip(cells, row, strict=True):
                cell.text = _clean(str(value))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
