"""The snippets the dashboard shows: the embed snippet (with its SRI pin), and the backend
snippets guide, read from package data (so it is there in an installed wheel too), pre-filled
with an account's id and this service's address."""

from __future__ import annotations

import html
import json
from importlib import resources

from widget_server.assets.loader import LoaderFile
from widget_server.assets.serve import loader_versions

GUIDE = "backend-snippets.md"


def guide_text() -> str:
    return resources.files("widget_server").joinpath("data", GUIDE).read_text(encoding="utf-8")


def backend_snippets_text(*, account_id: str, service_url: str) -> str:
    return guide_text().replace("acct_…", account_id).replace(
        "https://portal.example.com", service_url)


def embed_snippet(*, service_url: str, account_id: str, loader: LoaderFile | None = None) -> str:
    """The HTML an owner pastes into their page: the loader at its content-addressed URL,
    pinned with Subresource Integrity (that URL keeps serving these bytes, so the pin never
    breaks), then the mount call for `account_id`. Plain text: show it escaped."""
    loader = loader or loader_versions().current
    src = html.escape(f"{service_url.rstrip('/')}/embed/v1/{loader.hashed_name}", quote=True)
    return EMBED_SNIPPET.format(src=src, integrity=loader.integrity,
                                account=json.dumps(account_id))


EMBED_SNIPPET = """\
<div id="billing-portal"></div>
<script src="{src}"
        integrity="{integrity}" crossorigin="anonymous"></script>
<script>
  WidgetServer.mount("#billing-portal", {{
    account: {account},
    email: "USER_EMAIL",          // or customerId: "cus_…"
    hash: "HASH_FROM_YOUR_SERVER",
  }});
</script>"""
