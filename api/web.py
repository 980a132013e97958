"""The UI's plumbing: templates, the logged-in user, CSRF, flash messages, security headers.

Routes stay thin: they call ``cases`` handlers and views and pass the result to :func:`page`.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from api import auth, pending_forms
from api.addresses import client_address
from cases import access
from cases.names import plural
from cases.principal import Principal
from cases.roles import ROLES
from cases.services import Services
from cases.tables import Territory
from notifications.inbox import unread_count

HERE = Path(__file__).resolve().parent
templates = Jinja2Templates(directory=str(HERE / "templates"))
FLASH_COOKIE = "opora_flash"
MONTHS = ["января", "февраля", "марта", "апреля", "мая", "июня", "июля", "августа", "сентября", "октября",
          "ноября", "декабря"]


class LoginRequired(Exception):
    """Raised by :func:`ui_user` when nobody is logged in; the app redirects to the login page."""

    def __init__(self, next_url: str) -> None:
        self.next_url = next_url


class PasswordChangeRequired(Exception):
    """Raised by :func:`ui_user` for a user whose password an administrator reset: the app sends them to
    ``/me/password`` before anything else."""


@dataclass(frozen=True)
class UiUser:
    principal: Principal
    csrf: str
    session_id: str
    #: SHA-256 of the session id (tells this session among the user's sessions)
    session_hash: str = ""


def services(request: Request) -> Services:
    svc: Services = request.app.state.services
    return svc


def settings_of(request: Request) -> Any:
    """The app's settings (``api.settings.Settings``)."""
    return request.app.state.container.settings


def lifetimes(request: Request) -> auth.Lifetimes:
    return auth.Lifetimes.from_settings(settings_of(request))


def client_ip(request: Request) -> str:
    """The client's address (the peer, or X-Forwarded-For from a trusted proxy: ``OPORA_TRUSTED_PROXIES``)."""
    peer = request.client.host if request.client else ""
    return client_address(peer, request.headers.get("x-forwarded-for", ""), settings_of(request).trusted_proxies)


#: pages a user whose password was reset may still open
PASSWORD_PAGES = ("/me/password", "/logout")


def ui_user(request: Request) -> UiUser:
    """The logged-in user of a UI request (dependency); redirects to the login page otherwise."""
    session_id = request.cookies.get(auth.SESSION_COOKIE)
    if session_id:
        svc = services(request)
        now = svc.runtime.clock.now()
        with svc.db.read() as tx:
            caller = auth.session_principal(tx, session_id, now, lifetimes(request))
        if caller is not None:
            auth.record_use(svc.db, caller, now)
            if caller.must_change_password and request.url.path not in PASSWORD_PAGES:
                raise PasswordChangeRequired()
            return UiUser(caller.principal, caller.csrf_token, session_id, caller.session_hash)
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    raise LoginRequired(target)


def secure_cookies(request: Request) -> bool:
    """Cookies get the Secure flag over HTTPS, or always with ``OPORA_SECURE_COOKIES`` (behind a TLS proxy)."""
    return request.url.scheme == "https" or bool(settings_of(request).secure_cookies)


def check_csrf(user: UiUser, token: str | None) -> None:
    if not auth.csrf_matches(user.csrf, token):
        raise auth.CsrfFailed()


# -- rendering --------------------------------------------------------------------------------------

def ru_date(value: date | datetime | None, long: bool = False) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}" if long else value.strftime("%d.%m.%Y")


def countdown(days: int) -> str:
    """«через 2 раб. дня» / «сегодня» / «просрочено на 3 раб. дня»."""
    if days == 0:
        return "сегодня"
    word = plural(days, "рабочий день", "рабочих дня", "рабочих дней")
    return f"через {days} {word}" if days > 0 else f"просрочено на {-days} {word}"


def _local(request: Request, value: datetime | None) -> str:
    if value is None:
        return ""
    zone = services(request).runtime.calendar.zone
    return value.astimezone(zone).strftime("%d.%m.%Y %H:%M")


templates.env.filters["ru_date"] = ru_date
templates.env.filters["countdown"] = countdown
templates.env.globals["ROLES"] = ROLES
templates.env.globals["plural"] = plural


#: each section of the menu: its address and title (who sees which is :func:`cases.access.menu_for`)
SECTIONS = {
    "worklist": ("/", "Мои дела"),
    "new_report": ("/reports/new", "Новое сообщение"),
    "cases": ("/cases", "Дела"),
    "people": ("/people", "Реестр людей"),
    "kdn": ("/kdn", "Повестка КДН"),
    "supervisor": ("/supervisor", "Контроль сроков"),
    "obligations": ("/obligations", "Отчётность"),
    "registry": ("/registry", "Реестр"),
    "statistics": ("/statistics", "Отчёты"),
    "workflows": ("/workflows", "Процессы"),
    "users": ("/admin/users", "Пользователи"),
    "webhooks": ("/admin/webhooks", "Вебхуки"),
}


def nav(principal: Principal) -> list[tuple[str, str]]:
    """The menu: the sections ``cases.access`` opens to the user."""
    return [SECTIONS[key] for key in access.menu_for(principal)]


def page(request: Request, template: str, user: UiUser | None, status: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the layout's context: the user, CSRF token, menu, unread count, flash message."""
    unread, territory = 0, ""
    if user is not None:
        svc = services(request)
        with svc.db.read() as tx:
            unread = unread_count(tx, user.principal.user_id)
            territory = territory_name(tx, user.principal.territory)
    flash = request.cookies.get(FLASH_COOKIE)
    pending = None
    if user is not None and pending_forms.COOKIE in request.cookies:
        pending = pending_forms.take(request, services(request), user.principal.user_id)
        context.setdefault("pending", pending)
    response = templates.TemplateResponse(request, template, {
        "user": user.principal if user else None, "csrf": user.csrf if user else "",
        "nav": nav(user.principal) if user else [], "unread": unread, "path": request.url.path,
        "flash": urllib.parse.unquote(flash) if flash else "", "local": lambda v: _local(request, v),
        "territory_name": territory, **context,
    }, status_code=status)
    if flash:
        response.delete_cookie(FLASH_COOKIE)
    if pending:
        response.delete_cookie(pending_forms.COOKIE)
    return response


_TERRITORIES: dict[str, str] = {}


def territory_name(tx: Any, code: str) -> str:
    """A territory's name (territories are few and never renamed while the server runs: cached)."""
    if code not in _TERRITORIES:
        found = tx.session.get(Territory, code)
        _TERRITORIES[code] = found.name if found else code
    return _TERRITORIES[code]


def redirect(url: str, flash: str = "") -> RedirectResponse:
    """303 after a successful form (the browser then GETs ``url``), with an optional one-time message."""
    response = RedirectResponse(url, status_code=303)
    if flash:
        response.set_cookie(FLASH_COOKIE, urllib.parse.quote(flash), max_age=60, httponly=True, samesite="lax")
    return response


def error_page(request: Request, status: int, message: str) -> Response:
    return page(request, "error.html", None, status=status, status_code=status, message=message)


def download(filename: str, data: bytes, media_type: str) -> Response:
    quoted = urllib.parse.quote(filename)
    return Response(data, media_type=media_type,
                    headers={"Content-Disposition": f"attachment; filename*=UTF-8''{quoted}"})


MEDIA = {"pdf": "application/pdf", "csv": "text/csv; charset=utf-8",
         "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
         "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
         "svg": "image/svg+xml"}
