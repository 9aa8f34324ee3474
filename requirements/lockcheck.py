"""Compare the running environment with lock files (``requirements/*.txt``).

Run it with the interpreter of the environment to check (``.venv/bin/python``), because
the locks are universal: each line's environment marker is evaluated here.

    python requirements/lockcheck.py build.txt test.txt            # exit 1 on any difference
    python requirements/lockcheck.py --sync build.txt test.txt     # first uninstall extras
    python requirements/lockcheck.py --allow-extra build.txt runtime.txt
    python requirements/lockcheck.py --report build.txt test.txt   # print, always exit 0

The project itself (installed editable) is not part of any lock and is ignored.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "widget-server"


def read_lock(path: Path) -> dict[str, str]:
    """Pinned ``name -> version`` for the lines whose marker holds in this environment."""
    pins: dict[str, str] = {}
    logical = path.read_text(encoding="utf-8").replace("\\\n", " ")
    for raw in logical.splitlines():
        line = raw.split(" #", 1)[0].strip()
        if not line or line.startswith(("#", "-")):
            continue
        spec = " ".join(word for word in line.split() if not word.startswith("--hash="))
        requirement = Requirement(spec)
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        versions = [s.version for s in requirement.specifier if s.operator == "=="]
        if len(versions) != 1:
            raise SystemExit(f"{path}: {spec!r} is not pinned with ==")
        pins[canonicalize_name(requirement.name)] = versions[0]
    return pins


def installed() -> dict[str, str]:
    found: dict[str, str] = {}
    for dist in metadata.distributions():
        name = dist.metadata["Name"]
        if name:
            found[canonicalize_name(name)] = dist.version
    found.pop(PROJECT, None)
    return found


def differences(locked: dict[str, str], present: dict[str, str]) -> tuple[
        list[str], list[str], list[str]]:
    missing = sorted(n for n in locked if n not in present)
    extra = sorted(n for n in present if n not in locked)
    changed = sorted(n for n in locked if n in present and present[n] != locked[n])
    return missing, extra, changed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("locks", nargs="+", type=Path)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--sync", action="store_true", help="uninstall what no lock names")
    mode.add_argument("--allow-extra", action="store_true", help="ignore unlocked packages")
    mode.add_argument("--report", action="store_true", help="print differences, exit 0")
    args = parser.parse_args(argv)

    locked: dict[str, str] = {}
    for path in args.locks:
        for name, version in read_lock(path).items():
            if locked.setdefault(name, version) != version:
                raise SystemExit(f"{path}: {name} {version} disagrees with another lock")
    present = installed()
    missing, extra, changed = differences(locked, present)
    if args.sync and extra:
        pip_uninstall = [sys.executable, "-m", "pip", "uninstall", "--yes", "--quiet", *extra]
        subprocess.run(pip_uninstall, check=True)  # noqa: S603 (names read from this env)
        present = installed()
        missing, extra, changed = differences(locked, present)
    if args.allow_extra:
        extra = []

    names = ", ".join(str(p) for p in args.locks)
    if not (missing or extra or changed):
        if not args.report:
            print(f"lockcheck: the environment equals {names} ({len(locked)} packages)")
        else:
            print(f"lockcheck: no package differs from {names}")
        return 0
    print(f"lockcheck: the environment differs from {names}:")
    for name in changed:
        print(f"  {name}: locked {locked[name]}, installed {present[name]}")
    for name in missing:
        print(f"  {name}: locked {locked[name]}, not installed")
    for name in extra:
        print(f"  {name}: not locked, installed {present[name]}")
    return 0 if args.report else 1


if __name__ == "__main__":
    sys.exit(main())
