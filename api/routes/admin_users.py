"""Accounts: the administrator's pages (``/admin/users``) and REST endpoints (``/api/v1/users``).

Who may do what is decided in ``cases.accounts`` (administrators, their own territory); ending sessions and
revoking tokens with a reset or a deactivation in ``api.accounts``. A generated one-time password is shown
once, on the page that created it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Form, Path, Request
from fastapi.responses import Response
from pydantic import Field, StrictBool

from api import accounts as account_service
from api.routes.api_common import Caller, bearer, errors, write_errors
from api.schemas import MAX_ID, Id, Input, Public
from api.schemas.inputs import Text
from api.web import UiUser, check_csrf, page, redirect, services, ui_user
from cases import accounts
from cases.errors import InputInvalid
from cases.roles import ROLES

router = APIRouter()
ui = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/users", tags=["users"], dependencies=[Depends(bearer)])
User = Annotated[UiUser, Depends(ui_user)]
Csrf = Annotated[str, Form()]
UserId = Annotated[int, Path(ge=1, le=MAX_ID, description="номер пользователя")]
Role = Literal["guardianship", "agency", "uso_director", "curator", "kdn_secretary", "supervisor", "admin"]


# -- pages ----------------------------------------------------------------------------------------------

def _users_page(request: Request, user: UiUser, status: int = 200, **context: Any) -> Response:
    svc = services(request)
    context.setdefault("form", {})
    context.setdefault("form_errors", {})
    return page(request, "admin_users.html", user, status=status, users=svc.read(accounts.list_users, user.principal),
                orgs=svc.read(accounts.organisations, user.principal), roles=ROLES, **context)


@ui.get("/admin/users")
def users_page(request: Request, user: User) -> Response:
    """Пользователи территории: добавление, роли, отключение, сброс пароля (только для администратора)."""
    return _users_page(request, user)


def _org_id(value: str) -> int:
    return int(value) if value.isdigit() and len(value) < 10 else 0


@ui.post("/admin/users")
def add_user_form(request: Request, user: User, csrf: Csrf = "", login: Annotated[str, Form(max_length=100)] = "",
                  full_name: Annotated[str, Form(max_length=300)] = "",
                  position: Annotated[str, Form(max_length=300)] = "", email: Annotated[str, Form(max_length=300)] = "",
                  org_id: Annotated[str, Form(max_length=12)] = "",
                  roles: Annotated[list[str], Form(max_length=10)] = []) -> Response:  # noqa: B006
    """Добавить пользователя; одноразовый пароль показывается один раз и меняется при первом входе."""
    check_csrf(user, csrf)
    new = accounts.NewUser(login=login, full_name=full_name, org_id=_org_id(org_id), roles=roles, position=position,
                           email=email)
    try:
        created, password = services(request).execute(accounts.create_user, user.principal, new)
    except InputInvalid as exc:
        form = {"login": login, "full_name": full_name, "position": position, "email": email, "org_id": org_id,
                "roles": roles}
        return _users_page(request, user, status=422, form=form, form_errors=exc.errors)
    return _users_page(request, user, one_time=(created.login, password))


@ui.post("/admin/users/{user_id}/roles")
def set_roles_form(request: Request, user: User, user_id: UserId, csrf: Csrf = "",
                   roles: Annotated[list[str], Form(max_length=10)] = []) -> Response:  # noqa: B006
    """Изменить роли пользователя."""
    check_csrf(user, csrf)
    try:
        changed = services(request).execute(account_service.update_user, user.principal, user_id,
                                            accounts.UserChange(roles=roles))
    except InputInvalid as exc:
        return _users_page(request, user, status=422, row_errors={user_id: "; ".join(exc.errors.values())})
    return redirect("/admin/users", f"Роли пользователя {changed.login} изменены")


@ui.post("/admin/users/{user_id}/{action}")
def switch_user_form(request: Request, user: User, user_id: UserId,
                     action: Literal["deactivate", "activate", "reset-password"], csrf: Csrf = "") -> Response:
    """Отключить или включить пользователя, сбросить пароль."""
    check_csrf(user, csrf)
    svc = services(request)
    try:
        if action == "reset-password":
            password = svc.execute(account_service.reset_password, user.principal, user_id)
            found = svc.read(accounts.get_user, user.principal, user_id)
            return _users_page(request, user, one_time=(found.login, password))
        changed = svc.execute(account_service.update_user, user.principal, user_id,
                              accounts.UserChange(active=action == "activate"))
    except InputInvalid as exc:
        return _users_page(request, user, status=422, row_errors={user_id: "; ".join(exc.errors.values())})
    return redirect("/admin/users", f"Пользователь {changed.login} {'включён' if changed.is_active else 'отключён'}")


# -- REST -----------------------------------------------------------------------------------------------

class UserPublic(Public):
    id: int
    login: str
    full_name: str
    position: str
    email: str
    org_id: int
    org_name: str
    roles: list[str]
    is_active: bool
    must_change_password: bool = Field(description="пароль сброшен: пользователь должен задать новый")
    created_at: datetime


class UserCreate(Input):
    login: Annotated[Text, Field(min_length=1, max_length=64)]
    full_name: Annotated[Text, Field(min_length=1, max_length=200)]
    org_id: Id
    roles: Annotated[list[Role], Field(min_length=1, max_length=7)]
    position: Annotated[Text, Field(max_length=200)] = ""
    email: Annotated[Text, Field(max_length=200)] = ""
    password: Annotated[Text, Field(max_length=128, description="пусто — будет создан одноразовый пароль")] = ""


class UserCreated(Public):
    user: UserPublic
    password: str | None = Field(description="одноразовый пароль (показывается один раз), если он был создан")


class UserUpdate(Input):
    roles: Annotated[list[Role], Field(min_length=1, max_length=7)] | None = None
    full_name: Annotated[Text, Field(min_length=1, max_length=200)] | None = None
    position: Annotated[Text, Field(max_length=200)] | None = None
    email: Annotated[Text, Field(max_length=200)] | None = None
    org_id: Id | None = None
    active: StrictBool | None = None


class PasswordReset(Public):
    password: str = Field(description="одноразовый пароль: при входе пользователь должен сменить его")


def _public(view: accounts.UserView) -> UserPublic:
    return UserPublic.model_validate(view, from_attributes=True)


@api.get("", response_model=list[UserPublic], responses=errors(403))
def list_users(request: Request, p: Caller) -> Any:
    """Пользователи территории администратора."""
    return [_public(u) for u in services(request).read(accounts.list_users, p)]


@api.post("", response_model=UserCreated, status_code=201, responses=write_errors())
def create_user(request: Request, p: Caller, body: UserCreate) -> Any:
    """Добавить пользователя (пароль — не короче 12 символов, не распространённый, без логина; пустой —
    одноразовый, который нужно сменить при первом входе)."""
    new = accounts.NewUser(login=body.login, full_name=body.full_name, org_id=body.org_id, roles=list(body.roles),
                           position=body.position, email=body.email, password=body.password)
    created, password = services(request).execute(accounts.create_user, p, new)
    return UserCreated(user=_public(created), password=None if body.password else password)


@api.patch("/{user_id}", response_model=UserPublic, responses=write_errors(404))
def update_user(request: Request, p: Caller, user_id: UserId, body: UserUpdate) -> Any:
    """Изменить роли, ФИО, должность, почту, организацию или отключить пользователя (его сеансы и ключи
    сразу перестают действовать)."""
    change = accounts.UserChange(roles=list(body.roles) if body.roles is not None else None,
                                 full_name=body.full_name, position=body.position, email=body.email,
                                 org_id=body.org_id, active=body.active)
    return _public(services(request).execute(account_service.update_user, p, user_id, change))


@api.post("/{user_id}/reset-password", response_model=PasswordReset, responses=write_errors(404))
def reset_password(request: Request, p: Caller, user_id: UserId) -> Any:
    """Сбросить пароль: одноразовый пароль, все сеансы и ключи пользователя перестают действовать."""
    return PasswordReset(password=services(request).execute(account_service.reset_password, p, user_id))


router.include_router(ui)
router.include_router(api)
