"""Who is calling the REST API: a bearer token, or the UI's session cookie (with its CSRF header for changes)."""

from __future__ import annotations

from datetime import datetime

from fastapi import Request
from starlette.concurrency import run_in_threadpool

from api import auth
from api.web import lifetimes, services
from cases.principal import Principal
from cases.services import Services

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


async def _record_use(svc: Services, caller: auth.Caller, now: datetime) -> None:
    if caller.stamp is not None:
        await run_in_threadpool(auth.record_use, svc.db, caller, now)


class PasswordChangeRequired(auth.NotAuthenticated):
    code = "password_change_required"
    status = 403

    def __init__(self) -> None:
        super().__init__("Администратор сбросил пароль: задайте новый пароль на странице /me/password")


async def api_principal(request: Request) -> Principal:
    """The caller of an API request (dependency); 401 ``not_authenticated`` without valid credentials.

    It runs on the event loop, not in a worker thread: the lookup is one short read by primary key (a read never
    waits for a lock), and the hop to a thread and back would cost more than the read. The stamp of use, a write
    that may wait for the lock, goes to a worker thread, and only once a minute per token or session.
    """
    svc: Services = services(request)
    now = svc.runtime.clock.now()
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with svc.db.read() as tx:
            caller = auth.token_principal(tx, header[7:].strip(), now)
        if caller is None:
            raise auth.NotAuthenticated("Ключ доступа недействителен или отозван")
        await _record_use(svc, caller, now)
        return caller.principal
    session_id = request.cookies.get(auth.SESSION_COOKIE)
    caller = None
    if session_id:
        with svc.db.read() as tx:
            caller = auth.session_principal(tx, session_id, now, lifetimes(request))
    if caller is None:
        raise auth.NotAuthenticated("Требуется ключ доступа (Authorization: Bearer …) или вход в систему")
    await _record_use(svc, caller, now)
    if caller.must_change_password:
        raise PasswordChangeRequired()
    if request.method not in SAFE_METHODS and not auth.csrf_matches(caller.csrf_token,
                                                                    request.headers.get("x-csrf-token")):
        raise auth.CsrfFailed()
    return caller.principal
