"""What the adults' workflows may name besides the family process's effects: help given, a transfer to another
territory, the field type of a territory."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

import sqlalchemy as sa

from cases import families
from cases.capacity import register_capacity
from cases.people_tables import AdultHelp, AdultPerson
from cases.tables import Territory
from engine.commands import StartCase
from engine.context import TransitionContext
from engine.sql import Prepared
from engine.tables import table_of
from engine.vocabulary import Arg, FieldError, FieldType, Vocabulary

AP, AH, TER = table_of(AdultPerson), table_of(AdultHelp), table_of(Territory)

#: kinds of help (001, appendix 3, the rows of the quarterly table)
HELP_KINDS = {
    "employment": "Содействие в трудоустройстве",
    "sent_home": "Отправлен на постоянное место жительства",
    "documents": "Восстановление документов",
    "family_ties": "Восстановление родственных связей",
    "registration": "Регистрация по месту пребывания",
    "support_measures": "Содействие в назначении мер социальной поддержки",
    "urgent": "Срочная помощь (продуктовый набор, предметы первой необходимости)",
    "disability": "Содействие в оформлении инвалидности",
    "insurance": "Содействие в оформлении страховых полисов, СНИЛС",
    "pension": "Содействие в оформлении пенсии",
    "medical": "Содействие в предоставлении медицинской помощи",
    "residential": "Определён в стационарную организацию социального обслуживания",
}

_TERRITORY = Prepared(sa.select(TER.c.code).where(TER.c.code == sa.bindparam("code")))
_INSERT_HELP = Prepared(sa.insert(AH), ["case_id", "person_id", "kind", "given_on", "result", "org_id", "by_user",
                                        "created_at"])


def _territory(ctx: TransitionContext, value: Any) -> str:
    code = str(value or "").strip()
    if not code or _TERRITORY.first(ctx.connection, {"code": code}) is None:
        raise FieldError("такой территории нет")
    if code == ctx.case.territory:
        raise FieldError("дело уже в этой территории")
    return code


def register_adult_effects(vocabulary: Vocabulary) -> None:
    vocabulary.add_field_type(FieldType("territory_ref", _territory, "Территория", html_input="text"))
    register_capacity(vocabulary)

    @vocabulary.effect("record_help", "Записать оказанную помощь (виды помощи квартальной таблицы)")
    def record_help(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        assert ctx.actor.user_id is not None, "help is recorded by a person"
        given = ctx.payload.get("given_on")
        _INSERT_HELP.execute(ctx.connection, {
            "case_id": ctx.case.id, "person_id": int(ctx.case.subject_id or 0), "kind": ctx.payload["help_kind"],
            "given_on": date.fromisoformat(str(given)[:10]) if given else ctx.today,
            "result": ctx.payload.get("result", ""), "org_id": ctx.actor.org_id, "by_user": ctx.actor.user_id,
            "created_at": ctx.now}).close()

    @vocabulary.effect("transfer_territory", "Передать сопровождение в другую территорию (открыть там дело)",
                     territory_field=Arg("field"))
    def transfer_territory(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        target = str(ctx.payload[args["territory_field"]])
        keep = ("person_id", "release_date", "intended_address", "category", "released_on")
        data = {k: ctx.case.data[k] for k in keep if k in ctx.case.data}
        data.update(transferred_from=ctx.case.territory, transferred_case=ctx.case.id)
        if ctx.payload.get("new_address"):
            data["intended_address"] = str(ctx.payload["new_address"])
        started = ctx.runtime.start(ctx.tx, StartCase(
            ctx.workflow.name, ctx.actor, data=data, territory=target, org_id=None, assignee_id=None,
            subject_kind=ctx.case.subject_kind, subject_id=ctx.case.subject_id, parent_id=ctx.case.id))
        values: dict[str, Any] = {"territory": target, "case_id": started.case_id, "updated_at": ctx.now}
        if ctx.payload.get("new_address"):
            values["intended_address"] = str(ctx.payload["new_address"])
        if ctx.case.subject_id is not None:
            ctx.connection.execute(sa.update(AP).where(sa.or_(AP.c.id == ctx.case.subject_id,
                                                              AP.c.head_id == ctx.case.subject_id)).values(**values))
        ctx.case.data["transferred_to"] = target
        ctx.case.data["transfer_case"] = started.case_id
        families.add_party(ctx.tx, started.case_id, None, ctx.now)
