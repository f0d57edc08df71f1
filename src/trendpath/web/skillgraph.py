"""The roadmap's skill map: steps as boxes in layers, prerequisites as arrows (pure geometry).

A step's layer is the length of the longest chain of its prerequisites inside the roadmap, so
every arrow points down to a later layer. Boxes in a layer keep the roadmap's order. The template
draws the result as inline SVG in which every box is a link to its step, so the map works with a
keyboard and a screen reader (each link carries the skill and its state as text).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

BOX_W, BOX_H, GAP_X, GAP_Y, PAD = 168, 48, 20, 44, 10
LINE_CHARS = 11
"""Characters per line inside a box (two lines at most; Korean glyphs are wide)."""


def _lines(label: str) -> list[str]:
    """A label broken into at most two lines, at a space or a middle dot when possible."""
    if len(label) <= LINE_CHARS:
        return [label]
    cut = max(label.rfind(" ", 0, LINE_CHARS + 1), label.rfind("·", 0, LINE_CHARS + 1))
    if cut <= 0:
        cut = LINE_CHARS
    first, rest = label[:cut].rstrip(" "), label[cut:].lstrip(" ")
    if len(rest) > LINE_CHARS + 2:
        rest = rest[: LINE_CHARS + 1] + "…"
    return [first, rest]


def _layers(steps: Sequence[Mapping[str, Any]]) -> dict[str, int]:
    inside = {s["skill"]: s for s in steps}
    layer: dict[str, int] = {}

    def depth(skill: str) -> int:
        if skill not in layer:
            pres = [p for p in inside[skill].get("prerequisites", []) if p in inside]
            layer[skill] = 1 + max((depth(p) for p in pres), default=-1)
        return layer[skill]

    for s in steps:
        depth(s["skill"])
    return layer


def layout(
    steps: Sequence[Mapping[str, Any]], label_of: Callable[[str], str]
) -> dict[str, Any] | None:
    """Boxes, arrows and the drawing's size for the roadmap's steps (None without steps)."""
    if not steps:
        return None
    layer = _layers(steps)
    rows: dict[int, list[Mapping[str, Any]]] = {}
    for s in steps:
        rows.setdefault(layer[s["skill"]], []).append(s)
    widest = max(len(r) for r in rows.values())
    width = PAD * 2 + widest * BOX_W + (widest - 1) * GAP_X
    height = PAD * 2 + len(rows) * BOX_H + (len(rows) - 1) * GAP_Y
    at: dict[str, tuple[float, float]] = {}
    nodes = []
    for depth, row in sorted(rows.items()):
        span = len(row) * BOX_W + (len(row) - 1) * GAP_X
        x0 = (width - span) / 2
        for i, s in enumerate(row):
            x, y = x0 + i * (BOX_W + GAP_X), PAD + depth * (BOX_H + GAP_Y)
            at[s["skill"]] = (x, y)
            nodes.append(
                {
                    "skill": s["skill"],
                    "state": s["state"],
                    "x": x,
                    "y": y,
                    "lines": _lines(label_of(s["skill"])),
                }
            )
    edges = []
    for s in steps:
        for pre in s.get("prerequisites", []):
            if pre in at:
                (px, py), (sx, sy) = at[pre], at[s["skill"]]
                x1, y1 = px + BOX_W / 2, py + BOX_H
                x2, y2 = sx + BOX_W / 2, sy - 4
                mid = (y1 + y2) / 2
                edges.append(
                    {
                        "from": pre,
                        "to": s["skill"],
                        "d": f"M{x1},{y1} C{x1},{mid} {x2},{mid} {x2},{y2}",
                    }
                )
    return {
        "width": width,
        "height": height,
        "w": BOX_W,
        "h": BOX_H,
        "nodes": nodes,
        "edges": edges,
    }
