"""Notifications: the inbox, the user's channel preferences, the administrator's webhooks (UI and REST).

UI: ``/notifications`` (inbox), ``/me/notifications`` (preferences), ``/admin/webhooks`` (endpoints and
the delivery log). REST under ``/api/v1/notifications``. Who may do what is decided in
``notifications.views`` / ``notifications.endpoints`` (administrators: ``cases.access``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import Response
from pydantic import Field, model_validator

from api.routes.api_common import Caller, bearer, errors
from api.schemas import MAX_ID, Id, Input, Public
from api.web import UiUser, check_csrf, page, redirect, services, ui_user
from cases.errors import InputInvalid
from notifications import endpoints, views
from notifications.config import NotifyConfig
from notifications.kinds import CHANNELS, KINDS

router = APIRouter()
ui = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/notifications", tags=["notifications"], dependencies=[Depends(bearer)])
User = Annotated[UiUser, Depends(ui_user)]
Csrf = Annotated[str, Form()]
ObjectId = Annotated[int, Path(ge=1, le=MAX_ID)]
PAGE_SIZE = 30


def _page_number(value: str) -> int:
    return max(1, min(int(value), 100_000)) if value.isdigit() and len(value) < 7 else 1


def _email_enabled(request: Request) -> bool:
    return NotifyConfig.from_settings(request.app.state.container.settings).smtp is not None


# -- the inbox ----------------------------------------------------------------------------------------

@ui.get("/notifications")
def inbox(request: Request, user: User, page_no: Annotated[str, Query(alias="page", max_length=10)] = "",
          unread: Annotated[str, Query(max_length=3)] = "") -> Response:
    """Уведомления пользователя: непрочитанные первыми, со ссылкой на дело."""
    number = _page_number(page_no)
    found = services(request).read(views.inbox_page, user.principal, unread_only=unread == "1", limit=PAGE_SIZE,
                                   offset=(number - 1) * PAGE_SIZE)
    return page(request, "notifications.html", user, inbox=found, page_no=number, page_size=PAGE_SIZE,
                unread_only=unread == "1")


@ui.post("/notifications/{message_id}/read")
def read_one(request: Request, user: User, message_id: ObjectId, csrf: Csrf = "") -> Response:
    """Отметить уведомление прочитанным."""
    check_csrf(user, csrf)
    services(request).execute(views.mark_read, user.principal, [message_id])
    return redirect("/notifications")


@ui.post("/notifications/read-all")
def read_all(request: Request, user: User, csrf: Csrf = "") -> Response:
    """Отметить все уведомления прочитанными."""
    check_csrf(user, csrf)
    marked = services(request).execute(views.mark_read, user.principal, None)
    return redirect("/notifications", f"Отмечено прочитанными: {marked}")


# -- preferences --------------------------------------------------------------------------------------

@ui.get("/me/notifications")
def preferences_page(request: Request, user: User) -> Response:
    """Настройка уведомлений: каналы для каждого вида; эскалации отключить нельзя."""
    prefs = services(request).read(views.preferences_view, user.principal)
    return page(request, "notifications_preferences.html", user, prefs=prefs, channels=CHANNELS,
                email_enabled=_email_enabled(request))


@ui.post("/me/notifications")
def save_preferences(request: Request, user: User, csrf: Csrf = "",
                     on: Annotated[list[str], Form(max_length=100)] = []) -> Response:  # noqa: B006
    """Сохранить выбор каналов (флажки ``вид:канал``; заблокированные каналы остаются включёнными)."""
    check_csrf(user, csrf)
    chosen = set(on)
    wanted = {kind: {channel: f"{kind}:{channel}" in chosen for channel in CHANNELS} for kind in KINDS}
    services(request).execute(views.save_preferences, user.principal, wanted, strict=False)
    return redirect("/me/notifications", "Настройки уведомлений сохранены")


# -- webhooks (administrator) -----------------------------------------------------------------------

def _admin_page(request: Request, user: UiUser, status: int = 200, **context: Any) -> Response:
    failed_only = request.query_params.get("failed") == "1"
    svc = services(request)
    found = svc.read(endpoints.endpoints, user.principal)
    log = svc.read(endpoints.recent_deliveries, user.principal, failed_only=failed_only)
    context.setdefault("form", {})
    context.setdefault("form_errors", {})
    return page(request, "admin_webhooks.html", user, status=status, endpoints=found, deliveries=log, kinds=KINDS,
                failed_only=failed_only, **context)


@ui.get("/admin/webhooks")
def admin_webhooks(request: Request, user: User) -> Response:
    """Вебхуки территории и журнал отправки писем и вебхуков (только для администратора)."""
    return _admin_page(request, user)


@ui.post("/admin/webhooks")
def add_webhook(request: Request, user: User, csrf: Csrf = "", name: Annotated[str, Form(max_length=200)] = "",
                url: Annotated[str, Form(max_length=600)] = "", secret: Annotated[str, Form(max_length=300)] = "",
                kinds: Annotated[list[str], Form(max_length=50)] = []) -> Response:  # noqa: B006
    """Добавить приёмник; секрет показывается один раз."""
    check_csrf(user, csrf)
    try:
        config = NotifyConfig.from_settings(request.app.state.container.settings)
        _, new_secret = endpoints.register(services(request), user.principal, config, name=name, url=url,
                                           kinds=kinds, secret=secret)
    except InputInvalid as exc:
        form = {"name": name, "url": url, "kinds": kinds}
        return _admin_page(request, user, status=422, form=form, form_errors=exc.errors)
    return _admin_page(request, user, new_secret=new_secret, flash="Приёмник добавлен")


@ui.post("/admin/webhooks/{endpoint_id}/{action}")
def switch_webhook(request: Request, user: User, endpoint_id: ObjectId, action: Literal["disable", "enable"],
                   csrf: Csrf = "") -> Response:
    """Отключить или снова включить приёмник."""
    check_csrf(user, csrf)
    services(request).execute(endpoints.set_active, user.principal, endpoint_id, action == "enable")
    return redirect("/admin/webhooks", "Приёмник включён" if action == "enable" else "Приёмник отключён")


@ui.post("/admin/deliveries/{delivery_id}/retry")
def retry_delivery(request: Request, user: User, delivery_id: ObjectId, csrf: Csrf = "") -> Response:
    """Повторить неотправленное письмо или вебхук."""
    check_csrf(user, csrf)
    services(request).execute(endpoints.retry, user.principal, delivery_id)
    return redirect("/admin/webhooks", "Уведомление поставлено на повторную отправку")


# -- REST -----------------------------------------------------------------------------------------------

class NotificationPublic(Public):
    id: int
    kind: str
    kind_title: str
    title: str
    body: str
    case_id: int | None
    link: str = Field(description="страница, к которой относится уведомление (/cases/12)")
    created_at: datetime
    read_at: datetime | None


class NotificationPage(Public):
    items: list[NotificationPublic]
    total: int
    unread: int
    limit: int
    offset: int


class MarkRead(Input):
    ids: Annotated[list[Id], Field(min_length=1, max_length=500)] | None = Field(
        default=None, description="какие уведомления отметить прочитанными")
    all: bool = Field(default=False, description="отметить все")

    @model_validator(mode="after")
    def one_of(self) -> MarkRead:
        if (self.ids is None) == (not self.all):
            raise ValueError("укажите либо ids, либо all: true")
        return self


class MarkedPublic(Public):
    marked: int = Field(description="сколько уведомлений отмечено сейчас")
    unread: int = Field(description="сколько осталось непрочитанных")


Channel = Literal["inbox", "email", "digest"]


class KindPreferencePublic(Public):
    kind: str
    title: str
    description: str
    channels: dict[str, bool] = Field(description="inbox — в системе, email — письмо сразу, digest — в сводке")
    locked: list[str] = Field(description="каналы, которые нельзя отключить")


class PreferencesPublic(Public):
    items: list[KindPreferencePublic]
    email: str = Field(description="адрес для писем (пустой — письма не отправляются)")


class PreferencesUpdate(Input):
    preferences: Annotated[dict[Annotated[str, Field(max_length=64)], dict[Channel, bool]],
                           Field(max_length=50)] = Field(description='{"case.assigned": {"email": false}, …}')


def _kind_title(kind: str) -> str:
    spec = KINDS.get(kind)
    return spec.title if spec else kind


def _prefs_public(found: views.PreferencesView) -> PreferencesPublic:
    return PreferencesPublic(items=[KindPreferencePublic(kind=c.kind, title=c.title, description=c.description,
                                                         channels=c.channels, locked=sorted(c.locked))
                                    for c in found.items], email=found.email)


@api.get("", response_model=NotificationPage, responses=errors())
def list_notifications(request: Request, p: Caller, unread_only: bool = False,
                       limit: Annotated[int, Query(ge=1, le=200)] = 50,
                       offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0) -> Any:
    """Уведомления вызывающего: непрочитанные первыми, затем новые."""
    found = services(request).read(views.inbox_page, p, unread_only=unread_only, limit=limit, offset=offset)
    items = [NotificationPublic(id=m.id, kind=m.kind, kind_title=_kind_title(m.kind), title=m.title, body=m.body,
                                case_id=m.case_id, link=m.link, created_at=m.created_at, read_at=m.read_at)
             for m in found.items]
    return NotificationPage(items=items, total=found.total, unread=found.unread, limit=limit, offset=offset)


@api.post("/read", response_model=MarkedPublic, responses=errors())
def mark_read(request: Request, p: Caller, body: MarkRead) -> Any:
    """Отметить прочитанными указанные уведомления (чужие номера пропускаются) или все."""
    svc = services(request)
    marked = svc.execute(views.mark_read, p, None if body.all else list(body.ids or []))
    return MarkedPublic(marked=marked, unread=svc.read(views.unread, p))


@api.get("/preferences", response_model=PreferencesPublic, responses=errors())
def get_preferences(request: Request, p: Caller) -> Any:
    """Каналы уведомлений вызывающего по видам."""
    return _prefs_public(services(request).read(views.preferences_view, p))


@api.put("/preferences", response_model=PreferencesPublic, responses=errors())
def put_preferences(request: Request, p: Caller, body: PreferencesUpdate) -> Any:
    """Изменить каналы (неуказанные остаются прежними); отключить эскалации в системе нельзя — ошибка 422."""
    return _prefs_public(services(request).execute(views.save_preferences, p, body.preferences))


router.include_router(ui)
router.include_router(api)
