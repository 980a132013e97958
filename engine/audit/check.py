"""Verifying the audit trail: :func:`verify`.

One pass over every event (:mod:`engine.audit.rows`) keeps, per case, the next expected seq
and the last hash, and recomputes each event's hash (:func:`engine.audit.chain.record_text`).
A case whose events all hold needs nothing more; the first event that does not — out of
order, a wrong link, a wrong hash — marks the case, which is read again on its own after the
pass and checked field by field, so each break gets its exact message
(:mod:`engine.audit.breaks`). Then each case's last event is compared with its head (the
cases are read by id beside the sorted states: a merge), and with anchors given every pin
is compared with the event it pinned and every event's date with the anchors that left it out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from engine.audit import rows as audit_rows
from engine.audit.breaks import (
    BACKDATED,
    CASE_DELETED,
    DELETED_TAIL,
    EDITED,
    GAP,
    HEAD_REPLACED,
    INSERTED,
    INSERTED_AFTER_HEAD,
    NO_EVENTS,
    ORPHAN,
    PINNED_DELETED,
    RELINKED,
    REPEATED,
    REWRITTEN,
    ChainBreak,
    Pinned,
    found,
)
from engine.audit.chain import GENESIS, at_text, payload_text, record_bytes, record_text
from engine.audit.rows import HASH, LINK, SEQ
from engine.database import UnitOfWork
from engine.text import count

#: a case's state during the pass: next seq, last hash, all good so far, events seen, pin cursor, findings,
#: the seq from which the anchors must be looked at again, the earliest date an event may carry until then
NEXT, PREV, GOOD, COUNT, CURSOR, FINDINGS, BOUND, NOT_BEFORE = range(8)
NO_PINS: list[tuple[int, str, int]] = []
NEVER = 1 << 62


def _fresh(pinned: Pinned | None) -> list[Any]:
    """A case's state before its first event (with anchors, the first event looks at them)."""
    return [1, GENESIS, True, 0, 0, None, 0 if pinned is not None else NEVER, ""]


@dataclass
class VerifyStats:
    cases: int = 0
    events: int = 0
    #: cases read a second time because an event did not hold on the first pass
    reread: int = 0


def verify(tx: UnitOfWork, case_ids: list[int] | None = None, pinned: Pinned | None = None,
           stats: VerifyStats | None = None) -> Iterator[ChainBreak]:
    """Recompute every chain (or those of ``case_ids``); yield each break found, by case.

    With ``pinned`` (from the anchors file, :func:`engine.audit.anchors.load`) also check that
    every pinned event still hashes to its pin, that no pinned case or event is gone, and that
    no event the anchors did not pin is dated before them. Counts go to ``stats`` when given.
    """
    stats = stats if stats is not None else VerifyStats()
    state = _scan(audit_rows.events(tx, case_ids), pinned)
    stats.events += sum(st[COUNT] for st in state.values())
    ids = sorted(state)
    i = 0
    seen: set[int] = set()
    for case_id, head_seq, head_hash in audit_rows.heads(tx, case_ids):
        while i < len(ids) and ids[i] < case_id:
            yield found(ids[i], None, ORPHAN, events=_count(state[ids[i]][COUNT]))
            i += 1
        st = None
        if i < len(ids) and ids[i] == case_id:
            st, i = state[case_id], i + 1
        stats.cases += 1
        if st is not None and not st[GOOD]:
            stats.reread += 1
            yield from _recheck(tx, case_id, head_seq, head_hash, pinned)
        else:
            yield from _conclude(case_id, head_seq, head_hash, st, pinned)
        if pinned is not None and case_id in pinned.pins:
            seen.add(case_id)
    for orphan in ids[i:]:
        yield found(orphan, None, ORPHAN, events=_count(state[orphan][COUNT]))
    if pinned is not None:
        for case_id in sorted(set(pinned.pins) - seen):
            if case_ids is None or case_id in case_ids:
                yield found(case_id, None, CASE_DELETED, when=pinned.when[pinned.pins[case_id][0][2]])


def _scan(batches: Iterable[Sequence[Sequence[Any]]], pinned: Pinned | None) -> dict[int, list[Any]]:
    """The one pass: each case's state after its events (see :data:`NEXT` …); the hot loop of ``verify``."""
    state: dict[int, list[Any]] = {}
    sha256 = hashlib.sha256
    for batch in batches:
        for row in batch:
            case_id = row[0]
            st = state.get(case_id)
            if st is None:
                st = state[case_id] = _fresh(pinned)
            st[COUNT] += 1
            if not st[GOOD]:
                continue
            seq, link, own, at = row[SEQ], row[LINK], row[HASH], row[10]
            at = f"{at[:10]}T{at[11:]}+00:00" if type(at) is str and len(at) == 26 else at_text(at)
            if (seq != st[NEXT] or link != st[PREV] or (data := record_bytes(row, at)) is None
                    or sha256(link.encode() + data).hexdigest() != own):
                st[GOOD], st[FINDINGS] = False, None
                continue
            st[NEXT], st[PREV] = seq + 1, own
            if seq >= st[BOUND]:
                _against_anchors(case_id, seq, own, at, st, pinned)  # type: ignore[arg-type]
            elif at < st[NOT_BEFORE]:
                _note(st, found(case_id, seq, BACKDATED, at=_moment(at),
                                when=_left_out(pinned, st)))  # type: ignore[arg-type]
    return state


