"""The territory's profile: the page ``/workflows`` and ``/api/v1/territory/profile``.

Everyone sees which workflows their territory starts for each kind of case and its regional settings; the
administrator publishes a new revision (``cases.profile_commands`` decides who may).
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response
from pydantic import Field, StrictInt

from api.routes.api_common import Caller, bearer, errors, write_errors
from api.schemas import Input, Public
from api.web import UiUser, check_csrf, page, redirect, services, ui_user
from cases import areas, profile_commands, profiles
from cases.errors import InputInvalid

router = APIRouter()
ui = APIRouter(include_in_schema=False)
api = APIRouter(prefix="/api/v1/territory", tags=["workflows"], dependencies=[Depends(bearer)])
User = Annotated[UiUser, Depends(ui_user)]


def _page(request: Request, user: UiUser, status: int = 200, **context: Any) -> Response:
    data = services(request).read(profile_commands.profile_page, user.principal)
    context.setdefault("form_errors", {})
    area_list = services(request).read(areas.list_areas, user.principal)
    return page(request, "workflows.html", user, status=status, data=data, profiles=profiles.PROFILES,
                areas=area_list, **context)


@ui.get("/workflows")
def workflows_page(request: Request, user: User) -> Response:
    """Процессы территории: какой процесс ведёт каждый вид дел, региональные настройки, история профиля."""
    return _page(request, user)


@ui.post("/workflows/profile")
async def publish_profile_form(request: Request, user: User) -> Response:
    """Опубликовать новую редакцию профиля территории (форма администратора)."""
    form = await request.form()
    check_csrf(user, str(form.get("csrf", "")))
    profile = str(form.get("profile", ""))[:32]
    settings: dict[str, Any] = {}
    errors_: dict[str, str] = {}
    for s in profiles.PROFILES[profile].settings if profile in profiles.PROFILES else ():
        raw = str(form.get(s.name, "")).strip()[:12]
        if raw:
            if raw.isdigit():
                settings[s.name] = int(raw)
            else:
                errors_[f"settings.{s.name}"] = "целое число"
    if errors_:
        return _page(request, user, status=422, form_errors=errors_)
    try:
        applied = services(request).execute(profile_commands.publish_profile, user.principal, profile, settings,
                                            str(form.get("basis", ""))[:500].strip())
    except InputInvalid as exc:
        return _page(request, user, status=422, form_errors=exc.errors)
    return redirect("/workflows", f"Профиль «{applied.profile.title}» опубликован, редакция {applied.revision}")


class ProfilePublic(Public):
    territory: str
    profile: str
    title: str
    revision: int
    basis: str
    workflows: dict[str, str]
    settings: dict[str, Any]


class ProfileUpdate(Input):
    profile: str = Field(max_length=32, description="yugra | novgorod | stavropol")
    settings: dict[str, StrictInt] = Field(default_factory=dict, max_length=20,
                                           description="региональные настройки профиля")
    basis: str = Field(default="", max_length=500, description="основание изменения")


def _public(applied: profiles.Applied) -> ProfilePublic:
    return ProfilePublic(territory=applied.territory, profile=applied.profile.name, title=applied.profile.title,
                         revision=applied.revision, basis=applied.basis, workflows=applied.workflows,
                         settings=applied.settings)


@api.get("/profile", response_model=ProfilePublic, responses=errors())
def get_profile(request: Request, p: Caller) -> Any:
    """Профиль территории вызывающего: процесс для каждого вида дел и региональные настройки."""
    return _public(services(request).read(profile_commands.profile_page, p).applied)


@api.put("/profile", response_model=ProfilePublic, responses=write_errors())
def put_profile(request: Request, p: Caller, body: ProfileUpdate) -> Any:
    """Опубликовать новую редакцию профиля территории (только администратор). Дела, которые уже ведутся,
    остаются на своём процессе."""
    return _public(services(request).execute(profile_commands.publish_profile, p, body.profile, body.settings,
                                             body.basis))


class AreaPublic(Public):
    id: int
    name: str
    places: list[str]
    curator_id: int | None
    curator: str
    passport: str


class AreaUpdate(Input):
    places: list[str] = Field(min_length=1, max_length=200, description="улицы и населённые пункты")
    curator_id: StrictInt | None = Field(default=None, ge=1, le=2_147_483_647)
    passport: str = Field(default="", max_length=20_000, description="социальный паспорт участка")


def _area(view: areas.AreaView) -> AreaPublic:
    return AreaPublic.model_validate(view, from_attributes=True)


@api.get("/areas", response_model=list[AreaPublic], responses=errors())
def list_areas(request: Request, p: Caller) -> Any:
    """Участки территории: улицы и населённые пункты, куратор участка, социальный паспорт."""
    return [_area(a) for a in services(request).read(areas.list_areas, p)]


@api.put("/areas/{name}", response_model=AreaPublic, responses=write_errors())
def put_area(request: Request, p: Caller, name: Annotated[str, Path(max_length=120)], body: AreaUpdate) -> Any:
    """Создать или изменить участок (администратор или директор УСО); куратор участка назначается делам по адресу
    семьи при утверждении плана."""
    return _area(services(request).execute(areas.save_area, p, name, body.places, body.curator_id, body.passport))


router.include_router(ui)
router.include_router(api)
