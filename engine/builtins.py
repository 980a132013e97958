"""Guards and effects every workflow may use, registered by :func:`register_builtins`."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from engine.context import TransitionContext
from engine.vocabulary import Arg, Vocabulary


def register_builtins(vocabulary: Vocabulary) -> Vocabulary:
    @vocabulary.guard("field_set", "Поле дела заполнено", field=Arg("field"), message=Arg("str", required=False))
    def field_set(ctx: TransitionContext, args: Mapping[str, Any]) -> str | None:
        if ctx.case.data.get(args["field"]) in (None, "", []):
            return args.get("message") or f"Не заполнено поле дела «{args['field']}»"
        return None

    @vocabulary.effect("set_today", "Записать сегодняшнюю дату в поле дела", field=Arg("field"))
    def set_today(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        ctx.case.data[args["field"]] = ctx.today.isoformat()

    @vocabulary.effect("clear_field", "Очистить поле дела", field=Arg("field"))
    def clear_field(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        ctx.case.data.pop(args["field"], None)

    @vocabulary.effect("assign_actor", "Назначить дело выполнившему действие")
    def assign_actor(ctx: TransitionContext, args: Mapping[str, Any]) -> None:
        if ctx.actor.user_id is not None:
            ctx.case.assignee_id = ctx.actor.user_id

    return vocabulary
