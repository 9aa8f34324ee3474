"""The wheel carries every file the service reads at run time (templates, static files,
catalogs, migrations, the loader, the backend snippets guide the dashboard shows)."""

from __future__ import annotations

import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules")


def _build_wheel(tmp_path: Path) -> zipfile.ZipFile:
    """Build from a copy of the sources, so nothing (build/, *.egg-info) lands in the tree."""
    source = tmp_path / "src"
    source.mkdir()
    for name in ("setup.cfg", "pyproject.toml", "README.md"):
        shutil.copy(REPO / name, source / name)
    shutil.copytree(REPO / "widget_server", source / "widget_server", symlinks=True, ignore=SKIP)
    # widget_server/embed is a symlink to ../embed (the loader and its tests)
    shutil.copytree(REPO / "embed", source / "embed", ignore=SKIP)
    dist = tmp_path / "dist"
    build = ("from setuptools import build_meta; import sys; "
             "print(build_meta.build_wheel(sys.argv[1]))")
    done = subprocess.run([sys.executable, "-c", build, str(dist)], cwd=source, check=True,
                          capture_output=True, text=True, timeout=120)
    return zipfile.ZipFile(dist / done.stdout.strip().splitlines()[-1])


def _package_files() -> set[str]:
    found = set()
    for path in (REPO / "widget_server").rglob("*"):
        relative = path.relative_to(REPO)
        if "__pycache__" in relative.parts or path.is_dir():
            continue
        if relative.parts[1] == "embed" and not (path.suffix == ".js"
                                                 and path.name.startswith("portal.")):
            continue  # the loader's tests live beside it; the loader and its releases ship
        found.add(relative.as_posix())
    return found


def test_the_wheel_ships_every_file_of_the_package(tmp_path: Path) -> None:
    with _build_wheel(tmp_path) as wheel:
        shipped = set(wheel.namelist())
        missing = _package_files() - shipped
        assert not missing, f"not in the wheel (setup.cfg package_data): {sorted(missing)}"
        assert "widget_server/embed/portal.js" in shipped
        guide = wheel.read("widget_server/data/backend-snippets.md").decode("utf-8")
    source = (REPO / "widget_server" / "data" / "backend-snippets.md").read_text(encoding="utf-8")
    assert guide == source
    assert "<!-- snippet: snippets/python.py -->" in guide
