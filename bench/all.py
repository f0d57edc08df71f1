"""Run every benchmark in bench/ in turn (``make bench``); each rewrites its docs section."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import time
from pathlib import Path

SKIP = {"all", "report", "server", "locustfile", "vectors_data", "forecast_data", "forecast_peers"}


def main() -> int:
    """Run each ``bench.<name>.main()``; report failures without stopping the others."""
    here = Path(__file__).parent
    names = sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name not in SKIP)
    failed = []
    for name in names:
        started = time.perf_counter()
        print(f"=== bench.{name}", flush=True)
        try:
            module = importlib.import_module(f"bench.{name}")
            module.main([])
        except SystemExit as exc:
            if exc.code not in (0, None):
                failed.append(name)
        except Exception as exc:
            print(f"bench.{name} failed: {exc!r}", file=sys.stderr)
            failed.append(name)
        print(f"=== bench.{name} took {time.perf_counter() - started:.0f} s", flush=True)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
