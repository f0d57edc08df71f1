"""Mutation testing of the modules whose mistakes users would feel first (``make mutation``).

Each module is mutated by mutmut against its *own* tests only (a Velocity mutant killed by a
matching test would say nothing about the Velocity tests), in its own working copy under
``.mutation/NAME`` so the runs do not share mutmut's state. The score is
``(killed + timeout) / (total - skipped)``; the table is printed and written into
docs/testing.md between ``<!-- mutation:start -->`` and ``<!-- mutation:end -->`` (each module's
latest run, kept in ``.mutation/results.json``, so one module can be re-run alone).

Run: ``.venv/bin/python tools/mutation.py [NAME ...] [--children N]`` (mutmut comes with the
``mutation`` extra). A module takes from a few minutes (pure functions) to an hour (the OAuth
grants, whose tests run an auth server over a real database) on 2 cores.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import commit, machine, table  # noqa: E402

DOC = ROOT / "docs" / "testing.md"
WORK = ROOT / ".mutation"
TARGET = 0.85
COPIED = ("src", "tests", "data", "bench", "configs")


@dataclass(frozen=True)
class Module:
    """One module under mutation and the tests that are its own."""

    name: str
    path: str
    tests: tuple[str, ...]


MODULES = (
    Module("velocity", "src/trendpath/trends/velocity.py", ("tests/trends/test_trends_velocity.py",)),  # noqa: E501
    Module(
        "values_lexicon",
        "src/trendpath/ai/values_lexicon.py",
        (
            "tests/ai/test_ai_values.py",
            "tests/ai/test_ai_values_rejection.py",
            "tests/ai/test_ai_values_lexicon_rules.py",
        ),
    ),
    Module(
        "values",
        "src/trendpath/ai/values.py",
        (
            "tests/ai/test_ai_values.py",
            "tests/ai/test_ai_values_rejection.py",
            "tests/ai/test_ai_values_lexicon_rules.py",
        ),
    ),
    Module("netguard", "src/trendpath/kit/netguard.py", ("tests/kit/test_kit_fetch.py",)),
    Module(
        "matching",
        "src/trendpath/users/matching.py",
        ("tests/users/test_users_explain.py", "tests/users/test_users_match.py"),
    ),
    Module(
        "oauth",
        "src/trendpath/auth/oauth.py",
        (
            "tests/auth/test_auth_codes.py",
            "tests/auth/test_auth_flow.py",
            "tests/auth/test_auth_tokens.py",
            "tests/auth/test_auth_abuse.py",
            "tests/auth/test_auth_grant_errors.py",
        ),
    ),
)  # fmt: skip


def _workdir(module: Module) -> Path:
    work = WORK / module.name
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    for name in COPIED:
        if (ROOT / name).exists():
            shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
    tests = [t for t in module.tests if (ROOT / t).exists()]
    config = (
        "\n[tool.mutmut]\n"
        'source_paths = ["src/trendpath"]\n'
        f'only_mutate = ["{module.path}"]\n'
        # The package finds its data (taxonomy, lexicons) next to src/, so mutmut's copy needs it.
        'also_copy = ["data", "configs"]\n'
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        'pytest_add_cli_args = ["-p", "no:cacheprovider", "-x", "-q"]\n'
    )
    (work / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text() + config)
    return work


def run_module(module: Module, children: int) -> dict[str, float | int | str]:
    """Mutate one module; returns mutmut's counts with the score and the time it took."""
    work = _workdir(module)
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    started = time.monotonic()
    with (work / "mutmut.log").open("w") as log:
        subprocess.run(
            [mutmut, "run", "--max-children", str(children)], cwd=work, stdout=log, stderr=log
        )
        subprocess.run([mutmut, "export-cicd-stats"], cwd=work, stdout=log, stderr=log, check=True)
    stats = json.loads((work / "mutants" / "mutmut-cicd-stats.json").read_text())
    if stats["killed"] + stats["survived"] + stats["timeout"] == 0:
        # mutmut could not run the tests at all (see mutmut.log): no score, not a 0 % one.
        raise SystemExit(f"{module.name}: the tests did not run; see {work / 'mutmut.log'}")
    judged = stats["total"] - stats["skipped"]
    caught = stats["killed"] + stats["timeout"]
    stats["score"] = caught / judged if judged else 0.0
    stats["minutes"] = round((time.monotonic() - started) / 60, 1)
    stats["name"] = module.name
    return stats


def survivors(module: Module) -> list[str]:
    """The surviving mutants of the last run of ``module`` (``mutmut show NAME`` shows each)."""
    mutmut = str(Path(sys.executable).with_name("mutmut"))
    out = subprocess.run(
        [mutmut, "results"], cwd=WORK / module.name, capture_output=True, text=True, check=False
    ).stdout
    return [line.split(":")[0].strip() for line in out.splitlines() if "survived" in line]


def write_doc(rows: list[dict[str, float | int | str]]) -> None:
    """Replace the mutation section of docs/testing.md with this run's table."""
    headers = ["module", "mutants", "killed", "timeout", "survived", "no tests", "score"]
    body = table(
        [*headers, "target", "min"],
        [
            [r["name"], r["total"], r["killed"], r["timeout"], r["survived"], r["no_tests"],
             f"{100 * float(r['score']):.1f} %", "≥ 85 %", r["minutes"]]
            for r in rows
        ],
    )  # fmt: skip
    stamp = f"_{dt.date.today().isoformat()} · {machine()} · commit {commit()}_"
    start, end = "<!-- mutation:start -->", "<!-- mutation:end -->"
    block = f"{start}\n{stamp}\n\n{body}\n{end}"
    text = DOC.read_text()
    if start in text and end in text:
        text = text.split(start)[0] + block + text.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    DOC.write_text(text)


def main(argv: list[str] | None = None) -> int:
    """Mutate the named modules (all by default); exit 1 when one scores below the target."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="modules (default: all)")
    parser.add_argument("--children", type=int, default=2, help="mutants tested at once")
    parser.add_argument("--no-doc", action="store_true", help="do not rewrite docs/testing.md")
    args = parser.parse_args(argv)
    chosen = [m for m in MODULES if not args.names or m.name in args.names]
    rows = []
    for module in chosen:
        print(f"=== {module.name}: {module.path}", flush=True)
        row = run_module(module, args.children)
        rows.append(row)
        print(f"    {100 * float(row['score']):.1f} % ({row['killed']}/{row['total']} killed)")
        for name in survivors(module)[:40]:
            print(f"    survived: {name}")
    results = WORK / "results.json"
    known = json.loads(results.read_text()) if results.exists() else {}
    known.update({str(r["name"]): r for r in rows})
    results.write_text(json.dumps(known, indent=1))
    if not args.no_doc:
        write_doc([known[m.name] for m in MODULES if m.name in known])
    print(
        table(["module", "score"], [[r["name"], f"{100 * float(r['score']):.1f} %"] for r in rows])
    )
    return 0 if all(float(r["score"]) >= TARGET for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
