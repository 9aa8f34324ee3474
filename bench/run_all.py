"""Run every benchmark in bench/ one after another and print their tables (`make bench`)."""

from __future__ import annotations

import platform
import subprocess
import sys
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SCRIPTS = ("loader_size.py", "page_weight.py", "portal_view.py", "analytics.py",
           "view_snapshots.py")


def main() -> int:
    cpu = platform.processor() or platform.machine()
    print(f"machine: {platform.system()} {platform.release()}, {cpu}, "
          f"Python {platform.python_version()}\n")
    failures = 0
    for script in SCRIPTS:
        print(f"## {script}")
        result = subprocess.run([sys.executable, str(BENCH / script)], check=False)
        failures += result.returncode != 0
        print()
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
