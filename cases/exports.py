"""Tables out to CSV and XLSX (the only module that imports openpyxl), and what makes any export safe.

Every export — CSV, XLSX here, DOCX and PDF in :mod:`cases.render` — passes its text through
:func:`safe_text`: line ends normalised and the characters XML 1.0 cannot carry removed, so whatever is
already stored never breaks a download. Spreadsheet cells also pass :func:`safe_cell`: a text starting
with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return would become a live formula when the file is
opened (formula injection); in CSV it gets a leading apostrophe, in XLSX it is stored as text with the
quote prefix set (Excel shows it as typed and never evaluates it).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.worksheet.worksheet import Worksheet

#: characters XML 1.0 forbids (and \a, \f, \v, which docxtpl would turn into paragraph or page breaks), the C1
#: controls, lone surrogates and non-characters
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_text(value: str) -> str:
    """Text every export can carry: ``\\r\\n`` and ``\\r`` become ``\\n``, forbidden characters are dropped."""
    return _CONTROL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def is_formula_like(value: object) -> bool:
    """A text a spreadsheet would take for a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_START)


def safe_cell(value: object) -> object:
    """A CSV cell: text made safe and never a formula (a leading apostrophe); numbers and dates as they are."""
    if value is None:
        return ""
    if isinstance(value, str):
        return "'" + safe_text(value) if is_formula_like(value) else safe_text(value)
    return value


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV for Excel: UTF-8 with BOM, semicolon-separated (what Russian Excel opens by double-click)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow([safe_cell(c) for c in columns])
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _append(sheet: Worksheet, row: Sequence[object]) -> None:
    """One row: text cells stored as text (a formula-like text keeps its characters, with the quote prefix)."""
    values = ["" if v is None else safe_text(v) if isinstance(v, str) else v for v in row]
    sheet.append(values)
    for cell, value in zip(sheet[sheet.max_row], values, strict=False):
        if isinstance(value, str):
            cell.value = value
            cell.data_type = "s"
            if is_formula_like(value):
                cell.quotePrefix = True


def to_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]],
            widths: Sequence[int] | None = None) -> bytes:
    """A workbook with one sheet per (title, columns, rows); header rows bold, text wrapped."""
    book = Workbook()
    first = True
    for title, columns, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = safe_text(title)[:31]
        _append(sheet, list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            _append(sheet, row)
        for index, column in enumerate(columns):
            letter = sheet.cell(row=1, column=index + 1).column_letter
            width = widths[index] if widths and index < len(widths) else max(12, min(60, len(str(column)) + 4))
            sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
