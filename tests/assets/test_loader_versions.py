"""The loader at its content-addressed URL: immutable, CORS-enabled for SRI, and every released
version kept reachable so a pinned `integrity` never breaks."""

from __future__ import annotations

import base64
import gzip
import hashlib
from pathlib import Path

import brotli
from flask import Flask
from flask.testing import FlaskClient

from widget_server.assets.loader import (
    LOADER_PATH,
    RELEASES_DIR,
    archive_current,
    read_versions,
)
from widget_server.assets.serve import EXTENSION_LOADER

CURRENT = LOADER_PATH.read_bytes()
DIGEST = hashlib.sha256(CURRENT).hexdigest()[:16]


def _sri(body: bytes) -> str:
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode()


def test_current_loader_is_served_immutable_at_its_hash(client: FlaskClient) -> None:
    response = client.get(f"/embed/v1/portal.{DIGEST}.js")
    assert response.status_code == 200
    assert response.data == CURRENT
    assert response.mimetype == "text/javascript"
    assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    # crossorigin="anonymous" makes the browser check CORS; the file is public.
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Cross-Origin-Resource-Policy"] == "cross-origin"
    assert response.headers["Vary"] == "Accept-Encoding"


def test_loader_is_sent_compressed_and_decodes_to_the_pinned_bytes(client: FlaskClient) -> None:
    """SRI is checked on the decoded body, so a compressed response satisfies the same pin."""
    for url in ("/embed/v1/portal.js", f"/embed/v1/portal.{DIGEST}.js"):
        br = client.get(url, headers={"Accept-Encoding": "br"})
        assert br.headers["Content-Encoding"] == "br"
        assert _sri(brotli.decompress(br.data)) == _sri(CURRENT)
        gz = client.get(url, headers={"Accept-Encoding": "gzip"})
        assert gz.headers["Content-Encoding"] == "gzip"
        assert gzip.decompress(gz.data) == CURRENT


def test_the_current_loader_is_archived() -> None:
    """A release must stay reachable after the loader changes: archive it before it ships."""
    archived = RELEASES_DIR / f"portal.{DIGEST}.js"
    assert archived.is_file() and archived.read_bytes() == CURRENT, (
        "embed/portal.js changed: run `make loader-release` and commit embed/releases/")


def test_every_archived_release_is_reachable_byte_for_byte(client: FlaskClient) -> None:
    releases = sorted(RELEASES_DIR.glob("portal.*.js"))
    assert releases
    for file in releases:
        body = file.read_bytes()
        assert file.name == f"portal.{hashlib.sha256(body).hexdigest()[:16]}.js"
        response = client.get(f"/embed/v1/{file.name}")
        assert response.status_code == 200 and response.data == body


def test_an_old_version_stays_reachable_after_the_loader_changes(
        app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    old = tmp_path / "old.js"
    old.write_bytes(b"/*! loader v0 */ window.WidgetServer = {};\n")
    releases = tmp_path / "releases"
    old_name = archive_current(old, releases).name  # released, then replaced
    new = tmp_path / "portal.js"
    new.write_bytes(b"/*! loader v1 */ window.WidgetServer = { v: 1 };\n")
    archive_current(new, releases)
    app.extensions[EXTENSION_LOADER] = read_versions(new, releases)
    assert client.get("/embed/v1/portal.js").data == new.read_bytes()
    pinned = client.get(f"/embed/v1/{old_name}")
    assert pinned.status_code == 200 and pinned.data == old.read_bytes()
    assert pinned.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    sri = client.get("/embed/v1/portal.js.sri").get_json()
    assert sri["integrity"] == _sri(new.read_bytes())
    assert sri["url"].endswith("/embed/v1/" + read_versions(new, releases).current.hashed_name)


def test_a_tampered_or_misnamed_release_is_not_served(
        app: Flask, client: FlaskClient, tmp_path: Path) -> None:
    releases = tmp_path / "releases"
    releases.mkdir()
    (releases / "portal.0123456789abcdef.js").write_bytes(b"alert('not what the name says')")
    (releases / "notes.txt").write_bytes(b"ignored")
    app.extensions[EXTENSION_LOADER] = read_versions(LOADER_PATH, releases)
    assert client.get("/embed/v1/portal.0123456789abcdef.js").status_code == 404


def test_unknown_versions_are_not_found(client: FlaskClient) -> None:
    for url in ("/embed/v1/portal.ffffffffffffffff.js", "/embed/v1/portal.js.js",
                f"/embed/v1/portal.{DIGEST.upper()}.js"):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.get_json()["error"]["code"] == "not_found"
    assert client.get("/embed/v1/portal..js").status_code == 404


def test_archiving_is_idempotent(tmp_path: Path) -> None:
    first = archive_current(LOADER_PATH, tmp_path)
    second = archive_current(LOADER_PATH, tmp_path)
    assert first == second and first.read_bytes() == CURRENT
    assert [p.name for p in tmp_path.iterdir()] == [f"portal.{DIGEST}.js"]
