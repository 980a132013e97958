"""Loading workflow files: every validation rule reports the file, line, path and a Russian message.

Each file in ``tests/fixtures/broken/`` is ``valid_base.yaml`` with one rule broken (its
first line says which), so a broken file is expected to produce exactly the problems
listed here and nothing else.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from engine.definition import (
    Call,
    Duration,
    Escalation,
    Notify,
    Parameter,
    Timeout,
    Unit,
    Workflow,
)
from engine.errors import Problem, WorkflowInvalid
from engine.loader import content_hash, load_workflow
from engine.machine import compile_workflow
from engine.vocabulary import Vocabulary
from engine.yamlsource import LOADER, read_yaml
from tests.unit.conftest import FIXTURES, REVIEW_YAML
from workflows import WORKFLOWS_DIR

BROKEN = FIXTURES / "broken"
DEADLINE = "states.checking.deadlines[0]"


def load_fixture(name: str, vocabulary: Vocabulary) -> Workflow:
    path = BROKEN / f"{name}.yaml"
    return load_workflow(path.read_text(encoding="utf-8"), vocabulary, filename=path.name)


def problems_of(name: str, vocabulary: Vocabulary) -> list[Problem]:
    with pytest.raises(WorkflowInvalid) as info:
        load_fixture(name, vocabulary)
    problems = info.value.problems
    assert {p.file for p in problems} == {f"{name}.yaml"}
    return problems


def only_problem(name: str, vocabulary: Vocabulary) -> Problem:
    problems = problems_of(name, vocabulary)
    assert len(problems) == 1, "\n".join(map(str, problems))
    return problems[0]


def test_the_base_of_the_broken_fixtures_is_valid(vocabulary: Vocabulary) -> None:
    wf = load_fixture("valid_base", vocabulary)
    assert wf.name == "inspection"
    assert list(wf.states) == ["draft", "checking", "done"]


# (fixture, line of the offending key, path, distinctive part of the message);
# the fixture name is the test id.
SINGLE_PROBLEM = [
    # graph
    ("unknown_state_to", 36, "transitions[1].to", "неизвестное состояние «finished»"),
    ("unknown_state_from", 35, "transitions[1].from[1]", "неизвестное состояние «review»"),
    ("unreachable_state", 25, "states.archived", "состояние «archived» недостижимо из начального «draft»"),
    ("no_way_out", 25, "states.paused", "из неконечного состояния «paused» нет выхода"),
    ("duplicate_event", 45, "transitions[3].event",
     "событие «approve» из состояния «checking» уже объявлено в transitions[1]"),
    # roles
    ("unknown_role", 30, "transitions[0].roles[1]", "неизвестная роль «janitor»"),
    ("unknown_escalation_role", 20, f"{DEADLINE}.escalate[0].to", "неизвестная роль «janitor»"),
    # vocabulary references
    ("unknown_guard", 38, "transitions[1].guards[1]", "условие (guard) «moon_is_full» не зарегистрирован"),
    ("unknown_effect", 39, "transitions[1].effects[1]", "действие (effect) «send_pigeon» не зарегистрирован"),
    ("unknown_template", 41, "transitions[1].effects[0].issue_act.template",
     "шаблон документа «eviction_notice» не найден"),
    ("missing_effect_arg", 39, "transitions[1].effects[0].issue_act",
     "у «issue_act» не задан обязательный аргумент «template»"),
    ("unknown_effect_arg", 42, "transitions[1].effects[0].issue_act.copies",
     "у «issue_act» нет аргумента «copies»"),
    # durations
    ("duration_weeks", 17, f"{DEADLINE}.due", "непонятная длительность «3 weeks»"),
    ("duration_wdays", 17, f"{DEADLINE}.due.wdays", "неизвестная единица «wdays»"),
    ("duration_negative", 17, f"{DEADLINE}.due.days", "количество «-1» должно быть целым числом ≥ 0"),
    ("duration_two_units", 17, f"{DEADLINE}.due", "должна иметь ровно одну единицу, а имеет 2"),
    ("duration_same_day_false", 17, f"{DEADLINE}.due.same_working_day",
     "same_working_day принимает только true"),
    # parameters and fields
    ("undeclared_param_duration", 17, f"{DEADLINE}.due.param",
     "параметр «check_weeks» используется, но не объявлен в parameters"),
    ("undeclared_param_arg", 38, "transitions[1].guards[1].visits_within.limit",
     "параметр «max_visits» используется, но не объявлен в parameters"),
    ("param_not_duration", 18, f"{DEADLINE}.due.param", "параметр «max_visits» не является длительностью"),
    ("from_field_not_date", 17, f"{DEADLINE}.due.from_field", "поле «note» не является полем-датой дела"),
    ("from_field_not_saved", 17, f"{DEADLINE}.due.from_field",
     "поле «visit_on» не является полем-датой дела"),
    # states
    ("no_initial", 7, "states", "начальных состояний 0 (нет)"),
    ("two_initials", 7, "states", "начальных состояний 2 (draft, checking)"),
    ("final_with_deadlines", 25, "states.done.deadlines", "у конечного состояния не может быть сроков"),
    ("transition_from_final", 47, "transitions[3].from", "из конечного состояния «done» нет переходов"),
    # deadlines
    ("deadline_without_basis", 14, f"{DEADLINE}.basis", "Основание срока"),
    ("deadline_without_due", 14, DEADLINE, "у срока нет due"),
    ("manual_with_due", 18, f"{DEADLINE}.due", "у срока с manual: true дата задаётся при открытии"),
    ("timeout_not_leaving", 21, f"{DEADLINE}.timeout.event",
     "событие «submit» не выходит из состояния «checking»"),
    ("timeout_not_system", 21, f"{DEADLINE}.timeout.event", "событие «expire» не разрешено роли system"),
    # restart
    ("restart_not_internal", 38, "transitions[1].restart[0]",
     "перезапуск срока возможен только во внутреннем переходе"),
    ("restart_unknown_deadline", 49, "transitions[3].restart[0]",
     "в состоянии «checking» нет срока «review»"),
    # schema
    ("unknown_top_key", 5, "owner", "неизвестный ключ «owner»"),
    ("unknown_field_type", 32, "transitions[0].fields.visit_on.type", "неизвестный тип поля «money»"),
    ("future_not_date", 33, "transitions[0].fields.note.future", "бывает только у полей date и datetime"),
    ("choice_without_choices", 33, "transitions[0].fields.result.choices",
     "у поля выбора нет вариантов (choices)"),
    ("duplicate_key", 13, "states.checking.title", "ключ повторяется"),
    ("version_zero", 3, "version", "версия «0» должна быть целым числом ≥ 1"),
    ("version_float", 3, "version", "версия «1.5» должна быть целым числом ≥ 1"),
    ("version_text", 3, "version", "версия «первая» должна быть целым числом ≥ 1"),
    ("version_bool", 3, "version", "версия «True» должна быть целым числом ≥ 1"),
]


@pytest.mark.parametrize(("name", "line", "path", "what"), SINGLE_PROBLEM,
                         ids=[c[0] for c in SINGLE_PROBLEM])
def test_broken_rule_is_reported_with_line_and_path(
    vocabulary: Vocabulary, name: str, line: int, path: str, what: str
) -> None:
    problem = only_problem(name, vocabulary)
    assert (problem.line, problem.path) == (line, path)
    assert what in problem.what


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("unknown_role", "boss, clerk, reviewer, system"),
        ("unknown_escalation_role", "assignee, boss, clerk, reviewer, system"),
        ("unknown_guard", "field_set, no_open_items, visits_within"),
        ("unknown_template", "inspection_act"),
        ("unknown_state_to", "draft, checking, done"),
        ("timeout_not_leaving", "approve, expire"),
        ("restart_unknown_deadline", "check"),
        ("undeclared_param_duration", "check_days"),
        ("from_field_not_date", "visit_on"),
    ],
)
def test_problem_says_what_would_be_right(vocabulary: Vocabulary, name: str, expected: str) -> None:
    assert only_problem(name, vocabulary).expected == expected


def test_problem_renders_as_file_line_path_message(vocabulary: Vocabulary) -> None:
    assert str(only_problem("unknown_role", vocabulary)) == (
        "unknown_role.yaml:30: transitions[0].roles[1]: неизвестная роль «janitor»; "
        "ожидается: boss, clerk, reviewer, system"
    )


def test_workflow_without_final_state_also_has_a_dead_end(vocabulary: Vocabulary) -> None:
    found = {(p.line, p.path, p.what) for p in problems_of("no_final", vocabulary)}
    assert found == {
        (7, "states", "нет ни одного конечного состояния"),
        (22, "states.done", "из неконечного состояния «done» нет выхода"),
    }


def test_yaml_syntax_error_reports_its_line(vocabulary: Vocabulary) -> None:
    problem = only_problem("yaml_syntax", vocabulary)
    assert (problem.line, problem.path) == (27, "")
    assert problem.what.startswith("синтаксическая ошибка YAML")
    assert "mapping values are not allowed" in problem.what  # libyaml: "… in this context"; PyYAML: "… here"


def test_several_problems_are_reported_together(vocabulary: Vocabulary) -> None:
    with pytest.raises(WorkflowInvalid) as info:
        load_fixture("several_problems", vocabulary)
    found = sorted((p.line, p.path) for p in info.value.problems)
    assert found == [
        (17, f"{DEADLINE}.due"),
        (30, "transitions[0].roles[1]"),
        (38, "transitions[1].guards[1]"),
        (45, "owner"),
    ]
    message = str(info.value)
    assert message.startswith("Описание процесса содержит ошибки (4):")
    assert "several_problems.yaml:30: transitions[0].roles[1]: неизвестная роль «janitor»" in message


def test_from_field_may_name_a_declared_case_date_field(vocabulary: Vocabulary) -> None:
    text = (BROKEN / "from_field_not_saved.yaml").read_text(encoding="utf-8")
    fixed = text + "case_fields:\n  visit_on: {type: date, title: Дата посещения}\n"
    wf = load_workflow(fixed, vocabulary, filename="fixed.yaml")
    assert wf.states["checking"].deadlines[0].due == Duration(Unit.DAYS, 10, field="visit_on")


def test_a_deadline_may_wait_for_its_date_only_when_counted_from_one(vocabulary: Vocabulary) -> None:
    """``if_set: true`` leaves a deadline from an empty date unopened; without ``from_field`` it means nothing."""
    text = (BROKEN / "from_field_not_saved.yaml").read_text(encoding="utf-8") \
        + "case_fields:\n  visit_on: {type: date, title: Дата посещения}\n"
    waiting = text.replace("from_field: visit_on}", "from_field: visit_on, if_set: true}")
    assert waiting != text
    wf = load_workflow(waiting, vocabulary, filename="waiting.yaml")
    assert wf.states["checking"].deadlines[0].due == Duration(Unit.DAYS, 10, field="visit_on", wait=True)
    with pytest.raises(WorkflowInvalid) as info:
        load_workflow(waiting.replace("from_field: visit_on, ", ""), vocabulary, filename="lost.yaml")
    assert any("if_set" in p.path and "from_field" in p.what for p in info.value.problems)


def test_escalation_may_name_a_target_of_the_domain_but_not_an_unknown_one() -> None:
    """The obligations' reporting chain registers its targets; any other name that is no role is refused."""
    from cases.vocabulary import build_vocabulary

    vocabulary = build_vocabulary()
    wf = load_workflow((WORKFLOWS_DIR / "report_obligation.yaml").read_text(encoding="utf-8"), vocabulary,
                       filename="report_obligation.yaml")
    assert [e.to for e in wf.states["due"].deadlines[0].escalate] == ["owing_org", "recipient_org", "recipient_above"]
    assert "owing_org" in vocabulary.targets and "owing_org" not in vocabulary.roles
    with pytest.raises(WorkflowInvalid) as info:
        load_workflow((WORKFLOWS_DIR / "report_obligation.yaml").read_text(encoding="utf-8")
                      .replace("to: recipient_above", "to: recipient_somewhere"), vocabulary, filename="x.yaml")
    assert any("recipient_somewhere" in p.what for p in info.value.problems)


