"""Size budget of the portal's iframe page, like the loader's (tests/api/test_loader.py): the
page and everything it loads at first paint, as the browser downloads them."""

from __future__ import annotations

import re

from flask.testing import FlaskClient

from widget_server.accounts import CreatedAccount

MAX_REQUESTS = 4
MAX_COMPRESSED_BYTES = 30_000
IMMUTABLE = "public, max-age=31536000, immutable"


def _subresources(html: str) -> list[str]:
    """What the page makes the browser fetch: scripts, stylesheets, images, preloads."""
    found = re.findall(r'<script[^>]*\ssrc="([^"]+)"', html)
    found += re.findall(r'<link[^>]*\shref="([^"]+)"', html)
    found += re.findall(r'<img[^>]*\ssrc="([^"]+)"', html)
    return found


def test_frame_page_fits_the_budget_in_each_encoding(
        client: FlaskClient, account: CreatedAccount) -> None:
    url = f"/portal/frame?account={account.account.public_id}"
    resources = _subresources(client.get(url).get_data(as_text=True))
    for encoding in ("br", "gzip"):
        headers = {"Accept-Encoding": encoding}
        responses = [client.get(u, headers=headers) for u in (url, *resources)]
        assert len(responses) <= MAX_REQUESTS, [r.request.path for r in responses]
        for response in responses:
            assert response.status_code == 200
            assert response.headers["Content-Encoding"] == encoding  # served compressed
        total = sum(len(r.data) for r in responses)
        assert total <= MAX_COMPRESSED_BYTES, (
            f"the portal page weighs {total} B with {encoding}; the budget is "
            f"{MAX_COMPRESSED_BYTES} B (python bench/page_weight.py shows the parts)")


def test_a_repeat_visit_downloads_only_the_page(
        client: FlaskClient, account: CreatedAccount) -> None:
    """Everything but the HTML is immutable, so the browser's cache answers it; the HTML is
    revalidated each time (it carries a fresh CSP nonce)."""
    page = client.get(f"/portal/frame?account={account.account.public_id}")
    assert page.headers["Cache-Control"] == "no-cache"
    resources = _subresources(page.get_data(as_text=True))
    assert resources
    for url in resources:
        assert client.get(url).headers["Cache-Control"] == IMMUTABLE, url
