"""Workflow diagrams: Mermaid text and a self-contained SVG, with the current state highlighted.

The Mermaid text is the workflow's machine drawn by ``transitions``' diagram extension (``engine.machine``).
The SVG is laid out here (no Graphviz or browser needed): states are put in rows by
their distance from the initial state, ordered within a row by the barycentre of their
neighbours to reduce crossings; forward edges go down, an edge one row back up curves
between the boxes off-centre, longer ones run up a free lane right of every box.
"""

from __future__ import annotations

import textwrap
from collections import deque
from dataclasses import dataclass
from html import escape

from engine import machine
from engine.definition import Workflow
from engine.machine import compile_workflow

BOX_W, BOX_H, ROW_GAP, COL_GAP, MARGIN = 220, 62, 60, 34, 24
LINE_CHARS, MAX_LINES = 30, 3


def mermaid(wf: Workflow, current: str | None = None) -> str:
    """The workflow's Mermaid state diagram, drawn from its shared machine (``engine.machine.mermaid``)."""
    return machine.mermaid(compile_workflow(wf), current)


@dataclass
class _Node:
    name: str
    rank: int
    order: float = 0.0
    x: float = 0.0
    y: float = 0.0


def layout(wf: Workflow) -> dict[str, _Node]:
    edges = {(src, tr.dest) for tr in wf.transitions if tr.dest for src in tr.sources if src != tr.dest}
    rank = {wf.initial.name: 0}
    queue = deque([wf.initial.name])
    while queue:
        cur = queue.popleft()
        for src, dst in sorted(edges):
            if src == cur and dst not in rank:
                rank[dst] = rank[cur] + 1
                queue.append(dst)
    for name in wf.states:  # unreachable states (only in invalid files) go to the bottom
        rank.setdefault(name, max(rank.values()) + 1)
    nodes = {n: _Node(n, r) for n, r in rank.items()}
    rows: dict[int, list[str]] = {}
    for name in wf.states:
        rows.setdefault(rank[name], []).append(name)
    for row in rows.values():
        for i, name in enumerate(row):
            nodes[name].order = i
    neighbours: dict[str, list[str]] = {n: [] for n in wf.states}
    for src, dst in edges:
        neighbours[src].append(dst)
        neighbours[dst].append(src)
    for _ in range(6):
        for r in sorted(rows):
            row = rows[r]
            for name in row:
                adj = [nodes[m].order for m in neighbours[name] if nodes[m].rank != r]
                if adj:
                    nodes[name].order = sum(adj) / len(adj)
            row.sort(key=lambda n: nodes[n].order)
            for i, name in enumerate(row):
                nodes[name].order = i
    width = max(len(row) for row in rows.values())
    for r, row in rows.items():
        offset = (width - len(row)) * (BOX_W + COL_GAP) / 2
        for i, name in enumerate(row):
            nodes[name].x = MARGIN + offset + i * (BOX_W + COL_GAP)
            nodes[name].y = MARGIN + r * (BOX_H + ROW_GAP)
    return nodes


def svg(wf: Workflow, current: str | None = None) -> str:
    nodes = layout(wf)
    width = max(n.x for n in nodes.values()) + BOX_W + MARGIN + 80
    height = max(n.y for n in nodes.values()) + BOX_H + MARGIN
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width:.0f} {height:.0f}" '
        f'width="{width:.0f}" height="{height:.0f}" font-family="DejaVu Sans, Arial, sans-serif" '
        f'role="img" aria-label="{escape(wf.title)}">',
        "<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" "
        "markerHeight=\"7\" orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#4b5563\"/>"
        "</marker></defs>",
        f"<title>{escape(wf.title)} (версия {wf.version})</title>",
    ]
    drawn: set[tuple[str, str]] = set()
    right = max(n.x for n in nodes.values()) + BOX_W
    for tr in wf.transitions:
        for src in tr.sources:
            dst = tr.target(src)
            if src == dst or (src, dst) in drawn:
                continue
            drawn.add((src, dst))
            parts.append(_edge(nodes[src], nodes[dst], _edge_title(wf, src, dst), right, len(drawn)))
    for name, state in wf.states.items():
        parts.append(_box(nodes[name], state.title, name == current, state.final, state.initial))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge_title(wf: Workflow, src: str, dst: str) -> str:
    return "; ".join(tr.title for tr in wf.transitions if src in tr.sources and tr.target(src) == dst)