def test_list_as_mapping_key_is_reported_as_a_problem(vocabulary: Vocabulary) -> None:
    text = (BROKEN / "valid_base.yaml").read_text(encoding="utf-8") + "[owner, deputy]: social_protection\n"
    with pytest.raises(WorkflowInvalid) as info:
        load_workflow(text, vocabulary, filename="odd_key.yaml")
    assert 45 in {p.line for p in info.value.problems}
    assert any("ключом может быть только строка" in p.what for p in info.value.problems)


def test_merge_keys_are_resolved_like_safe_load(vocabulary: Vocabulary) -> None:
    text = """
workflow: merged
version: 1
title: Слияние ключей
states:
  a:
    title: A
    initial: true
    deadlines:
      - &standard {id: look, title: Посмотреть, basis: "п. 1", due: 3wd, escalate: [{after: 0h, to: boss}]}
  b:
    title: B
    deadlines:
      - <<: *standard
        id: look_again
  c: {title: C, final: true}
transitions:
  - {event: go, title: Дальше, from: a, to: b, roles: [clerk]}
  - {event: end, title: Конец, from: b, to: c, roles: [clerk]}
"""
    wf = load_workflow(text, vocabulary, filename="merged.yaml")
    again = wf.states["b"].deadlines[0]
    assert (again.id, again.title, again.basis, again.due) == ("look_again", "Посмотреть", "п. 1",
                                                               Duration(Unit.WORKING_DAYS, 3))
    assert again.escalate[0].to == "boss"


