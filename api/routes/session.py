"""Logging in and out, the user's own page (sessions, API keys, password) (UI); tokens and password (API)."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Annotated
from urllib.parse import unquote, urlsplit

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field, StrictInt

from api import accounts, auth
from api.deps import api_principal
from api.web import (
    UiUser,
    check_csrf,
    client_ip,
    lifetimes,
    page,
    redirect,
    secure_cookies,
    services,
    settings_of,
    ui_user,
)
from cases.errors import InputInvalid
from cases.input_models import Line
from cases.password_policy import MIN_LENGTH
from cases.principal import Principal
from cases.tables import Organisation, Territory, User
from engine.text import TextInvalid, clean_line

router = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1", tags=["access"])
#: the login form's CSRF token lives in this cookie and in the form (there is no session yet)
LOGIN_CSRF_COOKIE = "opora_login_csrf"


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


def _login_page(request: Request, status: int = 200, **context: object) -> Response:
    token = request.cookies.get(LOGIN_CSRF_COOKIE) or secrets.token_urlsafe(24)
    response = page(request, "login.html", None, status=status, login_csrf=token, **context)
    response.set_cookie(LOGIN_CSRF_COOKIE, token, httponly=True, samesite="strict", secure=secure_cookies(request),
                        path="/login")
    return response


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/", kept: str = "") -> Response:
    """Форма входа по логину и паролю (с одноразовым токеном CSRF в cookie)."""
    return _login_page(request, next=safe_next(next), login="", error="", kept=kept == "1")


@router.post("/login", response_class=HTMLResponse)
def login(request: Request, login: Annotated[str, Form()] = "", password: Annotated[str, Form()] = "",
          next: Annotated[str, Form()] = "/", csrf: Annotated[str, Form()] = "") -> Response:
    """Войти: проверить логин и пароль (с ограничением попыток) и открыть сеанс."""
    svc = services(request)
    now = svc.runtime.clock.now()
    address = client_ip(request)
    if not auth.csrf_matches(request.cookies.get(LOGIN_CSRF_COOKIE, ""), csrf):
        return _login_page(request, status=403, next=safe_next(next), login=login,
                           error="Форма входа устарела. Введите логин и пароль ещё раз.")
    try:
        principal = auth.authenticate(svc.db, login, password, address, now)
    except (auth.NotAuthenticated, auth.TooManyAttempts) as exc:
        status = 429 if isinstance(exc, auth.TooManyAttempts) else 401
        return _login_page(request, status=status, next=safe_next(next), login=login, error=str(exc))
    span = lifetimes(request)
    with svc.db.unit_of_work() as tx:
        opened = auth.open_session(tx, principal.user_id, now, span, address=address,
                                   user_agent=request.headers.get("user-agent", ""))
        tx.commit()
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(auth.SESSION_COOKIE, opened.session_id, httponly=True, samesite="lax",
                        max_age=int(span.absolute.total_seconds()), secure=secure_cookies(request))
    response.delete_cookie(LOGIN_CSRF_COOKIE, path="/login")
    return response


@router.post("/logout")
def logout(request: Request, user: Annotated[UiUser, Depends(ui_user)],
           csrf: Annotated[str, Form()] = "") -> Response:
    """Выйти: закрыть текущий сеанс и вернуться к форме входа."""
    check_csrf(user, csrf)
    svc = services(request)
    with svc.db.unit_of_work() as tx:
        auth.close_session(tx, user.session_id)
        tx.commit()
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(auth.SESSION_COOKIE)
    return response


def _me_page(request: Request, user: UiUser, *, new_token: str = "", status: int = 200, token_error: str = ""
             ) -> Response:
    svc = services(request)
    p = user.principal
    now = svc.runtime.clock.now()
    span = lifetimes(request)
    with svc.db.read() as tx:
        org = tx.session.get(Organisation, p.org_id)
        territory = tx.session.get(Territory, p.territory)
        person = tx.session.get(User, p.user_id)
        sessions = auth.sessions_of(tx, p.user_id, now, user.session_hash, span)
        tokens = auth.tokens_of(tx, p.user_id, now)
    return page(request, "me.html", user, status=status, org_name=org.name if org else "",
                territory_name=territory.name if territory else p.territory,
                position=person.position if person else "", sessions=sessions, tokens=tokens, new_token=new_token,
                token_days=settings_of(request).token_days, idle_minutes=int(span.idle.total_seconds() // 60),
                max_hours=f"{span.absolute.total_seconds() / 3600:g}", token_error=token_error)


@router.get("/me", response_class=HTMLResponse)
def me(request: Request, user: Annotated[UiUser, Depends(ui_user)]) -> Response:
    """Личный кабинет: организация, территория, открытые сеансы и ключи API."""
    return _me_page(request, user)


@router.post("/me/tokens", response_class=HTMLResponse)
def create_token(request: Request, user: Annotated[UiUser, Depends(ui_user)], csrf: Annotated[str, Form()] = "",
                 name: Annotated[str, Form()] = "", days: Annotated[str, Form(max_length=4)] = "") -> Response:
    """Выпустить ключ API (показывается один раз) на выбранное число дней, не больше разрешённого."""
    check_csrf(user, csrf)
    svc = services(request)
    limit = settings_of(request).token_days
    chosen = int(days) if days.isdigit() and 1 <= int(days) <= limit else limit
    try:
        name = clean_line(name)
    except TextInvalid as exc:
        return _me_page(request, user, status=422, token_error=str(exc))
    with svc.db.unit_of_work() as tx:
        token = auth.issue_token(tx, user.principal.user_id, name or "API", svc.runtime.clock.now(),
                                 lifetime=timedelta(days=chosen))
        tx.commit()
    return _me_page(request, user, new_token=token)


@router.post("/me/tokens/{token_id}/revoke")
def revoke(request: Request, token_id: int, user: Annotated[UiUser, Depends(ui_user)],
           csrf: Annotated[str, Form()] = "") -> Response:
    """Отозвать свой ключ API."""
    check_csrf(user, csrf)
    svc = services(request)
    with svc.db.unit_of_work() as tx:
        auth.revoke_token(tx, user.principal.user_id, token_id, svc.runtime.clock.now())
        tx.commit()
    return redirect("/me", "Ключ отозван")


@router.post("/me/sessions/end-others")
def end_other_sessions(request: Request, user: Annotated[UiUser, Depends(ui_user)],
                       csrf: Annotated[str, Form()] = "") -> Response:
    """Завершить все сеансы, кроме текущего."""
    check_csrf(user, csrf)
    svc = services(request)
    with svc.db.unit_of_work() as tx:
        ended = auth.end_sessions(tx, user.principal.user_id, keep_hash=user.session_hash)
        tx.commit()
    return redirect("/me", f"Завершено других сеансов: {ended}")


@router.get("/me/password", response_class=HTMLResponse)
def password_form(request: Request, user: Annotated[UiUser, Depends(ui_user)]) -> Response:
    """Смена пароля (обязательна после сброса администратором)."""
    return page(request, "password.html", user, errors={}, min_length=MIN_LENGTH)


@router.post("/me/password", response_class=HTMLResponse)
def change_password(request: Request, user: Annotated[UiUser, Depends(ui_user)], csrf: Annotated[str, Form()] = "",
                    current: Annotated[str, Form(max_length=200)] = "", new: Annotated[str, Form(max_length=200)] = "",
                    repeat: Annotated[str, Form(max_length=200)] = "") -> Response:
    """Сменить пароль; остальные сеансы пользователя завершаются."""
    check_csrf(user, csrf)
    try:
        if new != repeat:
            raise InputInvalid({"repeat": "пароли не совпадают"})
        ended = services(request).execute(accounts.change_own_password, user.principal, current, new,
                                          user.session_hash)
    except InputInvalid as exc:
        return page(request, "password.html", user, status=422, errors=exc.errors, min_length=MIN_LENGTH)
    return redirect("/me", "Пароль изменён" + (f"; завершено других сеансов: {ended}" if ended else ""))


class TokenRequest(BaseModel):
    login: str = Field(max_length=64)
    password: str = Field(max_length=200)
    name: Annotated[Line, Field(max_length=120)] = "API"
    days: StrictInt | None = Field(default=None, ge=1, le=3650,
                             description="срок действия в днях (не больше OPORA_TOKEN_DAYS, по умолчанию он)")


class TokenIssued(BaseModel):
    token: str
    user_id: int
    login: str
    expires_at: str


@api.post("/tokens", response_model=TokenIssued, status_code=201)
def issue_token(request: Request, body: TokenRequest) -> TokenIssued:
    """Выдать ключ доступа по логину и паролю (ключ показывается один раз; срок — OPORA_TOKEN_DAYS)."""
    svc = services(request)
    now = svc.runtime.clock.now()
    principal = auth.authenticate(svc.db, body.login, body.password, client_ip(request), now)
    limit = settings_of(request).token_days
    lifetime = timedelta(days=min(body.days or limit, limit))
    with svc.db.unit_of_work() as tx:
        if bool(tx.session.get(User, principal.user_id).must_change_password):  # type: ignore[union-attr]
            raise auth.NotAuthenticated("Администратор сбросил пароль: сначала задайте новый пароль на /me/password")
        token = auth.issue_token(tx, principal.user_id, body.name, now, lifetime=lifetime)
        tx.commit()
    return TokenIssued(token=token, user_id=principal.user_id, login=principal.login,
                       expires_at=(now + lifetime).isoformat())


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


class PasswordChange(BaseModel):
    current: str = Field(max_length=200)
    new: str = Field(max_length=200)


class PasswordChanged(BaseModel):
    ended_sessions: int = Field(description="сколько сеансов пользователя в браузере завершено")


@api.post("/me/password", response_model=PasswordChanged)
def change_password_api(request: Request, body: PasswordChange,
                        p: Annotated[Principal, Depends(api_principal)]) -> PasswordChanged:
    """Сменить свой пароль (не короче 12 символов, не распространённый, без логина); сеансы в браузере
    завершаются, ключи API остаются."""
    ended = services(request).execute(accounts.change_own_password, p, body.current, body.new)
    return PasswordChanged(ended_sessions=ended)
