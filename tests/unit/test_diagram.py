"""Workflow diagrams of review.yaml: Mermaid text and the self-contained SVG."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from engine.definition import Workflow
from engine.diagram import mermaid, svg
from engine.loader import load_workflow
from engine.vocabulary import Vocabulary
from tests.unit.conftest import REVIEW_YAML

NS = {"svg": "http://www.w3.org/2000/svg"}

REVIEW_MERMAID_LINES = [
    '  state "Обращение получено" as received',
    '  state "Проверка" as checking',
    '  state "Работа ведётся" as approved',
    '  state "Отказано" as rejected',
    '  state "Закрыто" as closed',
    "  received --> checking: Зарегистрировать",
    "  checking --> approved: Одобрить",
    "  checking --> rejected: Отказать | Срок проверки истёк",
    "  approved --> approved: Продлить",
    "  approved --> closed: Закрыть",
    "  approved --> checking: Вернуть на проверку",
    "  [*] --> received",
    "  rejected --> [*]",
    "  closed --> [*]",
]


def state_groups(text: str) -> dict[str, ET.Element]:
    root = ET.fromstring(text)
    groups = [g for g in root.iter(f"{{{NS['svg']}}}g") if g.get("class", "").split()[:1] == ["state"]]
    by_state = {g.get("data-state", ""): g for g in groups}
    assert len(by_state) == len(groups), "a state is drawn twice"
    return by_state


def label(group: ET.Element) -> str:
    return " ".join(t.text or "" for t in group.findall("svg:text", NS))


def test_mermaid_is_the_machine_drawn_with_its_titles(review: Workflow) -> None:
    lines = mermaid(review).splitlines()
    assert lines[:4] == ["---", "Рассмотрение обращения (версия 1)", "---", "stateDiagram-v2"]
    assert [line for line in lines if line.startswith(('  state "', "  [*]")) or " --> " in line] \
        == REVIEW_MERMAID_LINES


def test_mermaid_marks_the_current_state_only_when_asked(review: Workflow) -> None:
    assert "s_active\n" not in mermaid(review).replace("classDef s_active", "")
    highlighted = mermaid(review, current="checking").splitlines()
    assert [line for line in highlighted if line.endswith(" s_active")] == ["  Class checking s_active"]
    assert "  classDef s_active color:#b45309,fill:#fde68a" in highlighted  # the SVG's colours


def test_mermaid_keeps_titles_with_colons_and_quotes_readable(vocabulary: Vocabulary) -> None:
    original = REVIEW_YAML.read_text(encoding="utf-8")
    text = original.replace("title: Отказать\n", "title: 'Отказать: навсегда'\n").replace(
        "title: Проверка\n", "title: 'Проверка \"на месте\"'\n")
    wf = load_workflow(text, vocabulary, filename="review.yaml")
    lines = mermaid(wf).splitlines()
    assert "  checking --> rejected: Отказать  навсегда | Срок проверки истёк" in lines
    assert "  state \"Проверка 'на месте'\" as checking" in lines


def test_svg_has_one_group_per_state(review: Workflow) -> None:
    groups = state_groups(svg(review))
    assert set(groups) == set(review.states)
    assert all(g.get("class") == "state" for g in groups.values())


@pytest.mark.parametrize("current", ["checking", "closed"])
def test_svg_highlights_exactly_the_current_state(review: Workflow, current: str) -> None:
    groups = state_groups(svg(review, current=current))
    highlighted = [name for name, g in groups.items() if "current" in g.get("class", "").split()]
    assert highlighted == [current]


def test_svg_shows_every_russian_title(review: Workflow) -> None:
    groups = state_groups(svg(review))
    assert {name: label(g) for name, g in groups.items()} == {
        "received": "Обращение получено",
        "checking": "Проверка",
        "approved": "Работа ведётся",
        "rejected": "Отказано",
        "closed": "Закрыто",
    }


def test_svg_marks_initial_and_final_states(review: Workflow) -> None:
    groups = state_groups(svg(review))
    assert [n for n, g in groups.items() if g.find("svg:circle", NS) is not None] == ["received"]
    double_frame = sorted(n for n, g in groups.items() if len(g.findall("svg:rect", NS)) == 2)
    assert double_frame == ["closed", "rejected"]


def test_svg_rows_follow_distance_from_the_initial_state(review: Workflow) -> None:
    groups = state_groups(svg(review))
    y = {name: float(g.find("svg:rect", NS).get("y", "nan")) for name, g in groups.items()}  # type: ignore[union-attr]
    assert y["received"] < y["checking"] < y["approved"] == y["rejected"] < y["closed"]


def test_svg_edges_carry_transition_titles(review: Workflow) -> None:
    root = ET.fromstring(svg(review))
    edge_titles = {p.findtext("svg:title", namespaces=NS) for p in root.iter(f"{{{NS['svg']}}}path")
                   if p.get("marker-end")}
    assert edge_titles == {"Зарегистрировать", "Одобрить", "Отказать; Срок проверки истёк", "Закрыть",
                           "Вернуть на проверку"}


def test_svg_escapes_markup_in_titles(vocabulary: Vocabulary) -> None:
    original = REVIEW_YAML.read_text(encoding="utf-8")
    text = original.replace("title: Проверка\n", "title: 'Проверка <1> & \"2\"'\n")
    wf = load_workflow(text, vocabulary, filename="review.yaml")
    assert label(state_groups(svg(wf))["checking"]) == 'Проверка <1> & "2"'