# -- a valid file --------------------------------------------------------------------------------


def test_review_states(review: Workflow) -> None:
    assert (review.name, review.version, review.title) == ("review", 1, "Рассмотрение обращения")
    assert list(review.states) == ["received", "checking", "approved", "rejected", "closed"]
    assert review.initial.name == "received"
    assert {s.name for s in review.states.values() if s.final} == {"rejected", "closed"}
    assert review.states["checking"].title == "Проверка"
    assert review.source_path == "review.yaml"


def test_review_parameters(review: Workflow) -> None:
    assert review.parameters == {
        "check_days": Parameter("check_days", 3, Unit.WORKING_DAYS, "Тестовый регламент, п. 1",
                                "Срок проверки"),
        "review_months": Parameter("review_months", 3, Unit.MONTHS, "региональная настройка",
                                   "Периодичность пересмотра"),
    }


def test_review_deadlines(review: Workflow) -> None:
    register = review.states["received"].deadline("register")
    assert register is not None
    assert register.due == Duration(Unit.SAME_WORKING_DAY)
    assert register.remind == (Duration(Unit.HOURS, 2),)
    assert register.escalate == (Escalation(1, Duration(Unit.HOURS, 0), "boss"),)

    check = review.states["checking"].deadline("check")
    assert check is not None
    assert check.basis == "Тестовый регламент, п. 1"
    assert check.due == Duration(param="check_days")
    assert check.remind == (Duration(Unit.WORKING_DAYS, 1),)
    assert check.escalate == (
        Escalation(1, Duration(Unit.HOURS, 0), "assignee"),
        Escalation(2, Duration(Unit.WORKING_DAYS, 1), "boss"),
    )
    assert check.timeout == Timeout("expire", Duration(Unit.WORKING_DAYS, 2))

    periodic = review.deadline_spec("review")
    item = review.deadline_spec("item", "approved")
    assert periodic is not None and item is not None
    assert periodic.due == Duration(param="review_months", field="approved_on")
    assert periodic.remind == (Duration(Unit.DAYS, 5),)
    assert (item.manual, item.due) == (True, None)
    assert review.deadline_spec("item", "checking") is None


