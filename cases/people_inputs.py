"""The input models of the people register: what every caller builds a person's or a family member's command
through.

The REST API's bodies (re-exported by :mod:`api.schemas.people`) and the domain's own callers (the demo) check a
person here, so the lengths and the cleaning of the names and addresses (:mod:`engine.text`), the category, who
identified a homeless person and what they need, and a family member's relation are checked in one place; a
problem is a Russian message per field (:func:`api.errors.input_problems`). The handlers (:mod:`cases.people`)
keep the rules that need the database, the clock or the calendar, and the names the model lets through empty.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from cases.input_models import Day, Input, Line, Name
from cases.people import AddFamilyMember, PersonInput, RegisterPerson

Category = Literal["to_release", "released", "probation", "homeless"]
Relation = Literal["spouse", "parent", "child", "sibling", "other"]
Source = Literal["patrol", "uso", "provider", "volunteer", "citizen"]
Need = Literal["adaptation", "night_stay"]


class PersonCreate(Input):
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None
    category: Category = "to_release"
    release_date: Day | None = Field(default=None, description="ожидаемая (или фактическая) дата освобождения")
    intended_address: Line = Field(default="", max_length=300,
                                   description="адрес предполагаемого места жительства или пребывания после "
                                               "освобождения: по нему определяется территория")
    penal_institution: Line = Field(default="", max_length=200)
    territory: Line | None = Field(default=None, max_length=64,
                                   description="код территории, если не та, что следует из адреса")
    source: Source = Field(default="patrol", description="для БОМЖ: кем выявлен")
    need: Need = Field(default="adaptation", description="для БОМЖ: что нужно")

    def command(self) -> RegisterPerson:
        person = PersonInput(self.last_name, self.first_name, self.middle_name, self.birth_date, self.category,
                             self.release_date, self.intended_address, self.penal_institution)
        return RegisterPerson(person, self.territory or None, self.source, self.need)


class FamilyMemberCreate(Input):
    last_name: Name
    first_name: Name
    middle_name: Name = ""
    birth_date: Day | None = None
    relation: Relation = "other"

    def command(self, head_id: int) -> AddFamilyMember:
        member = PersonInput(self.last_name, self.first_name, self.middle_name, self.birth_date, "family")
        return AddFamilyMember(head_id, member, self.relation)


def checked_person(cmd: RegisterPerson) -> RegisterPerson:
    """``cmd`` as the person's input model checks and cleans it, for callers that build the command themselves
    (the demo); :class:`pydantic.ValidationError` if the model refuses it."""
    p = cmd.person
    body = PersonCreate.model_validate({
        "last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name,
        "birth_date": p.birth_date, "category": p.category, "release_date": p.release_date,
        "intended_address": p.intended_address, "penal_institution": p.penal_institution,
        "territory": cmd.territory, "source": cmd.source, "need": cmd.need})
    return body.command()


def checked_family_member(cmd: AddFamilyMember) -> AddFamilyMember:
    """``cmd`` as the family member's input model checks and cleans it; :class:`pydantic.ValidationError` if the
    model refuses it. A family member has no release date and the category «Член семьи»."""
    p = cmd.person
    body = FamilyMemberCreate.model_validate({
        "last_name": p.last_name, "first_name": p.first_name, "middle_name": p.middle_name,
        "birth_date": p.birth_date, "relation": cmd.relation})
    return body.command(cmd.head_id)
