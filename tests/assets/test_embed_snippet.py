"""The embed snippet (dashboard, Install page, docs): the content-addressed loader URL with the
SRI hash of the bytes that URL serves."""

from __future__ import annotations

import base64
import hashlib
import re

from flask import Flask
from flask.testing import FlaskClient

from widget_server.assets.loader import LoaderFile
from widget_server.dashboard.snippets import embed_snippet


def _snippet(app: Flask, **kwargs: str) -> str:
    with app.test_request_context():
        return embed_snippet(**{"service_url": "http://localhost",
                                "account_id": "acct_abc123", **kwargs})


def test_snippet_pins_the_served_bytes(app: Flask, client: FlaskClient) -> None:
    snippet = _snippet(app)
    match = re.search(r'<script src="http://localhost(/embed/v1/portal\.[0-9a-f]{16}\.js)"\s+'
                      r'integrity="(sha384-[A-Za-z0-9+/]{64})" crossorigin="anonymous"></script>',
                      snippet)
    assert match, snippet
    served = client.get(match.group(1), headers={"Accept-Encoding": "identity"})
    assert served.status_code == 200
    digest = base64.b64encode(hashlib.sha384(served.data).digest()).decode()
    assert match.group(2) == "sha384-" + digest
    assert 'account: "acct_abc123",' in snippet
    assert snippet.startswith('<div id="billing-portal"></div>\n')
    assert 'WidgetServer.mount("#billing-portal", {' in snippet


def test_snippet_for_another_loader_and_a_trailing_slash(app: Flask) -> None:
    loader = LoaderFile(b"/* v2 */")
    snippet = _snippet(app, service_url="https://billing.example.com/")
    assert 'src="https://billing.example.com/embed/v1/portal.' in snippet
    with app.test_request_context():
        other = embed_snippet(service_url="https://b.example", account_id="acct_x", loader=loader)
    assert f'src="https://b.example/embed/v1/{loader.hashed_name}"' in other
    assert f'integrity="{loader.integrity}"' in other


def test_snippet_values_cannot_break_out(app: Flask) -> None:
    snippet = _snippet(app, service_url='https://x.example/"><script>alert(1)</script>',
                       account_id='acct_"+alert(1)+"')
    assert "<script>alert(1)" not in snippet
    assert '&quot;&gt;&lt;script&gt;' in snippet
    assert 'account: "acct_\\"+alert(1)+\\"",' in snippet