def test_review_transitions(review: Workflow) -> None:
    machine = compile_workflow(review)  # which transition an event fires where is the machine's answer
    assert [t.event for t in machine.available("checking")] == ["approve", "reject", "expire"]
    assert machine.available("closed") == []

    approve = machine.transition("checking", "approve")
    assert approve is not None
    assert (approve.dest, approve.roles) == ("approved", frozenset({"reviewer"}))
    fields = {f.name: f for f in approve.fields}
    assert (fields["approved_on"].type, fields["approved_on"].default) == ("date", "today")
    assert fields["approved_on"].required and fields["approved_on"].save
    assert fields["decision"].choices == (("full", "Полностью"), ("partial", "Частично"))
    assert not fields["urgent"].required
    assert approve.notify == (Notify("decision_recorded", "assignee"),)

    register = machine.transition("received", "register")
    assert register is not None
    assert register.effects == (Call("assign_actor", {}),)
    assert register.fields[0].max_length == 50

    extend = machine.transition("approved", "extend")
    assert extend is not None
    assert extend.internal and extend.target("approved") == "approved"
    assert extend.restart == ("review",)

    close = machine.transition("approved", "close")
    assert close is not None
    assert close.guards == (Call("field_set", {"field": "approved_on"}), Call("no_open_items", {}))

    reopen = machine.transition("approved", "reopen")
    assert reopen is not None
    assert (reopen.sources, reopen.dest) == (("approved",), "checking")
    assert reopen.roles == frozenset({"reviewer", "boss"})
    assert machine.transition("checking", "close") is None


