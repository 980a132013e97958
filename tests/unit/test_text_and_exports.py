"""Text at the input (one Unicode form, plain whitespace, no control characters) and at the output (exports
that never break on what is stored and never turn a cell into a formula)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest

from cases.exports import safe_cell, safe_text, to_csv, to_xlsx
from engine.text import TextInvalid, clean_line, clean_text


@pytest.mark.parametrize(("raw", "expected"), [
    ("  Иванов  ", "Иванов"),
    ("Ива\tнов", "Ива нов"),
    ("г. Сургут,\n ул. Мира,   д. 7", "г. Сургут, ул. Мира, д. 7"),
    ("Але\u0308на", "Алёна"),  # e + combining diaeresis → ё (NFC)
    ("\u00a0Петров\u2003", "Петров"),  # no-break and em spaces
])
def test_a_line_is_nfc_with_single_spaces(raw: str, expected: str) -> None:
    assert clean_line(raw) == expected


def test_a_text_keeps_its_line_breaks() -> None:
    assert clean_text("Первое\r\nвторое\rтретье \t  слово   \n\n\n\nпосле пустых  ") == \
        "Первое\nвторое\nтретье слово\n\nпосле пустых"


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x0b", "\x1b", "\x7f", "\x85", "\u202e", "\u2066", "\ufffe"])
def test_control_characters_are_refused_by_name(char: str) -> None:
    for clean in (clean_line, clean_text):
        with pytest.raises(TextInvalid) as error:
            clean(f"Ивано{char}в")
        assert f"U+{ord(char):04X}" in str(error.value)


@pytest.mark.parametrize(("value", "csv_cell"), [
    ("=HYPERLINK(\"http://evil.example\",\"нажми\")", "'=HYPERLINK(\"http://evil.example\",\"нажми\")"),
    ("+7 912 000-00-00", "'+7 912 000-00-00"),
    ("-1+2", "'-1+2"),
    ("@SUM(A1)", "'@SUM(A1)"),
    ("\tcmd", "'\tcmd"),
    ("\r=1", "'\n=1"),
    ("Иванов", "Иванов"),
    ("Ива\x07нов\x00", "Иванов"),
    (-5, -5),
    (None, ""),
])
def test_a_spreadsheet_cell_is_never_a_formula(value: object, csv_cell: object) -> None:
    assert safe_cell(value) == csv_cell


def test_csv_neutralises_formulas_and_drops_control_characters() -> None:
    data = to_csv(["ФИО", "Адрес", "Число"], [["=1+2", "ул. Ми\x1bра", -3], ["@cmd", None, 4]])
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=";"))
    assert rows == [["ФИО", "Адрес", "Число"], ["'=1+2", "ул. Мира", "-3"], ["'@cmd", "", "4"]]


def test_xlsx_stores_formula_like_text_as_text_and_survives_control_characters() -> None:
    data = to_xlsx([("Реестр\x07", ["ФИО", "Адрес", "Число"],
                     [["=1+2", "ул. Ми\x1bра\r\nкв. 3", -3], ["-HYPERLINK(1)", "\x00", 4]])])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet is not None and sheet.title == "Реестр"
    assert [[c.value for c in row] for row in sheet.iter_rows(min_row=2)] == [
        ["=1+2", "ул. Мира\nкв. 3", -3], ["-HYPERLINK(1)", None, 4]]
    assert [(c.data_type, c.quotePrefix) for c in (sheet["A2"], sheet["B2"], sheet["A3"])] == [
        ("s", True), ("s", False), ("s", True)]  # text, never a formula ("f")


def test_safe_text_is_what_the_documents_use_too() -> None:
    from cases import render

    assert render._clean({"a": ["x\x0cy\r\n"], "b": "\x1bz"}) == {"a": ["xy\n"], "b": "z"}
    assert safe_text("a\x0bb\rc") == "ab\nc"
