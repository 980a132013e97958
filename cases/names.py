"""Normalising names and addresses for matching and search: case-insensitive, ё = е."""

from __future__ import annotations

import re

from engine.text import count, plural

__all__ = ["count", "full_name", "name_key", "normalise", "plural"]

_SPACES = re.compile(r"[\s\-‐‑–—]+")
_DROP = re.compile(r"[^\w ]+", re.UNICODE)


def normalise(text: str) -> str:
    """Lower case, ё → е, hyphens and runs of spaces → one space, punctuation dropped."""
    lowered = text.lower().replace("ё", "е")
    return _DROP.sub("", _SPACES.sub(" ", lowered)).strip()


def name_key(last_name: str, first_name: str, middle_name: str = "") -> str:
    return normalise(f"{last_name} {first_name} {middle_name}")


def full_name(last_name: str, first_name: str, middle_name: str = "") -> str:
    return " ".join(p for p in (last_name.strip(), first_name.strip(), middle_name.strip()) if p)


def contains(word: str) -> str:
    """A LIKE pattern matching ``word`` anywhere, with ``%``, ``_`` and ``\\`` taken literally (use ``escape="\\"``).

    Without it ``name=__`` would match every name of two letters or more and slip past the minimum length.
    """
    escaped = word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"