def _edge(a: _Node, b: _Node, title: str, right: float, index: int) -> str:
    if b.rank > a.rank:
        x1, y1 = a.x + BOX_W / 2, a.y + BOX_H
        x2, y2 = b.x + BOX_W / 2, b.y
        dy = (y2 - y1) / 2
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 + dy:.0f} {x2:.0f},{y2 - dy:.0f} {x2:.0f},{y2:.0f}"
    elif b.rank == a.rank - 1:  # one row back up: a curve between the boxes, off-centre
        x1, y1 = a.x + BOX_W * 0.78, a.y
        x2, y2 = b.x + BOX_W * 0.78, b.y + BOX_H
        dy = (y1 - y2) / 2
        path = f"M{x1:.0f},{y1:.0f} C{x1:.0f},{y1 - dy:.0f} {x2:.0f},{y2 + dy:.0f} {x2:.0f},{y2:.0f}"
    elif b.rank == a.rank:  # sideways within a row
        left_to_right = a.x < b.x
        x1 = a.x + (BOX_W if left_to_right else 0)
        x2 = b.x + (0 if left_to_right else BOX_W)
        y = a.y + BOX_H / 2
        path = f"M{x1:.0f},{y:.0f} L{x2:.0f},{y:.0f}"
    else:  # further back up: along the free lane right of every box
        x1, y1 = a.x + BOX_W, a.y + BOX_H / 2 + 8
        x2, y2 = b.x + BOX_W, b.y + BOX_H / 2 - 8
        lane = right + 18 + 8 * (index % 6)
        path = f"M{x1:.0f},{y1:.0f} C{lane:.0f},{y1:.0f} {lane:.0f},{y2:.0f} {x2:.0f},{y2:.0f}"
    return (f'<path d="{path}" fill="none" stroke="#6b7280" stroke-width="1.4" marker-end="url(#arrow)">'
            f"<title>{escape(title)}</title></path>")


def _box(node: _Node, title: str, current: bool, final: bool, initial: bool) -> str:
    fill, stroke, width = ("#fde68a", "#b45309", 3) if current else ("#f9fafb", "#374151", 1.2)
    lines = textwrap.wrap(title, LINE_CHARS) or [node.name]
    if len(lines) > MAX_LINES:  # the full title stays in the tooltip
        lines = [*lines[:MAX_LINES - 1], textwrap.shorten(" ".join(lines[MAX_LINES - 1:]), LINE_CHARS, placeholder="…")]
    out = [f'<g class="state{" current" if current else ""}" data-state="{node.name}">',
           f'<rect x="{node.x:.0f}" y="{node.y:.0f}" width="{BOX_W}" height="{BOX_H}" rx="10" '
           f'fill="{fill}" stroke="{stroke}" stroke-width="{width}"/>']
    if final:
        out.append(f'<rect x="{node.x + 4:.0f}" y="{node.y + 4:.0f}" width="{BOX_W - 8}" height="{BOX_H - 8}" '
                   f'rx="7" fill="none" stroke="{stroke}" stroke-width="1"/>')
    if initial:
        out.append(f'<circle cx="{node.x + 10:.0f}" cy="{node.y + 10:.0f}" r="4" fill="#111827"/>')
    first_y = node.y + BOX_H / 2 + 4 - (len(lines) - 1) * 7
    for i, line in enumerate(lines):
        out.append(f'<text x="{node.x + BOX_W / 2:.0f}" y="{first_y + i * 14:.0f}" font-size="12" '
                   f'text-anchor="middle" fill="#111827">{escape(line)}</text>')
    out.append(f"<title>{escape(title)} ({node.name})</title></g>")
    return "".join(out)
