"""``bench.vectors --quick`` against the test database: it runs end to end and its output holds
one row per build and ``ef_search`` with sane figures. The numbers themselves live in
docs/benchmarks.md; this only proves the benchmark works."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg

ROOT = Path(__file__).resolve().parents[2]


def test_ai_vectors_bench_quick_run_reports_every_build_and_ef_search(
    pg_url: str, tmp_path: Path
) -> None:
    out = tmp_path / "vectors.json"
    env = {**os.environ, "TRENDPATH_DATABASE_URL": pg_url}
    done = subprocess.run(
        [sys.executable, "-m", "bench.vectors", "--quick", "--json", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(out.read_text())
    ef_values = result["meta"]["ef"]
    builds = {(b["kind"], b["m"], b["ef_construction"]) for b in result["builds"]}
    assert builds == {("vector", 16, 64), ("halfvec", 16, 64)}
    for b in result["builds"]:
        assert b["build_s"] > 0 and b["index_mb"] > 0 and not b["spilled"]
    for kind, m, efc in builds:
        rows = [
            r for r in result["sweeps"]
            if (r["kind"], r["m"], r["ef_construction"]) == (kind, m, efc)
        ]  # fmt: skip
        assert [r["ef_search"] for r in rows] == ef_values
        for r in rows:
            assert 0.0 <= r["recall"] <= 1.0
            assert 0.0 < r["p50_ms"] <= r["p99_ms"]
    # Clustered data, 2,000 vectors: with the widest search the index finds almost everything,
    # and an exact scan in PostgreSQL agrees with the numpy ground truth.
    assert max(r["recall"] for r in result["sweeps"]) >= 0.9
    assert all(load["scan_agree"] == 1.0 for load in result["loads"] if load["kind"] == "vector")
    assert "| 2,000 | halfvec | 16 | 64 |" in done.stdout
    assert "Production settings chosen" in done.stdout or "not met" in done.stdout
    with psycopg.connect(pg_url.replace("+psycopg", "")) as conn:
        left = conn.execute("SELECT 1 FROM pg_namespace WHERE nspname = 'bench_vectors'")
        assert left.fetchone() is None
