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


def _fit(text: str, limit: int = 46) -> str:  # ≈ 340 px of 12 px DejaVu Sans: fits LABEL_WIDTH
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def share_chart(title: str, bars: Sequence[Bar], *, empty: str = "Нет данных за период") -> str:
    """A horizontal bar chart of shares as an SVG document (UTF-8 text)."""
    height = TOP + max(1, len(bars)) * ROW + 34
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
    axis_y = TOP + max(1, len(bars)) * ROW
    for tick in (0, 25, 50, 75, 100):
        x = LABEL_WIDTH + BAR_WIDTH * tick / 100
        parts.append(f'<line x1="{x:.1f}" y1="{TOP - 6}" x2="{x:.1f}" y2="{axis_y}" stroke="#d9e2ec"/>')
        parts.append(f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#616e7c">{tick}\u00a0%</text>')
    if not bars:
        parts.append(f'<text x="{LABEL_WIDTH + 8}" y="{TOP + 18}" fill="#616e7c">{escape(empty)}</text>')
    for i, bar in enumerate(bars):
        share = min(1.0, max(0.0, bar.share))
        y = TOP + i * ROW
        length = BAR_WIDTH * share
        tooltip = f"{bar.label}: {percent(share)}" + (f" ({bar.note})" if bar.note else "")
        parts += [
            f'<g class="row"><title>{escape(tooltip)}</title>',
            f'<text class="label" x="{LABEL_WIDTH - 8}" y="{y + 17}" text-anchor="end" fill="#1f2933">'
            f'{escape(_fit(bar.label))}</text>',
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y + 5}" width="{length:.1f}" height="{ROW - 10}" '
            f'fill="{_colour(share)}"/>',
            f'<text class="value" x="{LABEL_WIDTH + length + 6:.1f}" y="{y + 17}" fill="#1f2933">'
            f'{escape(percent(share))}</text>',
            "</g>",
        ]
    parts.append("</svg>")
    return "\n".join(parts) + "\n"
