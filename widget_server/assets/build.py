"""Build the pages' bundles from the sources in ``static/``: concatenate in a fixed order,
minify (rjsmin / rcssmin: whitespace and comments only, no renaming), hash, and precompress
(Zopfli's gzip and brotli 11). Deterministic: the same sources give the same bytes and names on
every machine, so any instance serves any other's URLs. No Flask here; ``assets.serve`` serves it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import brotli
import rcssmin
import rjsmin
import zopfli.gzip

# The portal app, in load order (each file adds to window.WidgetServerPortalParts; app.js
# defines window.WidgetServerPortal). Each page's entry script comes after it.
PORTAL_SCRIPTS: tuple[str, ...] = (
    "dom.js", "api.js", "viewport.js", "dialogs.js", "entitlements.js", "render.js", "usage.js",
    "plans.js", "actions.js", "account-actions.js", "cards.js", "flow.js",
    "ready.js", "press.js", "app.js",
)
_PORTAL = tuple(f"portal/{name}" for name in PORTAL_SCRIPTS)


@dataclass(frozen=True)
class BundleSpec:
    """One file the pages load: its name (``stem.ext``) and its sources under ``static/``."""

    name: str
    sources: tuple[str, ...]

    @property
    def stem(self) -> str:
        return self.name.rsplit(".", 1)[0]

    @property
    def ext(self) -> str:
        return self.name.rsplit(".", 1)[1]


# One script and one stylesheet per page. The iframe page and the hosted page share the app and
# the stylesheet; "portal.js" (the app alone) is what the loader's inline mode loads.
BUNDLES: tuple[BundleSpec, ...] = (
    BundleSpec("portal-frame.js", (*_PORTAL, "portal/frame.js")),
    BundleSpec("portal-hosted.js", (*_PORTAL, "portal/hosted.js")),
    BundleSpec("portal.js", _PORTAL),
    BundleSpec("portal.css", ("portal/portal.css", "dashboard/preview-frame.css")),
    BundleSpec("dashboard.js", ("dashboard/dashboard.js", "dashboard/preview.js")),
    BundleSpec("dashboard.css", ("dashboard/dashboard.css", "dashboard/preview.css")),
)

MIMETYPES = {"js": "text/javascript", "css": "text/css"}
HASH_LENGTH = 16  # hex digits of SHA-256 in a file name: 64 bits, no collision in practice


def content_hash(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:HASH_LENGTH]


@dataclass(frozen=True)
class Asset:
    """A built file: its bytes in each encoding, and its content-addressed name."""

    name: str  # "portal-frame.js"
    body: bytes  # identity
    gzip: bytes
    br: bytes

    @cached_property
    def digest(self) -> str:
        return content_hash(self.body)

    @cached_property
    def hashed_name(self) -> str:  # "portal-frame.0123456789abcdef.js"
        stem, ext = self.name.rsplit(".", 1)
        return f"{stem}.{self.digest}.{ext}"

    @property
    def mimetype(self) -> str:
        return MIMETYPES[self.name.rsplit(".", 1)[1]]

    def encoded(self, encoding: str) -> bytes:
        return {"br": self.br, "gzip": self.gzip}.get(encoding, self.body)


def compress(body: bytes) -> tuple[bytes, bytes]:
    """(gzip, brotli) of `body`, at the strongest settings, without timestamps. The gzip is
    Zopfli's (a standard gzip stream, about 5 % smaller than gzip -9 for our bundles, at
    about 0.3 s per bundle once per process: these are built once and served many times)."""
    return (zopfli.gzip.compress(body),
            bytes(brotli.compress(body, mode=brotli.MODE_TEXT, quality=11)))


def minify(text: str, ext: str) -> str:
    if ext == "js":
        # `/*! … */` comments (licences, the file markers below) survive.
        return str(rjsmin.jsmin(text, keep_bang_comments=True))
    return str(rcssmin.cssmin(text, keep_bang_comments=True))


def bundle_text(static_folder: Path, spec: BundleSpec) -> str:
    """The sources in order, each marked by its name; scripts joined so none can run into the
    next (every source is a self-contained IIFE or plain statements)."""
    parts = []
    for source in spec.sources:
        text = (static_folder / source).read_text(encoding="utf-8")
        minified = minify(text, spec.ext).strip()
        if spec.ext == "js" and not minified.endswith(";"):
            minified += ";"
        parts.append(f"/*! {source.rsplit('/', 1)[-1]} */\n{minified}")
    return "\n".join(parts) + "\n"


def build(static_folder: Path, spec: BundleSpec) -> Asset:
    body = bundle_text(static_folder, spec).encode("utf-8")
    gz, br = compress(body)
    return Asset(spec.name, body, gz, br)


def source_stamp(static_folder: Path) -> tuple[tuple[str, int, int], ...]:
    """What the bundles are built from (name, mtime, size): a change means a rebuild."""
    names = sorted({source for spec in BUNDLES for source in spec.sources})
    stamps = []
    for name in names:
        stat = (static_folder / name).stat()
        stamps.append((name, stat.st_mtime_ns, stat.st_size))
    return tuple(stamps)


def build_all(static_folder: Path) -> dict[str, Asset]:
    return {spec.name: build(static_folder, spec) for spec in BUNDLES}
