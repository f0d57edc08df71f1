"""Load from ``wrk`` (C, epoll) when it is installed: a load generator that costs the server far
less CPU than any Python client on the same 2-core machine (Debian package ``wrk``).

``run_wrk`` sends ``METHOD path`` with a rotating bearer token from ``clients`` keep-alive
connections for ``seconds``, and returns p50/p99 latency (ms), requests/s and errors (transport
errors plus non-2xx answers) — the same shape as ``bench.match.load``.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

SCRIPT = r"""
local tokens = {}
local i = 0
local method, path = "GET", "/"
init = function(args)
  method, path = args[1], args[2]
  for k = 3, #args do tokens[#tokens + 1] = args[k] end
end
request = function()
  i = i + 1
  local headers = {}
  if #tokens > 0 then headers["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1] end
  if method ~= "GET" then headers["Content-Length"] = "0" end
  return wrk.format(method, path, headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50": %.3f, "p99": %.3f, "requests": %d, "errors": %d, "non2xx": %d, "us": %d}\n',
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, summary.requests,
    e.connect + e.read + e.write + e.timeout, e.status, summary.duration))
end
"""


def available() -> bool:
    """Whether ``wrk`` is on the PATH."""
    return shutil.which("wrk") is not None


def run_wrk(
    base: str,
    method: str,
    path: str,
    tokens: list[str],
    clients: int,
    seconds: float,
    threads: int = 1,
) -> dict[str, float]:
    """One wrk run; p50/p99 in ms, rps, errors (transport + non-2xx)."""
    parts = urlsplit(base)
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "load.lua"
        script.write_text(SCRIPT)
        cmd = [
            "wrk", f"-t{threads}", f"-c{clients}", f"-d{max(1, round(seconds))}s",
            "--timeout", "10s", "-s", str(script), f"{parts.scheme}://{parts.netloc}",
            "--", method, path, *tokens,
        ]  # fmt: skip
        out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    line = next(ln for ln in reversed(out.splitlines()) if ln.startswith("{"))
    found = json.loads(line)
    return {
        "p50": found["p50"],
        "p99": found["p99"],
        "rps": found["requests"] / (found["us"] / 1e6),
        "errors": found["errors"] + found["non2xx"],
        "requests": found["requests"],
    }
