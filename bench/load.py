"""Load: the user journey (``bench/locustfile.py``) against ``trendpath run`` at 16/64/256 users.

Setup: a throwaway embedded PostgreSQL and ``trendpath run`` in its own process (production
password hashing cost, since sign-up and sign-in are part of the journey), forecasts trained.
Then, for each number of concurrent users, a fresh locust run (headless, FastHttpUser) ramps
the users up over about ten seconds and keeps them busy for ``--seconds``: every user signs up,
signs in (code + PKCE), fills in the profile, talks with the coach to the end, reads the match,
starts a roadmap and then browses, searches, reads trend news and records progress with
0.5–2 s of think time. The server's CPU time is read from ``/proc`` around each run.

Reported: sustained requests/s, p50/p95/p99 per endpoint and overall, and the error rate.
``--profile [USERS]`` also samples the server's workers with py-spy during the run at USERS
users (default 64) and prints the functions that hold the CPU (the "first bottleneck" hunt). Run:
``.venv/bin/python -m bench.load [--quick] [--users 16,64,256] [--seconds 60] [--profile [N]]``.
"""

from __future__ import annotations

import argparse
import csv
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.report import Target, table, write_section
from bench.server import sign_in, stack, wait_forecasts
from trendpath.kit.settings import Settings

LOCUSTFILE = Path(__file__).with_name("locustfile.py")
PRODUCTION_HASHING = {
    "TRENDPATH_AUTH_ARGON2_TIME_COST": "2",
    "TRENDPATH_AUTH_ARGON2_MEMORY_KIB": "19456",
    "TRENDPATH_DB_POOL_SIZE": "10",
    "TRENDPATH_DB_MAX_OVERFLOW": "10",
}
Stats = dict[str, dict[str, float]]


def _own_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = sum(int(f) for f in fields[11:15])
    return ticks / os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process, its waited-for children and its live child
    processes (``trendpath run``'s workers, which it does not wait for while they serve)."""
    total = _own_cpu(pid)
    for task in Path(f"/proc/{pid}/task").iterdir():
        for child in (task / "children").read_text().split():
            try:
                total += _own_cpu(int(child))
            except (FileNotFoundError, ProcessLookupError):
                continue  # ended meanwhile (its time is then in the waited-for share)
    return total


def run_locust(
    base: str, users: int, seconds: int, out: Path, env: dict[str, str] | None = None
) -> Stats:
    """One headless locust run; its per-endpoint statistics (``Aggregated`` included)."""
    prefix = out / f"u{users}"
    rate = max(1, users // 10)
    cmd = [
        sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), "--headless",
        "-u", str(users), "-r", str(rate), "--run-time", f"{seconds}s", "--host", base,
        "--csv", str(prefix), "--only-summary", "--stop-timeout", "5",
        "--exit-code-on-error", "0", "--loglevel", "WARNING",
    ]  # fmt: skip
    done = subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        timeout=seconds + 180,
        env={**os.environ, **(env or {})},
    )
    if done.returncode != 0:
        raise RuntimeError(f"locust failed ({done.returncode}): {done.stderr[-2000:]}")
    stats: Stats = {}
    with open(f"{prefix}_stats.csv", newline="") as fh:
        for row in csv.DictReader(fh):
            stats[row["Name"]] = {
                "requests": float(row["Request Count"]),
                "failures": float(row["Failure Count"]),
                "rps": float(row["Requests/s"]),
                "p50": float(row["50%"]),
                "p95": float(row["95%"]),
                "p99": float(row["99%"]),
            }
    by_code: Counter[str] = Counter()
    failures = Path(f"{prefix}_failures.csv")
    if failures.exists():
        for row in csv.DictReader(failures.open()):
            found = re.search(r"code=(\d+)", row["Error"])
            by_code[found.group(1) if found else "no answer"] += int(row["Occurrences"])
    print(f"  failures by status: {dict(by_code)}", flush=True)
    stats["Aggregated"]["http_500"] = float(by_code["500"])
    stats["Aggregated"]["http_503"] = float(by_code["503"])
    return stats


def profile_server(pid: int, seconds: int, out: Path) -> list[tuple[str, float]]:
    """Sample the server with py-spy (busy threads only); where the samples land.

    Each sample is charged to its innermost frame in our own code (``trendpath/``) together with
    the innermost frame of all (the library call that is actually running), so the table says
    both which of our functions cost the time and what they were doing.
    """
    spy = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
    raw = out / "profile.txt"
    subprocess.run(
        [spy, "record", "--pid", str(pid), "--duration", str(seconds), "--format", "raw",
         "--output", str(raw), "--rate", "50", "--nonblocking", "--subprocesses"],
        capture_output=True, check=False, timeout=seconds + 60,
    )  # fmt: skip
    if not raw.exists():
        return []
    charged: Counter[str] = Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack_text, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        total += int(count)
        frames = stack_text.split(";")
        ours = [f for f in frames if "trendpath/" in f]
        leaf = frames[-1].split(" (", 1)[0]
        where = ours[-1].split(" (", 1)[0] if ours else "(framework: uvicorn/starlette)"
        charged[f"{where} → {leaf}"] += int(count)
    return [(name, 100 * n / total) for name, n in charged.most_common(15)] if total else []