# -- content hash --------------------------------------------------------------------------------


def _review_text() -> str:
    return REVIEW_YAML.read_text(encoding="utf-8")


def test_content_hash_ignores_comments_and_formatting(vocabulary: Vocabulary, review: Workflow) -> None:
    reformatted = (
        "# Другой комментарий в начале\n\n"
        + _review_text()
        .replace("roles: [clerk]", "roles:\n      - clerk   # только регистратор")
        .replace("title: Проверка\n", 'title: "Проверка"\n')
        .replace("transitions:\n", "\ntransitions:  # переходы\n")
    )
    assert reformatted != _review_text()
    wf = load_workflow(reformatted, vocabulary, filename="review.yaml")
    assert wf.content_hash == review.content_hash
    assert len(review.content_hash) == 64


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("max_length: 50", "max_length: 60"),
        ("title: Отказано", "title: Отказ"),
        ("roles: [reviewer, boss]", "roles: [boss]"),
    ],
)
def test_content_hash_changes_with_content(vocabulary: Vocabulary, review: Workflow, old: str, new: str) -> None:
    assert old in _review_text()
    wf = load_workflow(_review_text().replace(old, new), vocabulary, filename="review.yaml")
    assert wf.content_hash != review.content_hash


def test_content_hash_does_not_depend_on_key_order() -> None:
    assert content_hash({"a": 1, "b": [1, 2]}) == content_hash({"b": [1, 2], "a": 1})
    assert content_hash({"a": 1, "b": [1, 2]}) != content_hash({"a": 1, "b": [2, 1]})


@pytest.mark.parametrize("path", [*sorted(WORKFLOWS_DIR.glob("*.yaml")), FIXTURES / "broken" / "duplicate_key.yaml",
                                  FIXTURES / "broken" / "unknown_top_key.yaml"], ids=lambda p: p.name)
def test_libyaml_and_pure_python_read_the_same(path: Path) -> None:
    """The fast C parser gives the loader the same values, lines and duplicate keys as PyYAML's own."""
    text = path.read_text(encoding="utf-8")
    fast, slow = read_yaml(text), read_yaml(text, yaml.SafeLoader)
    assert LOADER is yaml.CSafeLoader  # PyYAML's wheels ship libyaml: the fast path is the one running
    assert (fast.data, fast.lines, fast.duplicates, fast.bad_keys) == (slow.data, slow.lines, slow.duplicates,
                                                                       slow.bad_keys)
    assert fast.lines  # something was located
