"""Security headers of every response: a strict Content-Security-Policy with a per-response
script nonce on every HTML page, and the optional HSTS header.

Every tenant's portal pages are served from one origin, so a script that ran on one of them
could act on that origin. Escaping keeps owner and Stripe data out of markup; this policy is the
second wall: only ``<script nonce=…>`` elements our templates wrote run (``'strict-dynamic'``
lets them load Stripe.js and the portal bundle), no inline handler, no ``javascript:`` URL, no
plugin, no ``<base>`` rewrite, and forms post only to this service.
"""

from __future__ import annotations

import re
import secrets
from urllib.parse import urlsplit

from flask import Flask, Response, current_app, g, request

STRIPE_FRAME_ORIGINS = ("https://js.stripe.com", "https://*.js.stripe.com",
                        "https://hooks.stripe.com")
STRIPE_API_ORIGIN = "https://api.stripe.com"
_FRAME_ANCESTORS = re.compile(r"frame-ancestors\b[^;]*", re.IGNORECASE)


def csp_nonce() -> str:
    """This response's script nonce (templates: ``<script nonce="{{ csp_nonce() }}">``)."""
    nonce: str | None = g.get("csp_nonce")
    if nonce is None:
        nonce = secrets.token_urlsafe(18)
        g.csp_nonce = nonce
    return nonce


def _origin(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(str(url))
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _stripe_sources() -> tuple[list[str], list[str]]:
    """(connect-src, frame-src) sources Stripe.js needs: real Stripe, or the sandbox."""
    config = current_app.config
    js_origin = _origin(config.get("STRIPE_JS_URL"))
    api_origin = _origin(config.get("STRIPE_API_BASE")) or STRIPE_API_ORIGIN
    connect = [api_origin]
    frames = list(STRIPE_FRAME_ORIGINS)
    if js_origin and js_origin not in frames:
        connect.append(js_origin)
        frames.append(js_origin)
    return list(dict.fromkeys(connect)), frames


def html_policy(path: str, frame_ancestors: str) -> str:
    """The policy of an HTML page at `path` (dashboard, portal pages, demo, error pages)."""
    nonce = csp_nonce()
    production = current_app.config.get("ENV") == "production"
    images = ["'self'", "data:", "https:"] + ([] if production else ["http:"])
    directives: dict[str, list[str]] = {
        "default-src": ["'none'"],
        "script-src": [f"'nonce-{nonce}'", "'strict-dynamic'"],
        "style-src": ["'self'", f"'nonce-{nonce}'"],
        "img-src": images,
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "base-uri": ["'none'"],
        "object-src": ["'none'"],
    }
    if path.startswith("/dashboard"):
        # The live preview frames the dashboard's own preview page (frame-ancestors 'self').
        directives["frame-src"] = ["'self'"]
    else:
        connect, frames = _stripe_sources()
        directives["connect-src"] += connect
        directives["frame-src"] = frames
        # Stripe.js (and its sandbox stand-in) position their 3-D Secure overlay with style
        # attributes; attributes cannot run script.
        directives["style-src-attr"] = ["'unsafe-inline'"]
    if path.startswith("/demo"):
        portal = _origin(current_app.config.get("DEMO_PORTAL_ORIGIN"))
        for name in ("connect-src", "frame-src", "style-src"):
            directives[name] = ["'self'", *([portal] if portal else []), *directives[name]]
    parts = [f"{name} {' '.join(dict.fromkeys(values))}" for name, values in directives.items()]
    return "; ".join([*parts, frame_ancestors])


def _frame_ancestors(existing: str | None) -> str:
    match = _FRAME_ANCESTORS.search(existing or "")
    return match.group(0).strip() if match else "frame-ancestors 'none'"


def security_headers(response: Response) -> Response:
    """Every response: nosniff, referrer policy, CSP (full for HTML), HSTS when configured."""
    headers = response.headers
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    # Pages that may be framed (the portal) set their own frame-ancestors; nothing else may be.
    ancestors = _frame_ancestors(headers.get("Content-Security-Policy"))
    if response.mimetype == "text/html":
        headers["Content-Security-Policy"] = html_policy(request.path, ancestors)
    else:
        headers["Content-Security-Policy"] = f"default-src 'none'; {ancestors}"
    hsts = int(current_app.config.get("HSTS_SECONDS") or 0)
    if hsts > 0:
        headers.setdefault("Strict-Transport-Security", f"max-age={hsts}; includeSubDomains")
    return response


def init_app(app: Flask) -> None:
    app.jinja_env.globals["csp_nonce"] = csp_nonce
    app.after_request(security_headers)
