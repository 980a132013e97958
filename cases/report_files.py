"""What a submitted report file is: PDF, DOCX or XLSX, told by its content (never by the name or the browser).

Reports go as a scan or export (PDF), a text (DOCX) or a table (XLSX). Case attachments keep their own narrower
list (photos and scans, :mod:`cases.images`); a report file is kept byte for byte, as submitted, and only checked:

* PDF — the header and the end-of-file marker (a truncated upload is refused);
* DOCX / XLSX — a ZIP archive whose ``[Content_Types].xml`` names the main part of a Word document or an Excel
  workbook; a macro-enabled file (``vbaProject.bin``), an encrypted one or a broken archive is refused, and so is
  an archive that would unpack to more than :data:`MAX_UNPACKED` (a ZIP bomb).
"""

from __future__ import annotations

import io
import zipfile
from dataclasses import dataclass

from cases.images import FileRefused

MEDIA_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
#: the main part each kind of OOXML archive must declare
MAIN_PARTS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}
MAX_UNPACKED = 200 * 1024 * 1024
ACCEPTED = "принимаются отчёты в форматах PDF, DOCX или XLSX"


@dataclass(frozen=True)
class ReportFile:
    kind: str  # pdf | docx | xlsx
    media_type: str
    data: bytes

    @property
    def extension(self) -> str:
        return self.kind


def _ooxml(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if sum(i.file_size for i in infos) > MAX_UNPACKED:
                raise FileRefused("архив документа распаковывается в слишком большой объём")
            if any(i.flag_bits & 0x1 for i in infos):
                raise FileRefused("зашифрованный документ не принимается: снимите пароль")
            names = {i.filename for i in infos}
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise FileRefused("документ с макросами не принимается: сохраните его как DOCX или XLSX без макросов")
            if "[Content_Types].xml" not in names:
                raise FileRefused(ACCEPTED)
            types = archive.read("[Content_Types].xml").decode("utf-8", "replace")
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise FileRefused("документ повреждён или не читается") from exc
    for kind, part in MAIN_PARTS.items():
        if part in names and f'PartName="/{part}"' in types:
            return kind
    raise FileRefused(ACCEPTED)


def check(data: bytes) -> ReportFile:
    """The report file as it is, with its kind; :class:`FileRefused` when it is not an accepted one."""
    if data.startswith(b"%PDF-"):
        if b"%%EOF" not in data[-2048:]:
            raise FileRefused("файл PDF неполный или повреждён")
        return ReportFile("pdf", MEDIA_TYPES["pdf"], data)
    if data.startswith(b"PK\x03\x04"):
        kind = _ooxml(data)
        return ReportFile(kind, MEDIA_TYPES[kind], data)
    raise FileRefused(ACCEPTED)
