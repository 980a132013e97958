"""A form sent after the session expired is kept, not lost: the server stores what was typed for the user whose
session it was, bound to this browser by a cookie, and shows the form filled in again after the user logs in.

Nothing kept is ever executed: the user reads the refilled form and sends it themselves, with the new session's
CSRF token. The record is a saved search of kind ``pending_form`` (an opaque id, the user's own, read once,
at most :data:`LIFETIME` old; the retention job deletes what is left after a day). Passwords, CSRF tokens and
files are never kept.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit

import sqlalchemy as sa
from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from api import auth
from api.saved_search import SS
from cases.services import Services

COOKIE = "opora_pending"
KIND = "pending_form"
LIFETIME = timedelta(hours=2)
#: what is never kept: secrets of the old session and of the user
SKIPPED = {"csrf", "password", "current", "new", "repeat", "expected_version"}
MAX_FIELDS, MAX_CHARS = 60, 64_000


def _page_of(request: Request, action: str) -> str:
    """The page the form was on (the same-origin Referer), else the case the action belongs to, else ``/``."""
    from api.routes.session import safe_next

    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc == request.url.netloc and referer.path:
        return safe_next(referer.path + (f"?{referer.query}" if referer.query else ""))
    parts = action.strip("/").split("/")
    if len(parts) >= 2 and parts[0] == "cases" and parts[1].isdigit():
        return f"/cases/{parts[1]}"
    return "/"


async def keep(request: Request, svc: Services) -> Response:
    """Answer a POST whose session is gone: keep its fields (when the session's owner is known) and send the
    browser to the login page, which then returns to the page of the form."""
    action = request.url.path
    target = _page_of(request, action)
    owner = None
    session_id = request.cookies.get(auth.SESSION_COOKIE)
    if session_id:
        with svc.db.read() as tx:
            owner = auth.session_owner(tx, session_id)
    values: dict[str, str] = {}
    try:
        form = await request.form()
        for name, value in form.multi_items():
            if isinstance(value, str) and name not in SKIPPED and len(values) < MAX_FIELDS:
                values.setdefault(name, value)
    except Exception:  # a body that is not a form (or too big) is not kept; the login still follows
        values = {}
    kept = owner is not None and values and len(json.dumps(values, ensure_ascii=False)) <= MAX_CHARS
    response = RedirectResponse(f"/login?next={quote(target)}{'&kept=1' if kept else ''}", status_code=303)
    if kept:
        key = secrets.token_urlsafe(16)
        with svc.db.unit_of_work() as tx:
            tx.connection.execute(sa.insert(SS).values(
                id=key, user_id=owner, kind=KIND, created_at=svc.runtime.clock.now(),
                criteria={"action": action, "page": target.split("?")[0], "values": values}))
            tx.commit()
        response.set_cookie(COOKIE, key, max_age=int(LIFETIME.total_seconds()), httponly=True, samesite="lax",
                            secure=request.url.scheme == "https" or bool(_settings(request).secure_cookies))
    return response


def _settings(request: Request) -> Any:
    return request.app.state.container.settings


def take(request: Request, svc: Services, user_id: int) -> dict[str, Any] | None:
    """The kept form of this browser and user for the page being shown (read once), or None."""
    key = request.cookies.get(COOKIE)
    if not key or len(key) > 32:
        return None
    with svc.db.read() as tx:
        row = tx.connection.execute(sa.select(SS.c.criteria, SS.c.created_at).where(
            SS.c.id == key, SS.c.user_id == user_id, SS.c.kind == KIND)).first()
    if row is None or svc.runtime.clock.now() - row.created_at > LIFETIME:
        return None
    if row.criteria.get("page") != request.url.path:
        return None
    with svc.db.unit_of_work() as tx:
        tx.connection.execute(sa.delete(SS).where(SS.c.id == key))
        tx.commit()
    return dict(row.criteria)
