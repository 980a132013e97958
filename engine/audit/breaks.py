"""What :func:`engine.audit.verify` can find, each kind with its own message, and what anchors pinned.

Kinds found by the chain alone: an event edited (its hash), one replaced (the next one's link),
one inserted in the middle (two events link to the same one), numbers missing (deleted
events), a number repeated, events after the case's head that the head does not count
(inserted at the end), fewer events than the head counts (deleted at the end), a last event
that is not the head, events of a case that does not exist (orphans).

Kinds found only with anchors (:mod:`engine.audit.anchors`): a pinned event that no longer hashes to
its pin (the history was rewritten, hashes and head included), pinned events or cases gone, an
event the anchors did not pin dated before them (added after the fact).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

EDITED, RELINKED, INSERTED, GAP, REPEATED = "edited", "relinked", "inserted", "gap", "repeated"
INSERTED_AFTER_HEAD, DELETED_TAIL, HEAD_REPLACED, NO_EVENTS, ORPHAN = (
    "inserted_after_head", "deleted_tail", "head_replaced", "no_events", "orphan")
REWRITTEN, PINNED_DELETED, CASE_DELETED, BACKDATED = "rewritten", "pinned_deleted", "case_deleted", "backdated"

#: one message per kind of break (Russian, with the numbers that locate it)
MESSAGES = {
    EDITED: "содержимое события изменено (хэш не совпадает)",
    RELINKED: "ссылка на предыдущее событие не совпадает: предыдущее событие заменено",
    INSERTED: "событие вставлено в середину цепочки: оно и следующее ссылаются на одно и то же событие {prev}",
    GAP: "пропуск в нумерации: {missing}",
    REPEATED: "номер события повторяется: вставлено лишнее событие с тем же номером",
    INSERTED_AFTER_HEAD: "{what} после последнего события по заголовку дела ({head})",
    DELETED_TAIL: "последние события удалены: в журнале последнее событие {last}, по заголовку дела — {head}",
    HEAD_REPLACED: "последнее событие не совпадает с заголовком дела (заменено)",
    NO_EVENTS: "у дела нет событий, хотя по заголовку дела их {head} (удалены)",
    ORPHAN: "в журнале {events} дела, которого нет в базе (дело удалено или события вставлены)",
    REWRITTEN: "событие не совпадает с закреплённым отметкой от {when}: история дела переписана",
    PINNED_DELETED: "отметка от {when} закрепила дело на событии {pinned}, а в журнале последнее — {last}: "
                    "события удалены",
    CASE_DELETED: "дело закреплено отметкой от {when}, но его нет в базе (удалено)",
    BACKDATED: "событие датировано {at}, раньше отметки от {when}, но она его не закрепила: "
               "добавлено задним числом",
}


@dataclass(frozen=True)
class ChainBreak:
    case_id: int
    seq: int | None
    problem: str
    kind: str = ""

    def __str__(self) -> str:
        if self.kind in (ORPHAN, CASE_DELETED):
            return f"дело № {self.case_id}: {self.problem}"
        where = f"событие {self.seq}" if self.seq is not None else "заголовок дела"
        return f"дело № {self.case_id}, {where}: {self.problem}"


def found(case_id: int, seq: int | None, kind: str, **facts: Any) -> ChainBreak:
    """The break of ``kind`` with its message filled in from ``facts``."""
    return ChainBreak(case_id, seq, MESSAGES[kind].format(**facts), kind)


@dataclass
class Pinned:
    """What the anchors pinned, as :func:`verify` checks it (built by :mod:`engine.anchors`).

    ``pins[case_id]`` lists ``(seq, head, anchor)`` in anchor order — one entry per anchor
    where the case's head changed; ``when[anchor]`` is the anchor's time for messages and
    ``not_before[anchor]`` the earliest time (ISO text, UTC, minus the clock grace) an event
    the anchor did not pin may carry.
    """

    pins: dict[int, list[tuple[int, str, int]]] = field(default_factory=dict)
    when: list[str] = field(default_factory=list)
    not_before: list[str] = field(default_factory=list)


