"""Logging in and out, the user's own page and API keys (UI); issuing a token (API)."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import unquote, urlsplit

import sqlalchemy as sa
from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from api import auth
from api.deps import api_principal
from api.tables import ApiToken
from api.web import UiUser, check_csrf, page, redirect, services, ui_user
from cases.principal import Principal
from cases.tables import Organisation, Territory, User
from engine.tables import table_of

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["access"])
TOK = table_of(ApiToken)


def safe_next(target: str) -> str:
    """Where to go after logging in: ``target`` if it is a path of this site, else ``/`` (no open redirect).

    Refused, also once percent-decoded: anything not starting with one ``/`` (``//host``, schemes such as
    ``https:`` or ``javascript:``), a backslash (browsers read ``/\\host`` as ``//host``), whitespace and
    control characters (which browsers strip before reading the rest).
    """
    for candidate in (target, unquote(target)):
        if not candidate.startswith("/") or candidate.startswith("//") or "\\" in candidate:
            return "/"
        if any(ch.isspace() or not ch.isprintable() for ch in candidate):
            return "/"
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return page(request, "login.html", None, next=safe_next(next), login="", error="")


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, login: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/") -> Response:
    svc = services(request)
    now = svc.runtime.clock.now()
    address = request.client.host if request.client else ""
    try:
        with svc.db.unit_of_work() as tx:
            principal = auth.authenticate(tx, login, password, address, now)
            opened = auth.open_session(tx, principal.user_id, now)
            tx.commit()
    except (auth.NotAuthenticated, auth.TooManyAttempts) as exc:
        status = 429 if isinstance(exc, auth.TooManyAttempts) else 401
        return page(request, "login.html", None, status=status, next=safe_next(next), login=login, error=str(exc))
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, opened.session_id, httponly=True, samesite="lax",
                        max_age=int(auth.SESSION_TTL.total_seconds()), secure=request.url.scheme == "https")
    return response


@router.post("/logout")
def logout(request: Request, user: Annotated[UiUser, Depends(ui_user)],
           csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(user, csrf)
    svc = services(request)
    with svc.db.unit_of_work() as tx:
        auth.close_session(tx, user.session_id)
        tx.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, user: Annotated[UiUser, Depends(ui_user)], new_token: str = "") -> Response:
    svc = services(request)
    p = user.principal
    with svc.db.read() as tx:
        org = tx.session.get(Organisation, p.org_id)
        territory = tx.session.get(Territory, p.territory)
        person = tx.session.get(User, p.user_id)
        tokens = tx.connection.execute(sa.select(TOK).where(TOK.c.user_id == p.user_id).order_by(TOK.c.id)).all()
    return page(request, "me.html", user, org_name=org.name if org else "", territory_name=territory.name if territory
                else p.territory, position=person.position if person else "", tokens=tokens, new_token=new_token)


@router.post("/me/tokens", response_class=HTMLResponse)
def create_token(request: Request, user: Annotated[UiUser, Depends(ui_user)], csrf: Annotated[str, Form()] = "",
                 name: Annotated[str, Form()] = "") -> Response:
    check_csrf(user, csrf)
    svc = services(request)
    with svc.db.unit_of_work() as tx:
        token = auth.issue_token(tx, user.principal.user_id, name.strip() or "API", svc.runtime.clock.now())
        tx.commit()
    return me(request, user, new_token=token)


@router.post("/me/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int, user: Annotated[UiUser, Depends(ui_user)],
           csrf: Annotated[str, Form()] = "") -> Response:
    check_csrf(user, csrf)
    svc = services(request)
    with svc.db.unit_of_work() as tx:
        auth.revoke_token(tx, user.principal.user_id, token_id, svc.runtime.clock.now())
        tx.commit()
    return redirect("/me", "Ключ отозван")


class TokenRequest(BaseModel):
    login: str = Field(max_length=64)
    password: str = Field(max_length=200)
    name: str = Field(default="API", max_length=120)


class TokenIssued(BaseModel):
    token: str
    user_id: int
    login: str


@api.post("/tokens", response_model=TokenIssued, status_code=201)
def issue_token(request: Request, body: TokenRequest) -> TokenIssued:
    """Выдать ключ доступа по логину и паролю (ключ показывается один раз)."""
    svc = services(request)
    now = svc.runtime.clock.now()
    with svc.db.unit_of_work() as tx:
        principal = auth.authenticate(tx, body.login, body.password, request.client.host if request.client else "",
                                      now)
        token = auth.issue_token(tx, principal.user_id, body.name, now)
        tx.commit()
    return TokenIssued(token=token, user_id=principal.user_id, login=principal.login)


class Me(BaseModel):
    user_id: int
    login: str
    full_name: str
    org_id: int
    territory: str
    roles: list[str]


@api.get("/me", response_model=Me)
def whoami(p: Annotated[Principal, Depends(api_principal)]) -> Me:
    """Кто я: организация, территория и роли вызывающего."""
    return Me(user_id=p.user_id, login=p.login, full_name=p.full_name, org_id=p.org_id, territory=p.territory,
              roles=sorted(p.roles))
