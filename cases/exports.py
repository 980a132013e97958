"""Tables out to CSV and XLSX (the only module that imports openpyxl)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font


def to_csv(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> bytes:
    """CSV for Excel: UTF-8 with BOM, semicolon-separated (what Russian Excel opens by double-click)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(columns)
    writer.writerows(["" if v is None else v for v in row] for row in rows)
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def to_xlsx(sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]],
            widths: Sequence[int] | None = None) -> bytes:
    """A workbook with one sheet per (title, columns, rows); header rows bold, text wrapped."""
    book = Workbook()
    first = True
    for title, columns, rows in sheets:
        sheet = book.active if first else book.create_sheet()
        assert sheet is not None
        first = False
        sheet.title = title[:31]
        sheet.append(list(columns))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in rows:
            sheet.append(["" if v is None else v for v in row])
        for index, column in enumerate(columns):
            letter = sheet.cell(row=1, column=index + 1).column_letter
            width = widths[index] if widths and index < len(widths) else max(12, min(60, len(str(column)) + 4))
            sheet.column_dimensions[letter].width = width
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
