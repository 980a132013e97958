"""Report files are told by their content: PDF, DOCX and XLSX pass as they are; text, photos, macro-enabled,
encrypted, truncated or oversized archives are refused with a message for the user."""

from __future__ import annotations

import io
import zipfile

import docx
import pytest

from cases import report_files
from cases.images import FileRefused
from tests.integration.test_obligation_work import PDF, macro_document, xlsx


def word() -> bytes:
    document = docx.Document()
    document.add_paragraph("Отчёт за квартал")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def archive(files: dict[str, bytes | str], encrypted: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    data = bytearray(out.getvalue())
    if encrypted:  # the "encrypted" bit of each entry in the central directory (zipfile cannot write one)
        at = data.find(b"PK\x01\x02")
        while at != -1:
            data[at + 8] |= 0x1
            at = data.find(b"PK\x01\x02", at + 4)
    return bytes(data)


@pytest.mark.parametrize(("make", "kind"), [(lambda: PDF, "pdf"), (word, "docx"), (xlsx, "xlsx")])
def test_accepted_kinds_are_kept_byte_for_byte(make: object, kind: str) -> None:
    data = make()  # type: ignore[operator]
    found = report_files.check(data)
    assert found.kind == kind and found.data == data
    assert found.media_type == report_files.MEDIA_TYPES[kind]


@pytest.mark.parametrize(("data", "message"), [
    (b"plain text", "PDF, DOCX или XLSX"),
    (b"\xff\xd8\xff\xe0photo", "PDF, DOCX или XLSX"),
    (PDF[:-8], "неполный"),
    (b"PK\x03\x04broken", "повреждён"),
    (archive({"readme.txt": "hello"}), "PDF, DOCX или XLSX"),
    (archive({"[Content_Types].xml": '<Types><Override PartName="/ppt/presentation.xml"/></Types>',
              "ppt/presentation.xml": "<p/>"}), "PDF, DOCX или XLSX"),
    (macro_document(), "макрос"),
    (archive({"[Content_Types].xml": "<Types/>", "word/document.xml": "x"}, encrypted=True), "зашифрован"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "PDF, DOCX или XLSX"),  # a password-protected Office file
])
def test_other_files_are_refused(data: bytes, message: str) -> None:
    with pytest.raises(FileRefused) as refused:
        report_files.check(data)
    assert message in str(refused.value)


def test_an_archive_that_unpacks_too_large_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(report_files, "MAX_UNPACKED", 1000)
    with pytest.raises(FileRefused, match="слишком большой"):
        report_files.check(word())
