"""Run every benchmark in bench/ one after another and print their tables (`make bench`).

    python bench/run_all.py                 # about 8 minutes on 2 cores
    python bench/run_all.py --quick         # about 2 minutes: shorter load runs
    python bench/run_all.py -- --ports 8400-8499 --memory-minutes 5   # arguments for load.py

Each script has a time limit, so a hung run cannot block `make bench`. (security_blackbox.py
is a security check, not a benchmark: run it on its own.)
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# script, its arguments in a quick run, time limit in seconds
SCRIPTS: tuple[tuple[str, list[str], int], ...] = (
    ("loader_size.py", [], 60),
    ("page_weight.py", [], 180),
    ("portal_view.py", ["--iterations", "10"], 180),
    ("portal_cpu.py", ["--views", "50"], 300),
    ("analytics.py", [], 180),
    ("view_snapshots.py", ["--iterations", "10", "--token-iterations", "500"], 180),
    ("account_api.py", [], 180),
    ("load.py", ["--quick"], 1200),
)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="shorter runs")
    parser.add_argument("load_args", nargs="*", help="after --: more arguments for load.py")
    args = parser.parse_args()
    cpu = platform.processor() or platform.machine()
    print(f"machine: {platform.system()} {platform.release()}, {cpu}, "
          f"Python {platform.python_version()}\n")
    failures = 0
    for script, quick_args, limit in SCRIPTS:
        print(f"## {script}", flush=True)
        command = [sys.executable, str(BENCH / script), *(quick_args if args.quick else [])]
        if script == "load.py":
            command += args.load_args
        began = time.monotonic()
        try:
            result = subprocess.run(command, check=False, timeout=limit)
            failures += result.returncode != 0
        except subprocess.TimeoutExpired:
            print(f"{script}: stopped after {limit} s", file=sys.stderr)
            failures += 1
        print(f"({script}: {time.monotonic() - began:.0f} s)\n", flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