def main(argv: list[str] | None = None) -> None:
    """Run the load scenario at each user count and write the ``load`` section."""
    parser = argparse.ArgumentParser(prog="bench.load", description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="4 and 16 users, 20 s each")
    parser.add_argument("--users", default=None, help="comma-separated user counts")
    parser.add_argument("--seconds", type=int, default=None, help="run time per user count")
    parser.add_argument(
        "--profile", type=int, nargs="?", const=64, default=None, metavar="USERS",
        help="py-spy the workers during the run at USERS users (default 64)",
    )  # fmt: skip
    parser.add_argument("--keep", type=Path, default=None, help="folder for locust CSVs")
    parser.add_argument("--note", default="", help="a sentence added to the section's note")
    args = parser.parse_args(argv)
    levels = [int(u) for u in (args.users or ("4,16" if args.quick else "16,64,256")).split(",")]
    seconds = args.seconds or (20 if args.quick else 60)
    out = args.keep or Path(os.environ.get("TMPDIR", "/tmp")) / f"trendpath-load-{os.getpid()}"
    out.mkdir(parents=True, exist_ok=True)
    load_avg = os.getloadavg()[0]
    results: dict[int, Stats] = {}
    cpu: dict[int, float] = {}
    hot: list[tuple[str, float]] = []
    with stack("load", PRODUCTION_HASHING, keep_log=out / "server.log") as st:
        token = sign_in(st.base, Settings(env="test", public_url=st.base), "warm@example.com")
        waited = wait_forecasts(st.base, token, timeout_s=1200)
        print(f"forecasts ready after {waited:.0f} s", flush=True)
        for users in levels:
            before, started = cpu_seconds(st.proc.pid), time.monotonic()
            with ThreadPoolExecutor(max_workers=1) as pool:
                spy = None
                if args.profile == users:
                    spy = pool.submit(_sample_after_ramp, st.proc.pid, seconds, out)
                results[users] = run_locust(st.base, users, seconds, out)
                cpu[users] = (cpu_seconds(st.proc.pid) - before) / (time.monotonic() - started)
                if spy is not None:
                    hot = spy.result()
            agg = results[users]["Aggregated"]
            print(
                f"{users} users: {agg['rps']:.0f} req/s, p50 {agg['p50']:.0f} / p95 "
                f"{agg['p95']:.0f} / p99 {agg['p99']:.0f} ms, errors "
                f"{100 * agg['failures'] / max(1, agg['requests']):.2f} %, server CPU "
                f"{100 * cpu[users]:.0f} %",
                flush=True,
            )
    _write(results, cpu, hot, seconds, load_avg, args.note, args.profile or 64)


