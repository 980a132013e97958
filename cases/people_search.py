"""The people register searched by any part of the full name: each typed word is a substring of the surname, the
first name or the patronymic (case- and ё/е-insensitive, as ``names.normalise`` writes ``name_key``).

A word of three letters or more is looked up in a trigram index of ``name_key`` (migration ``0014_people_search``):
on SQLite the FTS5 table ``adult_person_name`` with the trigram tokenizer, kept in step with ``adult_person`` by
triggers; on PostgreSQL a GIN index with ``pg_trgm``'s ``gin_trgm_ops``, which serves ``LIKE '%…%'`` itself. The
index only narrows the candidates: every word is then checked with ``LIKE`` (``%`` and ``_`` taken literally), so
the result is the same with or without it. A word of one or two letters has too few letters for a trigram: it
matches the beginning of a part of the name («ив» finds Иванов and Пётр Иванович, not Сливин).
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.selectable import Join

from cases.names import contains, normalise
from cases.people_tables import AdultPerson
from engine.tables import table_of

AP = table_of(AdultPerson)
#: the SQLite trigram table (its shadow tables are named after it) and the PostgreSQL index: not modelled by
#: SQLModel, so the schema comparison of the tests leaves them out
NAME_INDEX = "adult_person_name"
PG_NAME_INDEX = "ix_adult_person_name_trgm"
SHORTEST_TRIGRAM_WORD = 3
_FTS = sa.table(NAME_INDEX, sa.column("rowid"), sa.column("name_key"))


class _Driven(Join):
    """A join whose left side SQLite must read first (``CROSS JOIN``): with sampled statistics (``ANALYZE`` under
    ``analysis_limit``) its planner would otherwise walk the territory's people and ask the trigram table about
    each of them — seconds instead of milliseconds."""

    inherit_cache = True


@compiles(_Driven, "sqlite")
def _cross_join(join: _Driven, compiler: Any, **kw: Any) -> str:
    kw["asfrom"] = True
    left, right = compiler.process(join.left, **kw), compiler.process(join.right, **kw)
    return f"{left} CROSS JOIN {right} ON {compiler.process(join.onclause, **kw)}"


def not_modelled(name: str | None) -> bool:
    """Whether a table or index of the database is part of the name index (not of the models)."""
    return bool(name) and (name == PG_NAME_INDEX or str(name).startswith(NAME_INDEX))


def words(text: str) -> list[str]:
    return normalise(text).split()


def _escaped(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def _phrase(word: str) -> str:
    return '"' + word.replace('"', '""') + '"'


def source(dialect: str, text: str) -> tuple[sa.FromClause, list[sa.ColumnElement[bool]]]:
    """The rows to read for the typed name and the conditions on them: every word must be found in the name.

    On SQLite a word of three letters or more makes the trigram table the first table of the join: only its matches
    are read from ``adult_person`` (by rowid), instead of every person of the territory."""
    typed = words(text)
    clauses: list[sa.ColumnElement[bool]] = []
    rows: sa.FromClause = AP
    long = [w for w in typed if len(w) >= SHORTEST_TRIGRAM_WORD]
    if long and dialect == "sqlite":
        rows = _Driven(_FTS, AP, AP.c.id == _FTS.c.rowid)
        # FTS5: phrases side by side must all be found; a trigram phrase is found where it is a substring
        clauses.append(_FTS.c.name_key.op("MATCH")(" ".join(_phrase(w) for w in long)))
    for word in typed:
        if len(word) >= SHORTEST_TRIGRAM_WORD:
            clauses.append(AP.c.name_key.like(contains(word), escape="\\"))
        else:
            clauses.append(sa.or_(AP.c.name_key.like(_escaped(word) + "%", escape="\\"),
                                  AP.c.name_key.like("% " + _escaped(word) + "%", escape="\\")))
    return rows, clauses
