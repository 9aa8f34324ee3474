"""Bundles served at content-addressed, immutable URLs, in the encoding the browser accepts;
other responses compressed on the fly, except the dashboard's pages (BREACH)."""

from __future__ import annotations

import gzip
import re
import shutil
from pathlib import Path

import brotli
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.helpers import make_test_app
from widget_server import create_app
from widget_server.accounts import CreatedAccount
from widget_server.assets.serve import EXTENSION, IMMUTABLE, assets
from widget_server.crypto import generate_key
from widget_server.sandbox import SandboxServer

STATIC = Path(__file__).resolve().parents[2] / "widget_server" / "static"


def _url(app: Flask, name: str) -> str:
    with app.app_context():
        return "/assets/" + assets()[name].hashed_name


@pytest.mark.parametrize("name", ["portal-frame.js", "portal-hosted.js", "portal.css",
                                  "dashboard.js", "dashboard.css"])
def test_bundle_is_immutable_and_typed(app: Flask, client: FlaskClient, name: str) -> None:
    response = client.get(_url(app, name))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == IMMUTABLE == \
        "public, max-age=31536000, immutable"
    assert response.mimetype == ("text/css" if name.endswith(".css") else "text/javascript")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Vary"] == "Accept-Encoding"


@pytest.mark.parametrize(("accept", "encoding"), [
    ("gzip, deflate, br, zstd", "br"),
    ("br", "br"),
    ("gzip", "gzip"),
    ("br;q=0, gzip", "gzip"),
    ("gzip;q=1, br;q=0.5", "gzip"),
    ("*", "br"),
    ("identity", None),
    ("deflate", None),
    ("", None),
])
def test_encoding_follows_accept_encoding(app: Flask, client: FlaskClient, accept: str,
                                          encoding: str | None) -> None:
    with app.app_context():
        asset = assets()["portal-frame.js"]
    response = client.get("/assets/" + asset.hashed_name, headers={"Accept-Encoding": accept})
    assert response.headers.get("Content-Encoding") == encoding
    assert response.headers["Vary"] == "Accept-Encoding"
    decode = {"br": brotli.decompress, "gzip": gzip.decompress, None: bytes}[encoding]
    assert decode(response.data) == asset.body
    assert int(response.headers["Content-Length"]) == len(response.data)


def test_each_encoding_has_its_own_etag_and_revalidates(app: Flask, client: FlaskClient) -> None:
    url = _url(app, "portal.css")
    etags = set()
    for accept in ("br", "gzip", "identity"):
        first = client.get(url, headers={"Accept-Encoding": accept})
        etags.add(first.headers["ETag"])
        again = client.get(url, headers={"Accept-Encoding": accept,
                                         "If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.data == b""
    assert len(etags) == 3


def test_an_unknown_or_old_hash_is_not_found(app: Flask, client: FlaskClient) -> None:
    good = _url(app, "portal.css")
    for url in ("/assets/portal.0000000000000000.css", "/assets/portal.css",
                good.replace(".css", ".js"), "/assets/../static/portal/portal.css"):
        assert client.get(url).status_code == 404, url


def test_a_changed_source_gets_a_new_url_in_debug(tmp_path: Path,
                                                  sandbox: SandboxServer) -> None:
    """The page names what it loads by content: edit a source and the page's URL changes, the
    new URL serves the new bytes and the old one is gone (an instance serves one build)."""
    app = make_test_app(tmp_path, sandbox.url)
    app.debug = True
    folder = tmp_path / "static"
    shutil.copytree(STATIC, folder)
    app.static_folder = str(folder)
    client = app.test_client()
    before = _url(app, "portal.css")
    with (folder / "portal" / "portal.css").open("a", encoding="utf-8") as css:
        css.write("\n.wsp-test-marker { color: red; }\n")
    after = _url(app, "portal.css")
    assert after != before
    assert b".wsp-test-marker{color:red}" in client.get(after).data
    assert client.get(before).status_code == 404


def test_frame_page_links_only_hashed_bundles(client: FlaskClient,
                                              account: CreatedAccount) -> None:
    html = client.get(f"/portal/frame?account={account.account.public_id}").get_data(
        as_text=True)
    links = re.findall(r'(?:src|href)="(/[^"]*)"', html)
    assert links and all(re.fullmatch(r"/assets/[a-z-]+\.[0-9a-f]{16}\.(js|css)", u)
                         for u in links), links


def test_json_and_portal_html_are_compressed_on_the_fly(
        client: FlaskClient, account: CreatedAccount) -> None:
    api = client.get("/v1/openapi.json", headers={"Accept-Encoding": "br"})
    assert api.headers["Content-Encoding"] == "br"
    assert "Accept-Encoding" in api.headers["Vary"]
    assert brotli.decompress(api.data).startswith(b"{")
    page = client.get(f"/portal/frame?account={account.account.public_id}",
                      headers={"Accept-Encoding": "gzip"})
    assert page.headers["Content-Encoding"] == "gzip"
    assert b'id="portal-boot"' in gzip.decompress(page.data)
    assert "nonce-" in page.headers["Content-Security-Policy"]  # the CSP is untouched
    plain = client.get("/v1/openapi.json")
    assert "Content-Encoding" not in plain.headers


def test_dashboard_pages_are_never_compressed(client: FlaskClient) -> None:
    """They carry a CSRF token and answer a cookie: compression would open them to BREACH."""
    # no owner yet: the sign-in page leads to the first-run page, a form like any other
    page = client.get("/dashboard/first-run", headers={"Accept-Encoding": "gzip, br"})
    assert page.status_code == 200 and page.mimetype == "text/html"
    assert 'name="csrf_token"' in page.get_data(as_text=True)
    assert "Content-Encoding" not in page.headers
    css = re.search(r'href="(/assets/dashboard\.[0-9a-f]{16}\.css)"', page.get_data(as_text=True))
    assert css
    assert client.get(css.group(1), headers={"Accept-Encoding": "gzip"}) \
        .headers["Content-Encoding"] == "gzip"


def test_legacy_static_urls_still_work_and_are_compressed(client: FlaskClient) -> None:
    """Loaders pinned before this release load the stylesheet from /static (inline mode)."""
    response = client.get("/static/portal/portal.css", headers={"Accept-Encoding": "br"})
    assert response.status_code == 200
    assert response.headers["Content-Encoding"] == "br"
    assert brotli.decompress(response.data) == (STATIC / "portal" / "portal.css").read_bytes()


def test_production_builds_the_bundles_when_the_app_is_created(tmp_path: Path) -> None:
    app = create_app({
        "ENV": "production", "SECRET_KEY": "k" * 40, "ENCRYPTION_KEYS": [generate_key()],
        "DATABASE_URL": f"sqlite:///{tmp_path / 'p.db'}",
        "PUBLIC_URL": "https://portal.example.com"})
    built = app.extensions[EXTENSION]
    assert set(built) == {"portal-frame.js", "portal-hosted.js", "portal.js", "portal.css",
                          "dashboard.js", "dashboard.css"}
