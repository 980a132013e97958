"""Saved searches: criteria that name people (a surname, a birth date) travel in a POST body and are kept
under an opaque id, so URLs — in proxy logs, browser history, the Referer header — never carry them.

A saved search belongs to the user who posted it and lives a day (the retention job deletes older ones).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

import sqlalchemy as sa

from api.tables import SavedSearch
from cases.services import Services
from engine.tables import table_of

SS = table_of(SavedSearch)
LIFETIME = timedelta(days=1)


def save(svc: Services, user_id: int, kind: str, criteria: dict[str, Any]) -> str:
    """Keep ``criteria`` for the user; the opaque id to put in the URL."""
    search_id = secrets.token_urlsafe(16)
    with svc.db.unit_of_work() as tx:
        tx.connection.execute(sa.insert(SS).values(id=search_id, user_id=user_id, kind=kind, criteria=criteria,
                                                   created_at=svc.runtime.clock.now()))
        tx.commit()
    return search_id


def load(svc: Services, user_id: int, kind: str, search_id: str) -> dict[str, Any] | None:
    """The user's own criteria saved under ``search_id`` within a day, or None."""
    if not search_id or len(search_id) > 32:
        return None
    with svc.db.read() as tx:
        row = tx.connection.execute(sa.select(SS.c.criteria, SS.c.created_at).where(
            SS.c.id == search_id, SS.c.user_id == user_id, SS.c.kind == kind)).first()
    if row is None or svc.runtime.clock.now() - row.created_at > LIFETIME:
        return None
    return dict(row.criteria)
