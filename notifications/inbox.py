"""The in-app inbox: what the bell shows.

Messages are put here by the fan-out (:mod:`notifications.fanout`) in the same transaction
that marks their outbox row done; ``source_key`` (outbox key + channel + user) is unique, so a
message is never stored twice.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from engine.database import UnitOfWork
from engine.sql import Prepared
from engine.tables import table_of
from notifications.kinds import AGENDA
from notifications.tables import InboxItem

IN = table_of(InboxItem)
_UNREAD = Prepared(sa.select(sa.func.count().label("n")).select_from(IN)
                   .where(IN.c.user_id == sa.bindparam("user_id"), IN.c.read_at.is_(None)))


@dataclass(frozen=True)
class Message:
    id: int
    kind: str
    title: str
    body: str
    case_id: int | None
    created_at: datetime
    read_at: datetime | None

    @property
    def link(self) -> str:
        """The page the message is about: its case, or the KDN agenda."""
        if self.case_id is not None:
            return f"/cases/{self.case_id}"
        return "/kdn" if self.kind == AGENDA else ""


def unread_count(tx: UnitOfWork, user_id: int) -> int:
    row = _UNREAD.first(tx.connection, {"user_id": user_id})
    return int(row[0]) if row else 0


def total_count(tx: UnitOfWork, user_id: int, *, unread_only: bool = False) -> int:
    query = sa.select(sa.func.count()).select_from(IN).where(IN.c.user_id == user_id)
    if unread_only:
        query = query.where(IN.c.read_at.is_(None))
    return int(tx.connection.execute(query).scalar_one())


def messages(tx: UnitOfWork, user_id: int, *, unread_only: bool = False, unread_first: bool = False,
             limit: int = 50, offset: int = 0) -> list[Message]:
    """The user's messages, newest first (unread ones before read ones when ``unread_first``)."""
    query = sa.select(IN).where(IN.c.user_id == user_id)
    if unread_only:
        query = query.where(IN.c.read_at.is_(None))
    order = [IN.c.read_at.is_not(None), IN.c.id.desc()] if unread_first else [IN.c.id.desc()]
    rows = tx.connection.execute(query.order_by(*order).limit(limit).offset(offset)).all()
    return [Message(r.id, r.kind, r.title, r.body, r.case_id, r.created_at, r.read_at) for r in rows]


def mark_read(tx: UnitOfWork, user_id: int, ids: list[int] | None, now: datetime) -> int:
    """Mark the user's messages read (all of them when ``ids`` is None); return how many changed."""
    query = sa.update(IN).where(IN.c.user_id == user_id, IN.c.read_at.is_(None))
    if ids is not None:
        query = query.where(IN.c.id.in_(ids))
    return int(tx.connection.execute(query.values(read_at=now)).rowcount)


def deliver(tx: UnitOfWork, *, user_id: int, kind: str, title: str, body: str, case_id: int | None,
            source_key: str, now: datetime) -> bool:
    """Put a message in the user's inbox once; False when it was already there (a retried delivery)."""
    exists = tx.connection.execute(sa.select(IN.c.id).where(IN.c.source_key == source_key)).first()
    if exists is not None:
        return False
    tx.connection.execute(sa.insert(IN).values(user_id=user_id, kind=kind, title=title[:300], body=body,
                                               case_id=case_id, source_key=source_key[:200], created_at=now))
    return True
