"""The sandbox's answers: indented by two spaces like Stripe's, in UTF-8 (both escaped and raw
non-ASCII are valid JSON; the clients read either)."""

from __future__ import annotations

import json

import requests

from widget_server.sandbox import SandboxServer


def test_answers_are_indented_utf8_json(sandbox: SandboxServer) -> None:
    response = requests.get(
        f"{sandbox.url}/v1/invoices", params={"customer": "cus_demo_ana", "limit": 3},
        headers={"Authorization": "Bearer sk_test_sandbox"}, timeout=10)
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.content
    assert body.startswith(b'{\n  "object": "list",\n  "data": [\n    {\n      "id": ')
    text = body.decode("utf-8")
    assert "\\u00d7" not in text and "\u00d7" in text  # "1 \u00d7 Pro" as UTF-8, not escaped
    assert json.loads(text)["object"] == "list"
