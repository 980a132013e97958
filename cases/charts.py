"""Charts drawn on the server as SVG text: pure Python, no JavaScript, nothing loaded from outside.

:func:`share_chart` draws a horizontal bar per row with its share (0…1) as a bar and as a
label («87 %»), for on-time shares of deadlines. The picture is accessible: the ``<svg>`` has
``role="img"``, a ``<title>`` and a ``<desc>`` listing every value, and each bar its own
``<title>`` with the full label and the counts; colour is never the only carrier (the share is
written next to every bar). Every piece of text is XML-escaped.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from xml.sax.saxutils import escape

WIDTH = 760
LABEL_WIDTH = 360
BAR_WIDTH = 300
ROW = 28
TOP = 48
FONT = "DejaVu Sans, Arial, sans-serif"
#: on-time share → bar colour (the share is always written as text too)
COLOURS = ((0.9, "#1a7f37"), (0.7, "#b7791f"), (0.0, "#b42318"))


@dataclass(frozen=True)
class Bar:
    label: str
    share: float
    #: what the share is made of, for the bar's tooltip (e.g. «12 из 15 в срок»)
    note: str = ""


def percent(share: float) -> str:
    """A share as whole per cent, half rounded up, with a no-break space: ``0.875`` → «88 %»."""
    return f"{int(share * 100 + 0.5)}\u00a0%"


def _colour(share: float) -> str:
    return next(colour for floor, colour in COLOURS if share >= floor)


#: characters of 12 px DejaVu Sans that fit LABEL_WIDTH (≈ 340 px) on one line
LINE_CHARS = 46
LINE_HEIGHT = 15


def wrap(text: str, limit: int = LINE_CHARS) -> list[str]:
    """A label broken into lines at spaces, each at most ``limit`` characters (a longer word gets a line of its
    own, broken only if it does not fit alone): the whole label is always shown, never cut."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        while len(word) > limit:  # a word longer than a line: split it, with a hyphen
            if current:
                lines.append(current)
                current = ""
            lines.append(word[: limit - 1] + "-")
            word = word[limit - 1:]
        if current and len(current) + 1 + len(word) > limit:
            lines.append(current)
            current = word
        else:
            current = f"{current} {word}" if current else word
    if current or not lines:
        lines.append(current)
    return lines


def _label(lines: list[str], y: float) -> str:
    """The label's ``<text>``: one line as it is, several as ``<tspan>`` lines centred on the bar."""
    x = LABEL_WIDTH - 8
    head = f'<text class="label" x="{x}" y="{y:.1f}" text-anchor="end" fill="#1f2933">'
    if len(lines) == 1:
        return f"{head}{escape(lines[0])}</text>"
    spans = "".join(f'<tspan x="{x}" dy="{0 if i == 0 else LINE_HEIGHT}">{escape(line)}</tspan>'
                    for i, line in enumerate(lines))
    return f"{head}{spans}</text>"


def share_chart(title: str, bars: Sequence[Bar], *, empty: str = "Нет данных за период") -> str:
    """A horizontal bar chart of shares as an SVG document (UTF-8 text); long labels wrap onto more lines."""
    labels = [wrap(b.label) for b in bars]
    rows = [max(ROW, len(lines) * LINE_HEIGHT + 13) for lines in labels]
    height = TOP + (sum(rows) if bars else ROW) + 34
    summary = "; ".join(f"{b.label}: {percent(b.share)}" for b in bars) or empty
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
        f'viewBox="0 0 {WIDTH} {height}" role="img" aria-labelledby="chart-title chart-desc" '
        f'font-family="{FONT}" font-size="12">',
        f'<title id="chart-title">{escape(title)}</title>',
        f'<desc id="chart-desc">{escape(summary)}</desc>',
        f'<rect width="{WIDTH}" height="{height}" fill="#ffffff"/>',
        f'<text x="8" y="22" font-size="14" font-weight="bold" fill="#1f2933">{escape(title)}</text>',
    ]
    axis_y = TOP + (sum(rows) if bars else ROW)
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + BAR_WIDTH * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="#d9e2ec"/>')
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#616e7c">{tick}\u00a0%</text>')
    if not bars:
        parts.append(f'<text x="{LABEL_WIDTH + 8}" y="{TOP + 18}" fill="#616e7c">{escape(empty)}</text>')
    y = TOP
    for bar, lines, row in zip(bars, labels, rows, strict=True):
        share = min(1.0, max(0.0, bar.share))
        middle = y + row / 2
        length = BAR_WIDTH * share
        tooltip = f"{bar.label}: {percent(share)}" + (f" ({bar.note})" if bar.note else "")
        parts += [
            f'<g class="row"><title>{escape(tooltip)}</title>',
            _label(lines, middle + 4 - (len(lines) - 1) * LINE_HEIGHT / 2),
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{middle - (ROW - 10) / 2:.1f}" width="{length:.1f}" '
            f'height="{ROW - 10}" fill="{_colour(share)}"/>',
            f'<text class="value" x="{LABEL_WIDTH + length + 6:.1f}" y="{middle + 4:.1f}" fill="#1f2933">'
            f'{escape(percent(share))}</text>',
            "</g>",
        ]
        y += row
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
