"""The embed loader: served long-cached with an ETag and SRI, small, and documented."""

from __future__ import annotations

import base64
import gzip
import hashlib
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from flask.testing import FlaskClient

REPO = Path(__file__).resolve().parents[2]
LOADER = REPO / "embed" / "portal.js"
INSTALL_DOC = REPO / "docs" / "install.md"
BUDGET = 3 * 1024


def _integrity() -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(LOADER.read_bytes()).digest()).decode()


def test_loader_fits_the_gzip_budget() -> None:
    size = len(gzip.compress(LOADER.read_bytes(), compresslevel=9, mtime=0))
    assert size <= BUDGET, f"embed/portal.js is {size} B gzipped; the budget is {BUDGET} B"


def test_plain_loader_url_is_revalidated_hourly_with_etag(client: FlaskClient) -> None:
    response = client.get("/embed/v1/portal.js")
    assert response.status_code == 200
    assert response.data == LOADER.read_bytes()
    assert response.mimetype == "text/javascript"
    # Its bytes change with a release: cached for an hour, then revalidated (the
    # content-addressed URL is the immutable one: tests/assets/test_loader_versions.py).
    assert response.headers["Cache-Control"] == "public, max-age=3600"
    assert response.headers["Access-Control-Allow-Origin"] == "*"  # needed for SRI
    etag = response.headers["ETag"]
    again = client.get("/embed/v1/portal.js", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_sri_endpoint_matches_the_served_bytes(client: FlaskClient) -> None:
    body = client.get("/embed/v1/portal.js.sri").get_json()
    assert body["integrity"] == _integrity()
    digest = hashlib.sha256(LOADER.read_bytes()).hexdigest()[:16]
    assert body["url"] == f"http://localhost/embed/v1/portal.{digest}.js"
    pinned = client.get(body["url"])
    assert "sha384-" + base64.b64encode(hashlib.sha384(pinned.data).digest()).decode() \
        == body["integrity"]


def test_install_doc_carries_the_current_sri() -> None:
    """docs/install.md's snippet pins the loader; UPDATE_DOCS=1 rewrites it."""
    text = INSTALL_DOC.read_text(encoding="utf-8")
    current = _integrity()
    name = f"portal.{hashlib.sha256(LOADER.read_bytes()).hexdigest()[:16]}.js"
    if os.environ.get("UPDATE_DOCS") == "1":
        text = re.sub(r"sha384-[A-Za-z0-9+/=]{64}", current, text)
        text = re.sub(r"portal\.[0-9a-f]{16}\.js", name, text)
        INSTALL_DOC.write_text(text, encoding="utf-8")
    found = set(re.findall(r"sha384-[A-Za-z0-9+/=]{64}", text))
    assert found == {current}, (
        f"docs/install.md has {sorted(found)}; the loader's integrity is {current} "
        "(run UPDATE_DOCS=1 pytest tests/api/test_loader.py)")
    # the pin goes with the content-addressed URL of the same bytes
    assert set(re.findall(r"portal\.[0-9a-f]{16}\.js", text)) == {name}


def test_loader_never_uses_inner_html_or_eval() -> None:
    source = LOADER.read_text(encoding="utf-8")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "eval(", "document.write",
                      "new Function"):
        assert forbidden not in source
    assert '"*"' not in source  # postMessage always names the service origin


@pytest.mark.skipif(shutil.which("node") is None, reason="node is not installed")
def test_loader_parses_and_runs_its_unit_tests() -> None:
    subprocess.run(["node", "--check", str(LOADER)], check=True)
    tests = REPO / "embed" / "portal.test.mjs"
    if tests.exists():
        subprocess.run(["node", "--test", str(tests)], check=True, cwd=REPO, timeout=60)
