"""bench/cpu_budget.py (the scale benchmark's per-instance CPU budget) on fake cgroup trees:
the quota it writes for cgroup v2 and v1, adding processes, and None where nothing is
writable (the benchmark then says it ran without a budget)."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def budget_module(monkeypatch: pytest.MonkeyPatch, fake_root: Path) -> ModuleType:
    spec = importlib.util.spec_from_file_location("cpu_budget", ROOT / "bench" / "cpu_budget.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    monkeypatch.setattr(module, "ROOT", fake_root)
    return module


def test_v2_writes_cpu_max_and_enables_the_controller(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cgroup.controllers").write_text("cpu memory\n")
    (tmp_path / "cgroup.subtree_control").write_text("memory\n")
    (tmp_path / "cgroup.procs").write_text("")
    module = budget_module(monkeypatch, tmp_path)
    budget = module.CpuBudget.create("ws-test", 0.35)
    assert budget is not None and budget.cores == 0.35
    assert (budget.folder / "cpu.max").read_text() == "35000 100000"
    assert (tmp_path / "cgroup.subtree_control").read_text() == "+cpu"
    budget.add([1234, 5678])  # a real cgroup takes one pid per write
    assert (budget.folder / "cgroup.procs").read_text() == "5678"
    (budget.folder / "cpu.stat").write_text("usage_usec 10\nnr_periods 40\nnr_throttled 30\n")
    assert budget.throttled() == (40, 30)


def test_v1_writes_the_cfs_quota(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "cpu").mkdir()
    (tmp_path / "cpu" / "cpu.cfs_quota_us").write_text("-1\n")
    module = budget_module(monkeypatch, tmp_path)
    budget = module.CpuBudget.create("ws-test", 0.5)
    assert budget is not None
    assert (budget.folder / "cpu.cfs_quota_us").read_text() == "50000"
    assert (budget.folder / "cpu.cfs_period_us").read_text() == "100000"
    assert budget.folder.parent == tmp_path / "cpu"


def test_no_cgroups_means_no_budget(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    module = budget_module(monkeypatch, tmp_path / "missing")
    assert module.CpuBudget.create("ws-test", 0.35) is None
