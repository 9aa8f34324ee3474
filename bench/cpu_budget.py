"""A fixed CPU budget for a process tree, as if it ran on a machine of its own (bench/load.py's
scale section).

On one small machine the load generator, the sandbox, nginx and every instance share the same
cores, so "two instances vs one" measures how the cores are shared, not what a second machine
adds. Giving each instance a CFS bandwidth limit of its own (cgroup v2 ``cpu.max``, or v1
``cpu.cfs_quota_us``: N cores' worth of time per 100 ms period) makes each instance's capacity
the same fixed size, while the sandbox, nginx and the load generator stay outside every budget.
``throttled()`` (periods in which the budget ran out, from ``cpu.stat``) shows whether the
budget was the limit of a run.

Needs root (a transient cgroup is created, then removed); ``CpuBudget.create`` returns None
where cgroups cannot be written, and the caller says the run had no budget.
"""

from __future__ import annotations

import contextlib
import os
import time
from pathlib import Path

PERIOD_US = 100_000
ROOT = Path("/sys/fs/cgroup")


class CpuBudget:
    def __init__(self, folder: Path, root_procs: Path, v2: bool, cores: float) -> None:
        self.folder, self._root_procs, self._v2, self.cores = folder, root_procs, v2, cores

    @classmethod
    def create(cls, name: str, cores: float) -> CpuBudget | None:
        quota = max(1000, int(cores * PERIOD_US))
        candidates = []
        if (ROOT / "cgroup.controllers").exists():  # the unified hierarchy (v2)
            candidates.append((ROOT, True))
        if (ROOT / "cpu" / "cpu.cfs_quota_us").exists():  # v1's cpu controller
            candidates.append((ROOT / "cpu", False))
        for base, v2 in candidates:
            folder = base / f"{name}-{os.getpid()}"
            try:
                if v2:
                    controllers = (base / "cgroup.subtree_control").read_text().split()
                    if "cpu" not in controllers:
                        (base / "cgroup.subtree_control").write_text("+cpu")
                folder.mkdir(exist_ok=True)
                if v2:
                    (folder / "cpu.max").write_text(f"{quota} {PERIOD_US}")
                else:
                    (folder / "cpu.cfs_period_us").write_text(str(PERIOD_US))
                    (folder / "cpu.cfs_quota_us").write_text(str(quota))
            except OSError:
                with contextlib.suppress(OSError):
                    folder.rmdir()
                continue
            return cls(folder, base / "cgroup.procs", v2, cores)
        return None

    def add(self, pids: list[int]) -> None:
        for pid in pids:
            with contextlib.suppress(OSError):  # a process that has just exited
                (self.folder / "cgroup.procs").write_text(str(pid))

    def throttled(self) -> tuple[int, int]:
        """(periods, periods in which the budget ran out) so far."""
        stat = dict(line.split() for line in (self.folder / "cpu.stat").read_text().splitlines()
                    if len(line.split()) == 2)
        return int(stat.get("nr_periods", 0)), int(stat.get("nr_throttled", 0))

    def close(self) -> None:
        """Move any process left back to the root group, then remove the group."""
        for _attempt in range(20):
            try:
                pids = (self.folder / "cgroup.procs").read_text().split()
            except OSError:
                return
            for pid in pids:
                with contextlib.suppress(OSError):
                    self._root_procs.write_text(pid)
            try:
                self.folder.rmdir()
                return
            except OSError:
                time.sleep(0.1)