def _sample_after_ramp(pid: int, seconds: int, out: Path) -> list[tuple[str, float]]:
    """py-spy the server once the ramp-up is over (runs beside the locust run)."""
    time.sleep(min(15, seconds // 3))
    return profile_server(pid, max(10, seconds // 2), out)


LEFT = (
    "\n\n**What is left: p99 ≤ 2 s at 256 users (issue 21, declared blocked on this machine; "
    "figures of 2026-12-07, `--profile 256`).** py-spy on the workers during the 256-user run put "
    "27 % of the busy samples in the crisis semantic layer's encoder (every coach message is "
    "screened, issue 17) and 30 % in argon2 for the 256 sign-ups and sign-ins of the ramp (the "
    "OWASP baseline, issue 21); the server held 153 % of the two cores, locust and PostgreSQL the "
    "rest. 256 people with 0.5–2 s think time ask for one request per (1.25 s + response time): "
    "p99 ≤ 2 s needs about 140 req/s of this mix, and the machine serves 71–78. An experiment "
    "with the semantic layer off (not shipped) reached 100 req/s and coach messages p99 2.2 s, "
    "and moved the queue to the next endpoints (GET users/match p99 12 s, sign-in 11 s). Caching "
    "Kiwi's analysis of each text took Kiwi out of the profile (4 % → under 1 %; the simulated "
    "people repeat five sentences, so here it also hits across people — within one person's "
    "talk it saves about 3 ms of a 55–60 ms turn) and left the figure where it was. It needs "
    "more cores (or the load generator and PostgreSQL elsewhere), or one of the two "
    "requirements relaxed."
)
"""Why the last target of issue 21 is out of reach here (kept beside every re-run's figures)."""


def _write(
    results: dict[int, Stats],
    cpu: dict[int, float],
    hot: list[tuple[str, float]],
    seconds: int,
    load_avg: float,
    extra: str = "",
    profiled: int = 64,
) -> None:
    summary = []
    for users, stats in results.items():
        agg = stats["Aggregated"]
        errors = 100 * agg["failures"] / max(1, agg["requests"])
        summary.append(
            [users, int(agg["requests"]), f"{agg['rps']:.1f}", int(agg["p50"]), int(agg["p95"]),
             int(agg["p99"]), f"{errors:.2f} %", int(agg["http_500"]), int(agg["http_503"]),
             f"{100 * cpu[users]:.0f} %"]
        )  # fmt: skip
    head = ["users", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors", "500s", "503s",
            "server CPU"]  # fmt: skip
    body = table(head, summary)
    rows = []
    names = sorted({n for s in results.values() for n in s if n != "Aggregated"})
    for name in names:
        for users, stats in results.items():
            if name in stats:
                s = stats[name]
                errors = 100 * s["failures"] / max(1, s["requests"])
                rows.append(
                    [name, users, int(s["requests"]), f"{s['rps']:.1f}", int(s["p50"]),
                     int(s["p95"]), int(s["p99"]), f"{errors:.1f} %"]
                )  # fmt: skip
    per = table(["endpoint", "users", "requests", "req/s", "p50", "p95", "p99", "errors"], rows)
    print(body)
    print(per)
    note = (
        f"One locust run per user count, {seconds} s each including a ~10 s ramp-up (so the "
        "sign-ups of all users fall into the first ten seconds), against `trendpath run` (its "
        "default: one worker process per core, each serving all five services and the "
        "dashboard) on the embedded PostgreSQL, with the production password hashing cost; "
        "the load generator (locust FastHttpUser) and PostgreSQL share the 2 cores (load average "
        f"{load_avg:.1f} when the run started). Latencies in ms, per endpoint by route "
        "template. Server CPU = the server process's CPU time over wall time (100 % = one "
        "core). An error is any non-2xx answer; under overload the server sheds load with "
        "`503 busy` + `Retry-After` and the simulated person tries again.\n\n"
        "**First bottleneck found and fixed.** The first 256-user run ended with 30 % errors, "
        "all `500`s from `sqlalchemy.exc.TimeoutError` (pool exhausted), while the server used "
        "only 21–29 % of one core. `py-spy dump` showed all 40 worker threads waiting for a "
        "pooled connection, and `pg_stat_activity` showed all 20 connections `idle in "
        "transaction` after the sign-up handler's last query: a request-scoped session keeps "
        "its connection until the request ends, and FastAPI validates a sync handler's "
        "response on a worker thread — which every thread, blocked on the pool, was holding. "
        "A deadlock broken only by the pool timeout. Fix (`trendpath.kit.db.Admission`): a "
        "request waits for a database slot on the event loop (no thread held) before it gets "
        "its session, there are fewer slots than connections, the session is closed on a "
        "thread of its own, and a wait longer than the pool timeout is a `503 busy` with "
        "`Retry-After` (pool timeouts anywhere else too) — never a 500. Regression test: "
        "`tests/kit/test_kit_admission.py` (120 concurrent requests, 40 threads, 3 "
        "connections). No request fails with a 500 since; what is left at 256 users is the "
        "CPU: 256 sign-ups and sign-ins within ten seconds cost ~18 CPU-seconds of argon2 "
        "(35 ms each) on a 2-core machine. **Second fix (issue 21)**: argon2 runs on hashing "
        "threads at nice +10 and the requests that hash pass a per-process password lane "
        "before they take a database slot (`trendpath.auth.passwords`), so a sign-up crowd "
        "waits for itself instead of for everyone." + (f" {extra}" if extra else "") + LEFT
    )
    text = note + "\n\n" + body + "\n\nPer endpoint:\n\n" + per
    if hot:
        prof = table(
            ["our function → running call", "% of busy samples"],
            [[f"`{n}`", f"{p:.1f}"] for n, p in hot],
        )
        text += f"\n\nWhere the server spent its time at {profiled} users (py-spy):\n\n" + prof
    write_section(
        "load", "Load: the user journey at 16/64/256 users", text, targets=_targets(results)
    )


HASHING = ("POST auth/accounts", "POST auth/login")
"""Sign-up and sign-in: the requests that compute argon2 (OWASP cost), exempt from the p99 goal."""
P99_GOAL_MS = 2000.0


def slowest(stats: Stats) -> tuple[str, float]:
    """The endpoint with the highest p99, sign-up and sign-in left out."""
    rest = {n: s["p99"] for n, s in stats.items() if n != "Aggregated" and n not in HASHING}
    name = max(rest, key=lambda n: rest[n])
    return name, rest[name]


def _targets(results: dict[int, Stats]) -> list[Target]:
    """No internal error at any level; no failed request at all up to 64 users; from 256 users
    on, every endpoint but sign-up and sign-in answers within 2 s at p99 (issue 21)."""
    out = []
    for users, stats in results.items():
        agg = stats["Aggregated"]
        failed, internal = int(agg["failures"]), int(agg["http_500"])
        out.append(Target(f"500s at {users} users", "0", str(internal), internal == 0))
        if users <= 64:
            out.append(Target(f"failed requests at {users} users", "0", str(failed), failed == 0))
        if users >= 256:
            name, p99 = slowest(stats)
            out.append(
                Target(
                    f"p99 of every endpoint but sign-up/sign-in at {users} users",
                    f"<= {P99_GOAL_MS:,.0f} ms",
                    f"{p99:,.0f} ms (slowest: {name})",
                    p99 <= P99_GOAL_MS,
                )
            )
    return out


if __name__ == "__main__":
    main()
