"""docs/benchmarks.md assembly: sections replaced in place, targets gathered at the top."""

from __future__ import annotations

from pathlib import Path

from bench.report import HEADER, Target, write_section


def test_sections_and_the_targets_summary(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    write_section("alpha", "Alpha", "table A1", doc, [Target("speed", "<= 10 ms", "7 ms", True)])
    write_section("beta", "Beta", "table B1", doc, [Target("recall", ">= 0.95", "0.91", False)])
    write_section("gamma", "Gamma", "no targets here", doc)
    write_section("alpha", "Alpha", "table A2", doc, [Target("speed", "<= 10 ms", "12 ms", False)])
    text = doc.read_text(encoding="utf-8")

    assert text.startswith(HEADER)
    assert text.count("## Targets at a glance") == 1
    assert "table A1" not in text and "table A2" in text
    # Sections keep their first order; the summary follows the order of the sections.
    assert text.index("## Alpha") < text.index("## Beta") < text.index("## Gamma")
    summary = text.split("## Targets at a glance", 1)[1].split("<!-- bench:alpha:start", 1)[0]
    assert "| [alpha](#alpha) | speed | <= 10 ms | 12 ms | **not met** |" in summary
    assert "| [beta](#beta) | recall | >= 0.95 | 0.91 | **not met** |" in summary
    assert "gamma" not in summary
    assert "| speed | <= 10 ms | 12 ms | **not met** |" in text.split("## Alpha", 1)[1]


def test_a_target_that_could_not_be_measured_says_so(tmp_path: Path) -> None:
    doc = tmp_path / "benchmarks.md"
    write_section("gpu", "GPU", "body", doc, [Target("VRAM", "<= 10 GB", "no GPU", None)])
    assert "| [gpu](#gpu) | VRAM | <= 10 GB | no GPU | not measured |" in doc.read_text()
