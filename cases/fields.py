"""Field types that point at organisations and users of the actor's territory."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import sqlalchemy as sa

from cases.tables import Organisation, User, UserRole
from engine.context import TransitionContext
from engine.sql import Prepared
from engine.vocabulary import FieldError, FieldType, Vocabulary

ORG = Organisation.__table__  # type: ignore[attr-defined]
USR = User.__table__  # type: ignore[attr-defined]
UR = UserRole.__table__  # type: ignore[attr-defined]

#: field type → (organisation kinds, title)
ORG_TYPES = {
    "org_ref": (None, "Организация"),
    "agency_ref": (("agency",), "Подразделение Агентства"),
    "uso_ref": (("uso",), "Учреждение социального обслуживания"),
    "kdn_ref": (("kdn",), "Комиссия по делам несовершеннолетних"),
}
#: field type → (role, same organisation as the actor?, title)
USER_TYPES = {
    "curator_ref": ("curator", True, "Куратор"),
    "agency_user_ref": ("agency", False, "Специалист Агентства"),
}


def _as_id(value: Any) -> int:
    if isinstance(value, bool):
        raise FieldError("выберите значение из списка")
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    raise FieldError("выберите значение из списка")


def _org_type(kinds: tuple[str, ...] | None) -> Callable[[TransitionContext, Any], int]:
    query = sa.select(ORG.c.id).where(ORG.c.id == sa.bindparam("id"), ORG.c.territory == sa.bindparam("territory"))
    if kinds:
        query = query.where(sa.or_(*(ORG.c.kind == kind for kind in kinds)))  # no expanding IN: prepared once
    found = Prepared(query)

    def normalise(ctx: TransitionContext, value: Any) -> int:
        org_id = _as_id(value)
        if found.first(ctx.connection, {"id": org_id, "territory": ctx.case.territory}) is None:
            raise FieldError("такой организации нет в вашей территории")
        return org_id

    return normalise


def _user_type(role: str, same_org: bool) -> Callable[[TransitionContext, Any], int]:
    query = (sa.select(USR.c.id).join(UR, UR.c.user_id == USR.c.id)
             .where(USR.c.id == sa.bindparam("id"), USR.c.is_active.is_(True),
                    USR.c.territory == sa.bindparam("territory"), UR.c.role == role))
    if same_org:
        query = query.where(USR.c.org_id == sa.bindparam("org_id"))
    found = Prepared(query)

    def normalise(ctx: TransitionContext, value: Any) -> int:
        user_id = _as_id(value)
        params = {"id": user_id, "territory": ctx.case.territory}
        if same_org:
            params["org_id"] = ctx.actor.org_id
        if found.first(ctx.connection, params) is None:
            raise FieldError("такого сотрудника нет" + (" в вашей организации" if same_org else " в вашей территории"))
        return user_id

    return normalise


def register_field_types(vocabulary: Vocabulary) -> None:
    for name, (kinds, title) in ORG_TYPES.items():
        vocabulary.add_field_type(FieldType(name, _org_type(kinds), title, html_input="select", ref="org"))
    for name, (role, same_org, title) in USER_TYPES.items():
        vocabulary.add_field_type(FieldType(name, _user_type(role, same_org), title, html_input="select", ref="user"))
