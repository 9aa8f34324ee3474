"""The pages' bundles: built in a fixed order, minified, content-addressed, deterministic."""

from __future__ import annotations

import gzip
import shutil
import subprocess
from pathlib import Path

import brotli
import pytest

from widget_server.assets.build import BUNDLES, PORTAL_SCRIPTS, build, build_all

STATIC = Path(__file__).resolve().parents[2] / "widget_server" / "static"
SPECS = {spec.name: spec for spec in BUNDLES}


def _static_copy(tmp_path: Path) -> Path:
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    return folder


def test_each_page_has_one_script_and_the_app_comes_first_in_load_order() -> None:
    frame = build(STATIC, SPECS["portal-frame.js"]).body.decode()
    hosted = build(STATIC, SPECS["portal-hosted.js"]).body.decode()
    for text, entry in ((frame, "frame.js"), (hosted, "hosted.js")):
        positions = [text.index(f"/*! {name} */") for name in (*PORTAL_SCRIPTS, entry)]
        assert positions == sorted(positions)
    assert "/*! hosted.js */" not in frame and "/*! frame.js */" not in hosted
    # every source is in exactly one bundle of each page, none is left out
    sources = {p.relative_to(STATIC).as_posix() for p in STATIC.rglob("*.*")}
    used = {s for spec in BUNDLES for s in spec.sources}
    assert sources == used


def test_bundles_are_minified_but_keep_the_code() -> None:
    portal = build(STATIC, SPECS["portal.js"])
    sources = sum(len((STATIC / "portal" / n).read_bytes()) for n in PORTAL_SCRIPTS)
    assert len(portal.body) < 0.8 * sources
    assert b"window.WidgetServerPortal={version:1,mount:mount};" in portal.body
    css = build(STATIC, SPECS["portal.css"]).body
    assert b"\n\n" not in css and len(css) < len((STATIC / "portal/portal.css").read_bytes())


def test_compressed_forms_decode_to_the_same_bytes() -> None:
    for asset in build_all(STATIC).values():
        assert gzip.decompress(asset.gzip) == asset.body
        assert brotli.decompress(asset.br) == asset.body
        assert len(asset.br) < len(asset.body) and len(asset.gzip) < len(asset.body)


def test_build_is_deterministic(tmp_path: Path) -> None:
    """Any instance, any machine: the same sources give the same names and bytes."""
    first = build_all(STATIC)
    second = build_all(_static_copy(tmp_path))
    for name, asset in first.items():
        other = second[name]
        assert (asset.hashed_name, asset.body, asset.gzip, asset.br) == \
            (other.hashed_name, other.body, other.gzip, other.br)


def test_hashed_name_changes_when_a_source_changes(tmp_path: Path) -> None:
    folder = _static_copy(tmp_path)
    before = build_all(folder)
    with (folder / "portal" / "render.js").open("a", encoding="utf-8") as source:
        source.write("\n;window.__changed = 1;\n")
    after = build_all(folder)
    for name in ("portal-frame.js", "portal-hosted.js", "portal.js"):
        assert after[name].hashed_name != before[name].hashed_name
        assert after[name].hashed_name.startswith(name.split(".")[0] + ".")
    for name in ("portal.css", "dashboard.js", "dashboard.css"):
        assert after[name].hashed_name == before[name].hashed_name  # untouched sources


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_minified_scripts_still_parse(tmp_path: Path) -> None:
    for asset in build_all(STATIC).values():
        if asset.name.endswith(".js"):
            path = tmp_path / asset.name
            path.write_bytes(asset.body)
            subprocess.run(["node", "--check", str(path)], check=True, timeout=60)
