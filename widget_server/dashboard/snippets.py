"""The backend snippets guide the dashboard shows, read from package data (so it is there in an
installed wheel too), pre-filled with an account's id and this service's address."""

from __future__ import annotations

from importlib import resources

GUIDE = "backend-snippets.md"


def guide_text() -> str:
    return resources.files("widget_server").joinpath("data", GUIDE).read_text(encoding="utf-8")


def backend_snippets_text(*, account_id: str, service_url: str) -> str:
    return guide_text().replace("acct_…", account_id).replace(
        "https://portal.example.com", service_url)
