"""Who is calling the REST API: a bearer token, or the UI's session cookie (with its CSRF header for changes)."""

from __future__ import annotations

from fastapi import Request

from api import auth
from api.web import lifetimes, services
from cases.principal import Principal
from cases.services import Services

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class PasswordChangeRequired(auth.NotAuthenticated):
    code = "password_change_required"
    status = 403

    def __init__(self) -> None:
        super().__init__("Администратор сбросил пароль: задайте новый пароль на странице /me/password")


def api_principal(request: Request) -> Principal:
    """The caller of an API request (dependency); 401 ``not_authenticated`` without valid credentials."""
    svc: Services = services(request)
    now = svc.runtime.clock.now()
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        with svc.db.read() as tx:
            caller = auth.token_principal(tx, header[7:].strip(), now)
        if caller is None:
            raise auth.NotAuthenticated("Ключ доступа недействителен или отозван")
        auth.record_use(svc.db, caller, now)
        return caller.principal
    session_id = request.cookies.get(auth.SESSION_COOKIE)
    caller = None
    if session_id:
        with svc.db.read() as tx:
            caller = auth.session_principal(tx, session_id, now, lifetimes(request))
    if caller is None:
        raise auth.NotAuthenticated("Требуется ключ доступа (Authorization: Bearer …) или вход в систему")
    auth.record_use(svc.db, caller, now)
    if caller.must_change_password:
        raise PasswordChangeRequired()
    if request.method not in SAFE_METHODS and not auth.csrf_matches(caller.csrf_token,
                                                                    request.headers.get("x-csrf-token")):
        raise auth.CsrfFailed()
    return caller.principal