def _against_anchors(case_id: int, seq: int, own: str, at: str, st: list[Any], pinned: Pinned) -> None:
    """An event at a pin (or a case's first): compare with the pins of its seq, move on to the next pin.

    ``st[CURSOR]`` becomes the first pin at or after ``seq``; the anchor just before that pin's
    is the last one that left the event out, and its time (less the grace) the earliest date the
    events up to that pin may carry (``st[NOT_BEFORE]``, checked in the loop for the others).
    """
    pins = pinned.pins.get(case_id, NO_PINS)
    j = st[CURSOR]
    while j < len(pins) and pins[j][0] < seq:
        j += 1
    st[CURSOR] = j
    k = j
    while k < len(pins) and pins[k][0] == seq:
        if pins[k][1] != own:
            _note(st, found(case_id, seq, REWRITTEN, when=pinned.when[pins[k][2]]))
            break
        k += 1
    left_out = pins[j][2] - 1 if j < len(pins) else len(pinned.not_before) - 1
    st[NOT_BEFORE] = pinned.not_before[left_out] if left_out >= 0 else ""
    st[BOUND] = NEVER if j >= len(pins) else pins[j][0] if pins[j][0] > seq else seq + 1
    if at < st[NOT_BEFORE]:
        _note(st, found(case_id, seq, BACKDATED, at=_moment(at), when=pinned.when[left_out]))


def _left_out(pinned: Pinned, st: list[Any]) -> str:
    """The time of the anchor whose date ``st[NOT_BEFORE]`` is (for the message)."""
    return pinned.when[pinned.not_before.index(st[NOT_BEFORE])]


def _note(st: list[Any], item: ChainBreak) -> None:
    if st[FINDINGS] is None:
        st[FINDINGS] = []
    st[FINDINGS].append(item)


def _conclude(case_id: int, head_seq: int, head_hash: str, st: list[Any] | None,
              pinned: Pinned | None) -> Iterator[ChainBreak]:
    """A case whose events all held on the pass: its head, what the pass noted, pins beyond its last event."""
    last_seq, last_hash = (st[NEXT] - 1, st[PREV]) if st is not None else (0, None)
    yield from _check_head(case_id, head_seq, head_hash, last_seq, last_hash)
    if st is not None and st[FINDINGS]:
        yield from st[FINDINGS]
    if pinned is not None:
        yield from _pins_beyond(case_id, last_seq, pinned)


def _recheck(tx: UnitOfWork, case_id: int, head_seq: int, head_hash: str,
             pinned: Pinned | None) -> Iterator[ChainBreak]:
    """A case whose events did not all hold: read again by seq, each problem with its own message."""
    rows = audit_rows.case_rows(tx, case_id)
    yield from _check_chain(case_id, rows)
    last_seq, last_hash = (rows[-1][SEQ], rows[-1][HASH]) if rows else (0, None)
    yield from _check_head(case_id, head_seq, head_hash, last_seq, last_hash)
    if pinned is not None:
        st = _fresh(pinned)
        for row in rows:
            at = at_text(row[10])
            if row[SEQ] >= st[BOUND]:
                _against_anchors(case_id, row[SEQ], row[HASH], at, st, pinned)
            elif at < st[NOT_BEFORE]:
                _note(st, found(case_id, row[SEQ], BACKDATED, at=_moment(at), when=_left_out(pinned, st)))
        yield from st[FINDINGS] or []
        yield from _pins_beyond(case_id, last_seq, pinned)


def _check_chain(case_id: int, rows: list[tuple[Any, ...]]) -> Iterator[ChainBreak]:
    """The field-by-field check of one case's rows (by seq)."""
    prev, prev_link, expected = GENESIS, None, 1
    for row in rows:
        seq, link, own = row[SEQ], row[LINK], row[HASH]
        if seq > expected:
            missing = (f"нет события {expected} (удалено)" if seq - 1 == expected
                       else f"нет событий {expected}–{seq - 1} (удалены)")
            yield found(case_id, seq, GAP, missing=missing)
        elif seq < expected:
            yield found(case_id, seq, REPEATED)
        elif link != prev:
            if prev_link is not None and link == prev_link:
                yield found(case_id, seq - 1, INSERTED, prev=seq - 2)
            else:
                yield found(case_id, seq, RELINKED)
        text = record_text(row, at_text(row[10]), payload_text(row[11]))
        if hashlib.sha256((link + text).encode()).hexdigest() != own:
            yield found(case_id, seq, EDITED)
        prev, prev_link, expected = own, link, max(expected, seq) + 1


def _check_head(case_id: int, head_seq: int, head_hash: str, last_seq: int,
                last_hash: str | None) -> Iterator[ChainBreak]:
    if last_hash is None:
        if head_seq:
            yield found(case_id, None, NO_EVENTS, head=head_seq)
    elif last_seq > head_seq:
        what = "событие вставлено" if last_seq == head_seq + 1 else f"события {head_seq + 1}–{last_seq} вставлены"
        yield found(case_id, head_seq + 1, INSERTED_AFTER_HEAD, what=what, head=head_seq)
    elif last_seq < head_seq:
        yield found(case_id, None, DELETED_TAIL, last=last_seq, head=head_seq)
    elif last_hash != head_hash:
        yield found(case_id, None, HEAD_REPLACED)


def _pins_beyond(case_id: int, last_seq: int, pinned: Pinned) -> Iterator[ChainBreak]:
    """Pinned events past the case's last one: deleted (head and all), reported once, at the first anchor."""
    pins = [p for p in pinned.pins.get(case_id, NO_PINS) if p[0] > last_seq]
    if pins:
        seq, _, anchor = max(pins, key=lambda p: (p[0], -p[2]))
        yield found(case_id, seq, PINNED_DELETED, when=pinned.when[anchor], pinned=seq, last=last_seq)


def _count(n: int) -> str:
    return count(n, "событие", "события", "событий")


def _moment(iso: str) -> str:
    return datetime.fromisoformat(iso).strftime("%d.%m.%Y %H:%M:%S UTC")
