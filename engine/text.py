"""Text as people type or paste it, made fit to store: one Unicode form, plain whitespace, no control characters.

* :func:`clean_line` — a one-line value (a name, an address, a number): NFC, every run of whitespace
  (tabs and line breaks included) becomes one space, the ends are trimmed;
* :func:`clean_text` — a multi-line value (a description, a result): NFC, line ends become ``\\n``, tabs
  and other spaces become one space, trailing spaces of each line and blank ends are trimmed;
* :func:`plural` / :func:`count` — a noun in the Russian form its number needs («1 дело», «3 дела», «5 дел»).

Both raise :class:`TextInvalid` for a character nobody types on purpose and that breaks what is built
from the text later (an XLSX or DOCX export, a letter): the C0 and C1 control characters (except tab and
line ends, normalised as above), the bidirectional overrides that make text read differently than it is
stored, lone surrogates and the non-characters U+FFFE and U+FFFF.
"""

from __future__ import annotations

import re
import unicodedata

_FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff\ufffe\uffff]")
_SPACES = re.compile(r"[^\S\n]+")  # whitespace other than a line break
_ANY_SPACE = re.compile(r"\s+")
_BLANK_LINES = re.compile(r"\n{3,}")


class TextInvalid(ValueError):
    """The text holds a character that may not be stored; the message names it."""

    def __init__(self, char: str) -> None:
        self.char = char
        super().__init__(f"недопустимый управляющий символ U+{ord(char):04X}: уберите его (часто он попадает "
                         "в текст при копировании)")


def _check(value: str) -> str:
    found = _FORBIDDEN.search(value)
    if found:
        raise TextInvalid(found.group())
    return unicodedata.normalize("NFC", value)


def clean_line(value: str) -> str:
    """A one-line value in NFC with single spaces; raises :class:`TextInvalid`."""
    return _ANY_SPACE.sub(" ", _check(value)).strip()


def clean_text(value: str) -> str:
    """A multi-line value in NFC with ``\\n`` line ends; raises :class:`TextInvalid`."""
    text = _check(value).replace("\r\n", "\n").replace("\r", "\n")
    lines = [_SPACES.sub(" ", line).rstrip() for line in text.split("\n")]
    return _BLANK_LINES.sub("\n\n", "\n".join(lines)).strip()


def plural(n: int, one: str, few: str, many: str) -> str:
    """The Russian form of a noun for ``n``: plural(2, "день", "дня", "дней") → «дня».

    1, 21, 101 take ``one``; 2–4, 22–24 take ``few``; 0, 5–20, 25–30, 111–114 take ``many``.
    The one helper wherever a number meets a noun (pages, messages, API texts, the CLI).
    """
    n = abs(n)
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


def count(n: int, one: str, few: str, many: str) -> str:
    """``n`` with its noun: count(31, "просроченный срок", …) → «31 просроченный срок»."""
    return f"{n} {plural(n, one, few, many)}"

