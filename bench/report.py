"""Shared plumbing for benchmarks: machine facts, table rendering, docs/benchmarks.md sections.

Every benchmark prints its table and then calls :func:`write_section`, which replaces (or appends)
the block between ``<!-- bench:NAME:start -->`` and ``<!-- bench:NAME:end -->`` in
``docs/benchmarks.md``: each benchmark owns its section; re-running one keeps the others.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import subprocess
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "benchmarks.md"
HEADER = (
    "# Benchmarks\n\n"
    "Each section below is written by one script in `bench/` (`make bench` runs them all and\n"
    "rewrites this file; `python -m bench.NAME` re-runs one and rewrites its section). Every\n"
    "section is stamped with its date, machine and commit. The table right below gathers each\n"
    "target from the issues next to the figure measured for it. Numbers come from one run on\n"
    "the machine named in the section; compare ratios within a table, not absolute figures\n"
    "across machines.\n"
)


def machine() -> str:
    """One line naming the machine: CPU model, cores, memory, Python."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.0f} GiB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return f"{cpu}, {os.cpu_count()} cores{mem}, Python {platform.python_version()}"


def commit() -> str:
    """Short git commit of the working tree (with `+dirty` when it has changes)."""
    try:
        sha = subprocess.check_output(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, text=True, stderr=subprocess.DEVNULL
        ).strip()
        dirty = subprocess.check_output(
            ["git", "status", "--porcelain", "--untracked-files=no"], cwd=ROOT, text=True
        ).strip()
        return sha + ("+dirty" if dirty else "")
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


def table(headers: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    """Render a GitHub-flavoured markdown table; floats get 3 significant decimals."""

    def cell(v: object) -> str:
        if isinstance(v, float):
            return f"{v:.3f}" if abs(v) < 1000 else f"{v:,.0f}"
        return str(v)

    lines = ["| " + " | ".join(headers) + " |", "|" + "---|" * len(headers)]
    lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in rows]
    return "\n".join(lines)


@dataclass(frozen=True)
class Target:
    """A goal from an issue next to what this run measured; ``met`` is None when not measured."""

    name: str
    goal: str
    measured: str
    met: bool | None


def _status(met: bool | None) -> str:
    return {True: "met", False: "**not met**", None: "not measured"}[met]


def targets_table(targets: Sequence[Target]) -> str:
    """The targets of one section as a markdown table."""
    rows = [[t.name, t.goal, t.measured, _status(t.met)] for t in targets]
    return table(["target", "goal", "measured", "status"], rows)


_TARGETS = re.compile(r"<!-- targets:(?P<name>[\w-]+) (?P<json>\[.*?\]) -->")
SUMMARY_START, SUMMARY_END = "<!-- bench:summary:start -->", "<!-- bench:summary:end -->"


def _summary(text: str) -> str:
    """The "targets at a glance" block, gathered from every section's targets comment."""
    rows = []
    for found in _TARGETS.finditer(text):
        for t in json.loads(found.group("json")):
            rows.append(
                [f"[{found.group('name')}](#{found.group('name')})", t["name"], t["goal"],
                 t["measured"], _status(t["met"])]
            )  # fmt: skip
    body = table(["benchmark", "target", "goal", "measured", "status"], rows)
    return f"{SUMMARY_START}\n## Targets at a glance\n\n{body}\n{SUMMARY_END}"


def _assemble(text: str) -> str:
    """Header, the targets summary, then the sections in their order (old header dropped)."""
    if SUMMARY_START in text and SUMMARY_END in text:
        head, rest = text.split(SUMMARY_START, 1)
        text = head + rest.split(SUMMARY_END, 1)[1]
    first = text.find("<!-- bench:")
    sections = text[first:].strip() if first >= 0 else ""
    return f"{HEADER}\n{_summary(sections)}\n\n{sections}\n"


def write_section(
    name: str, title: str, body: str, doc: Path = DOC, targets: Sequence[Target] = ()
) -> None:
    """Replace this benchmark's section in docs/benchmarks.md (append it when absent).

    ``targets`` are shown at the top of the section and gathered into the summary table at the
    top of the document, so every goal stands next to its latest measured figure.
    """
    start, end = f"<!-- bench:{name}:start -->", f"<!-- bench:{name}:end -->"
    stamp = f"_{dt.date.today().isoformat()} · {machine()} · commit {commit()}_"
    head = f'{start}\n<a id="{name}"></a>\n\n## {title}\n\n{stamp}\n\n'
    if targets:
        data = json.dumps([asdict(t) for t in targets], ensure_ascii=False)
        head += f"<!-- targets:{name} {data} -->\n\n{targets_table(targets)}\n\n"
    block = f"{head}{body.strip()}\n{end}"
    text = doc.read_text(encoding="utf-8") if doc.exists() else HEADER
    if start in text and end in text:
        before, rest = text.split(start, 1)
        tail = rest.split(end, 1)[1]
        text = before + block + tail
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    doc.parent.mkdir(parents=True, exist_ok=True)
    doc.write_text(_assemble(text), encoding="utf-8")
