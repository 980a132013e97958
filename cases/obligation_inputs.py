"""The input models of obligations' work: returning a submitted report with a reason and adding a roadmap item,
what every caller builds those commands through.

The REST API's bodies and the web forms (re-exported by :mod:`api.schemas.inputs`) and the domain's own callers
(the demo) check here that a return has a reason and a roadmap item its task and source, their lengths and the
cleaning of text (:mod:`engine.text`); a problem is a Russian message per field
(:func:`api.errors.input_problems`). The handlers (:mod:`cases.obligation_work`) keep the rules that need the
database or the calendar: who may, which organisation, the state, the same item twice, the working day.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from cases.input_models import Day, Id, Input, Line, Text
from cases.obligation_work import AddRoadmapItem, DecideReport


class ObligationReturn(Input):
    reason: Annotated[Text, Field(min_length=1, max_length=2000, description="что исправить")]

    def command(self, obligation_id: int) -> DecideReport:
        return DecideReport(obligation_id, False, self.reason)


class RoadmapItemCreate(Input):
    org_id: Id
    title: Annotated[Line, Field(min_length=1, max_length=300, description="задача пункта дорожной карты")]
    due_on: Day
    source: Annotated[Text, Field(min_length=1, max_length=2000, description="документ и пункт дорожной карты")]

    def command(self) -> AddRoadmapItem:
        return AddRoadmapItem(self.org_id, self.title, self.due_on, self.source)


def checked_decision(cmd: DecideReport) -> DecideReport:
    """``cmd`` as the return's input model checks and cleans it (an acceptance carries no reason);
    :class:`pydantic.ValidationError` if the model refuses it."""
    if cmd.accept:
        return DecideReport(cmd.obligation_id, True)
    return ObligationReturn.model_validate({"reason": cmd.reason}).command(cmd.obligation_id)


def checked_roadmap_item(cmd: AddRoadmapItem) -> AddRoadmapItem:
    """``cmd`` as the roadmap item's input model checks and cleans it; :class:`pydantic.ValidationError` if the
    model refuses it."""
    return RoadmapItemCreate.model_validate({"org_id": cmd.org_id, "title": cmd.title, "due_on": cmd.due_on,
                                             "source": cmd.source}).command()
