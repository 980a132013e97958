"""What the notification pages and the REST API read and change for the logged-in user.

Routes only parse and render; these functions take the principal and touch only that user's
own inbox and preferences.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from cases.principal import Principal
from cases.services import Services
from cases.tables import User
from engine.database import UnitOfWork
from engine.tables import table_of
from notifications import inbox, preferences
from notifications.inbox import Message
from notifications.kinds import kind_of
from notifications.preferences import KindChoice

USR = table_of(User)


@dataclass(frozen=True)
class InboxPage:
    items: list[Message]
    total: int
    unread: int
    limit: int
    offset: int

    def kind_title(self, kind: str) -> str:
        return kind_of(kind).title


@dataclass(frozen=True)
class PreferencesView:
    items: list[KindChoice]
    #: the user's e-mail address ("" — letters cannot be sent)
    email: str


def inbox_page(tx: UnitOfWork, svc: Services, p: Principal, *, unread_only: bool = False, limit: int = 50,
               offset: int = 0) -> InboxPage:
    """The user's messages, unread first, then newest first."""
    items = inbox.messages(tx, p.user_id, unread_only=unread_only, unread_first=True, limit=limit, offset=offset)
    return InboxPage(items, inbox.total_count(tx, p.user_id, unread_only=unread_only),
                     inbox.unread_count(tx, p.user_id), limit, offset)


def mark_read(tx: UnitOfWork, svc: Services, p: Principal, ids: list[int] | None) -> int:
    """Mark the user's own messages read (all when ``ids`` is None); others' ids are ignored."""
    return inbox.mark_read(tx, p.user_id, ids, svc.runtime.clock.now())


def unread(tx: UnitOfWork, svc: Services, p: Principal) -> int:
    return inbox.unread_count(tx, p.user_id)


def preferences_view(tx: UnitOfWork, svc: Services, p: Principal) -> PreferencesView:
    email = tx.connection.execute(sa.select(USR.c.email).where(USR.c.id == p.user_id)).scalar() or ""
    return PreferencesView(preferences.choices(tx, p.user_id), email.strip())


def save_preferences(tx: UnitOfWork, svc: Services, p: Principal, wanted: Mapping[str, Mapping[str, bool]],
                     strict: bool = True) -> PreferencesView:
    """Store the user's choices and return the result; see :func:`notifications.preferences.save`."""
    preferences.save(tx, p.user_id, wanted, svc.runtime.clock.now(), strict=strict)
    return preferences_view(tx, svc, p)
