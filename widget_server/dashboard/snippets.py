"""The snippets the dashboard shows: the embed snippet (with its SRI pin), and the backend
snippets guide, read from package data (so it is there in an installed wheel too), pre-filled
with an account's id and this service's address."""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from importlib import resources

from widget_server.assets.loader import LoaderFile
from widget_server.assets.serve import loader_versions

GUIDE = "backend-snippets.md"
_LINK = re.compile(r"\[([^\]]+)\]\([^)]*\)")


def guide_text() -> str:
    return resources.files("widget_server").joinpath("data", GUIDE).read_text(encoding="utf-8")


def backend_snippets_text(*, account_id: str, service_url: str) -> str:
    return guide_text().replace("acct_…", account_id).replace(
        "https://portal.example.com", service_url)


@dataclass(frozen=True)
class Block:
    """One block of the guide: a heading (level 1-3), a code block (with its language), or
    text (a paragraph, list or table, shown as written)."""

    kind: str  # "heading" | "code" | "text"
    text: str
    level: int = 0
    language: str = ""

    @property
    def segments(self) -> list[tuple[bool, str]]:
        """(is code, text) pieces of a text block: `code` spans apart, emphasis marks and
        link targets dropped (the guide's links point into the repository)."""
        plain = _LINK.sub(r"\1", self.text).replace("**", "")
        return [(i % 2 == 1, piece) for i, piece in enumerate(plain.split("`")) if piece]


def guide_blocks(text: str) -> list[Block]:
    """The guide split into blocks, so the page shows its code as code blocks (each with a
    copy button) and everything else as text; nothing of it is ever treated as markup."""
    blocks: list[Block] = []
    lines = text.splitlines()
    index, paragraph = 0, list[str]()

    def flush() -> None:
        if paragraph:
            blocks.append(Block("text", "\n".join(paragraph).strip()))
            paragraph.clear()

    while index < len(lines):
        line = lines[index]
        if line.startswith("```"):
            flush()
            language, body = line[3:].strip(), []
            index += 1
            while index < len(lines) and not lines[index].startswith("```"):
                body.append(lines[index])
                index += 1
            blocks.append(Block("code", "\n".join(body), language=language))
        elif line.startswith("#"):
            flush()
            level = len(line) - len(line.lstrip("#"))
            blocks.append(Block("heading", line.lstrip("#").strip(), level=min(level, 3)))
        elif not line.strip():
            flush()
        else:
            paragraph.append(line)
        index += 1
    flush()
    return blocks


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
