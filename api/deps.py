"""Who is calling the REST API: a bearer token, or the UI's session cookie (with its CSRF header for changes)."""

from __future__ import annotations

from fastapi import Request

from api import auth
from api.web import services
from cases.principal import Principal
from cases.services import Services

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


def api_principal(request: Request) -> Principal:
    """The caller of an API request (dependency); 401 ``not_authenticated`` without valid credentials."""
    svc: Services = services(request)
    now = svc.runtime.clock.now()
    header = request.headers.get("authorization", "")
    with svc.db.unit_of_work() as tx:
        if header.lower().startswith("bearer "):
            principal = auth.token_principal(tx, header[7:].strip(), now)
            tx.commit()
            if principal is None:
                raise auth.NotAuthenticated("Ключ доступа недействителен или отозван")
            return principal
        session_id = request.cookies.get(auth.SESSION_COOKIE)
        found = auth.session_principal(tx, session_id, now) if session_id else None
        tx.commit()
    if found is None:
        raise auth.NotAuthenticated("Требуется ключ доступа (Authorization: Bearer …) или вход в систему")
    principal, csrf = found
    if request.method not in SAFE_METHODS and not auth.csrf_matches(csrf, request.headers.get("x-csrf-token")):
        raise auth.CsrfFailed()
    return principal
