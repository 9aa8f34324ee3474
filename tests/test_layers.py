"""The layer rules of docs/architecture.md, checked with import-linter (contracts in setup.cfg).

The rules hold on the package as it is, every top-level module is covered by the "no sandbox"
contract, and each rule fails when broken: a copy of the package with one forbidden import
added is linted and must be refused.
"""

from __future__ import annotations

import configparser
import os
import pkgutil
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import widget_server

ROOT = Path(__file__).resolve().parents[1]
SETUP_CFG = ROOT / "setup.cfg"
PACKAGE = Path(widget_server.__file__).parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint(config: Path, cwd: Path, pythonpath: Path | None = None,
         ) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}  # one contract per line in the summary
    if pythonpath:
        env["PYTHONPATH"] = str(pythonpath)
    return subprocess.run([str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config)],
                          cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def contracts() -> configparser.ConfigParser:
    parser = configparser.ConfigParser()
    parser.read(SETUP_CFG, encoding="utf-8")
    return parser


def test_every_contract_is_kept() -> None:
    result = lint(SETUP_CFG, ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "5 kept, 0 broken" in result.stdout


def test_every_production_module_is_under_the_no_sandbox_rule() -> None:
    listed = contracts()["importlinter:contract:production-without-sandbox"]["source_modules"]
    covered = {line.strip() for line in listed.splitlines() if line.strip()}
    top_level = {f"widget_server.{m.name}" for m in pkgutil.iter_modules(widget_server.__path__)}
    assert covered == top_level - {"widget_server.sandbox"}


@pytest.fixture(scope="module")
def package_copy(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package's Python files in a temporary folder, importable in its place."""
    root = tmp_path_factory.mktemp("layers")
    shutil.copytree(PACKAGE, root / "widget_server",
                    ignore=shutil.ignore_patterns("__pycache__", "static", "templates",
                                                  "translations", "*.json", "*.po"))
    shutil.copy(SETUP_CFG, root / "setup.cfg")
    return root


@pytest.mark.parametrize(("module", "line", "contract"), [
    ("billing/gateway.py", "from flask import current_app", "billing/ knows nothing of Flask"),
    ("billing/writes.py", "from widget_server.errors import ApiError",
     "billing/ knows nothing of Flask"),
    ("billing/catalog.py", "from widget_server.i18n import _", "billing/ knows nothing of Flask"),
    ("portal/serialize.py", "from widget_server.sandbox.seed import DEMO_CUSTOMERS",
     "production code never imports the sandbox"),
    ("demo.py", "import widget_server.sandbox", "production code never imports the sandbox"),
    ("portal/actions_customer.py", "from stripe.params import CustomerTaxIdCreateParams",
     "the blueprints reach Stripe only through billing"),
    ("sandbox/seed.py", "from widget_server.billing import domain",
     "the sandbox is a Stripe emulator"),
    ("models.py", "from flask import current_app", "the core"),
])
def test_a_broken_rule_fails(package_copy: Path, module: str, line: str,
                             contract: str) -> None:
    target = package_copy / "widget_server" / module
    original = target.read_text(encoding="utf-8")
    target.write_text(original + f"\n{line}  # added by the test\n", encoding="utf-8")
    try:
        result = lint(package_copy / "setup.cfg", package_copy, pythonpath=package_copy)
    finally:
        target.write_text(original, encoding="utf-8")
    assert result.returncode == 1, result.stdout + result.stderr
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert len(broken) == 1 and broken[0].startswith(contract), result.stdout
