"""Chart labels are shown whole: a long one wraps onto more lines and its row grows, nothing is cut."""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET

from cases.charts import LINE_CHARS, Bar, share_chart, wrap

SVG = "{http://www.w3.org/2000/svg}"
LONG = "Нет положительной динамики 12 месяцев — рассмотреть обращение в суд (решение «г»)"


def test_a_long_label_wraps_at_spaces_and_keeps_every_word() -> None:
    lines = wrap(LONG)
    assert len(lines) == 2 and all(len(line) <= LINE_CHARS for line in lines)
    assert " ".join(lines) == LONG
    assert wrap("Короткая подпись") == ["Короткая подпись"]
    assert "".join(line.rstrip("-") for line in wrap("Ж" * 100)) == "Ж" * 100


def test_the_chart_draws_wrapped_labels_whole_in_rows_that_do_not_overlap() -> None:
    root = ET.fromstring(share_chart("Доля сроков", [Bar(LONG, 0.5), Bar("Школа № 5", 1.0), Bar(LONG + LONG, 0.2)]))
    labels = [t for t in root.iter(f"{SVG}text") if t.get("class") == "label"]
    assert [" ".join(t.itertext()) if len(t) else t.text for t in labels] == [LONG, "Школа № 5", LONG + LONG]
    assert "…" not in "".join(root.itertext())
    bars = [float(r.get("y", "")) for r in root.iter(f"{SVG}rect") if r.get("class") == "bar"]
    assert bars == sorted(bars) and min(b - a for a, b in itertools.pairwise(bars)) >= 28
    height = float(root.get("height", ""))
    assert height > bars[-1] + 28
