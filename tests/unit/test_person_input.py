"""One validation path for the people register: the domain's own callers (the demo) build a person's and a family
member's command through the input models the REST API uses, so the domain keeps only the rules of the day, the
database and what a category needs."""

from __future__ import annotations

import typing
from datetime import date

import pytest
from pydantic import ValidationError

from api.errors import input_problems
from api.schemas import people as schemas
from cases.errors import InputInvalid
from cases.people import (
    CATEGORIES,
    FAMILY_RELATIONS,
    NEEDS,
    SOURCES,
    AddFamilyMember,
    PersonInput,
    RegisterPerson,
    check_person,
)
from cases.people_inputs import (
    Category,
    FamilyMemberCreate,
    Need,
    PersonCreate,
    Relation,
    Source,
    checked_family_member,
    checked_person,
)
from tests.source_scan import built_without

TODAY = date(2025, 3, 3)


def person(**changes: typing.Any) -> PersonInput:
    fields: dict[str, typing.Any] = {
        "last_name": " Ёлкин ", "first_name": "Пётр", "middle_name": "Иванович", "birth_date": date(1985, 5, 17),
        "category": "to_release", "release_date": date(2025, 5, 1),
        "intended_address": "г. Сургут,   ул. Мира, д. 3", "penal_institution": "ФКУ ИК-11\tУФСИН"}
    return PersonInput(**(fields | changes))


def problems(cmd: RegisterPerson | AddFamilyMember) -> dict[str, str]:
    with pytest.raises(ValidationError) as refused:
        checked_person(cmd) if isinstance(cmd, RegisterPerson) else checked_family_member(cmd)
    return dict(input_problems(refused.value.errors()))


def test_the_model_cleans_the_text_and_keeps_every_field() -> None:
    cmd = checked_person(RegisterPerson(person(), "surgut", "volunteer", "night_stay"))
    assert cmd == RegisterPerson(PersonInput("Ёлкин", "Пётр", "Иванович", date(1985, 5, 17), "to_release",
                                             date(2025, 5, 1), "г. Сургут, ул. Мира, д. 3", "ФКУ ИК-11 УФСИН"),
                                 "surgut", "volunteer", "night_stay")
    assert checked_person(RegisterPerson(person(), "")).territory is None  # an empty territory: by the address
    member = checked_family_member(AddFamilyMember(7, PersonInput(" Ёлкина", "Анна", birth_date=date(1987, 1, 2)),
                                                   "spouse"))
    assert member == AddFamilyMember(7, PersonInput("Ёлкина", "Анна", "", date(1987, 1, 2), "family"), "spouse")


def test_what_the_domain_no_longer_repeats_is_refused_by_the_model_with_the_apis_messages() -> None:
    assert problems(RegisterPerson(person(category="family"), source="police", need="money")) == {
        "category": "недопустимое значение", "source": "недопустимое значение", "need": "недопустимое значение"}
    long = problems(RegisterPerson(person(last_name="Ё" * 101, intended_address="д" * 301,
                                          penal_institution="И" * 201, first_name="Пётр\x07")))
    assert long["last_name"] == long["intended_address"] == long["penal_institution"] == "слишком длинная строка"
    assert long["first_name"].startswith("недопустимый управляющий символ U+0007")
    assert problems(RegisterPerson(person(birth_date=date(1800, 1, 1)), territory="т" * 65)) == {
        "birth_date": "дата вне 1900–2100 годов", "territory": "слишком длинная строка"}
    assert problems(AddFamilyMember(7, person(last_name="Ё" * 101), "neighbour")) == {
        "last_name": "слишком длинная строка", "relation": "недопустимое значение"}


def test_the_domain_keeps_the_rules_of_the_day_and_of_the_category() -> None:
    with pytest.raises(InputInvalid) as refused:
        check_person(person(last_name="", birth_date=date(2025, 3, 4), release_date=None, intended_address=""),
                     TODAY)
    assert refused.value.errors == {
        "last_name": "Заполните поле", "birth_date": "Дата рождения не может быть в будущем",
        "release_date": "Укажите ожидаемую дату освобождения",
        "intended_address": "Укажите адрес предполагаемого места жительства или пребывания"}
    with pytest.raises(InputInvalid) as refused:
        check_person(person(category="released", release_date=date(2025, 3, 4)), TODAY)
    assert refused.value.errors == {"release_date": "Дата освобождения освободившегося не может быть в будущем"}
    homeless = person(category="homeless", release_date=None, intended_address="")
    assert check_person(homeless, TODAY) == homeless


def test_the_models_choices_are_the_domains_vocabulary() -> None:
    assert set(typing.get_args(Category)) == set(CATEGORIES) - {"family"}
    assert set(typing.get_args(Relation)) == set(FAMILY_RELATIONS)
    assert set(typing.get_args(Source)) == set(SOURCES)
    assert set(typing.get_args(Need)) == set(NEEDS)


def test_the_api_uses_the_same_models() -> None:
    assert schemas.PersonCreate is PersonCreate and schemas.FamilyMemberCreate is FamilyMemberCreate


def test_the_domains_own_callers_build_people_through_the_model() -> None:
    """Every ``RegisterPerson(…)`` / ``AddFamilyMember(…)`` built in the product outside the model is wrapped in
    ``checked_person(…)`` / ``checked_family_member(…)``."""
    assert built_without({"RegisterPerson": "checked_person", "AddFamilyMember": "checked_family_member"},
                         "people_inputs.py") == []
