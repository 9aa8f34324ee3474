"""The embed loader's versions: the current ``embed/portal.js`` and every released one.

A site that pins the loader with Subresource Integrity loads it from its content-addressed URL,
``/embed/v1/portal.<hash>.js``; that URL must serve the same bytes for as long as the pin
lives. So every loader version that was ever served is kept in ``embed/releases/`` (named by its
hash, byte-identical) and stays reachable; ``make loader-release`` archives the current one, and
a test fails while the current loader is not archived. The plain ``/embed/v1/portal.js`` always
serves the current version (for installs without a pin).
"""

from __future__ import annotations

import base64
import hashlib
import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import widget_server
from widget_server.assets.build import compress, content_hash

# `widget_server/embed` is a symlink to the top-level `embed/` (the loader's source and tests),
# so the loader ships inside the package (setup.cfg package_data) and a checkout needs no copy.
EMBED_DIR = Path(widget_server.__file__).parent / "embed"
LOADER_PATH = EMBED_DIR / "portal.js"
RELEASES_DIR = EMBED_DIR / "releases"
_RELEASE_NAME = re.compile(r"\Aportal\.([0-9a-f]{16})\.js\Z")


def integrity_of(body: bytes) -> str:
    """The Subresource Integrity value of `body`: ``sha384-<base64>``."""
    return "sha384-" + base64.b64encode(hashlib.sha384(body).digest()).decode("ascii")


@dataclass(frozen=True)
class LoaderFile:
    body: bytes

    @cached_property
    def digest(self) -> str:
        return content_hash(self.body)

    @cached_property
    def integrity(self) -> str:  # Subresource Integrity value: "sha384-…"
        return integrity_of(self.body)

    @property
    def hashed_name(self) -> str:
        return f"portal.{self.digest}.js"

    @cached_property
    def _compressed(self) -> tuple[bytes, bytes]:
        return compress(self.body)

    def encoded(self, encoding: str) -> bytes:
        gz, br = self._compressed
        return {"gzip": gz, "br": br}.get(encoding, self.body)


def loader_path() -> Path:
    if not LOADER_PATH.is_file():
        raise FileNotFoundError(f"{LOADER_PATH} is missing from this installation")
    return LOADER_PATH


def read_loader(path: Path | None = None) -> LoaderFile:
    return LoaderFile((path or loader_path()).read_bytes())


@dataclass(frozen=True)
class LoaderVersions:
    current: LoaderFile
    by_digest: dict[str, LoaderFile]  # every servable version, the current one included

    def find(self, digest: str) -> LoaderFile | None:
        return self.by_digest.get(digest)


def read_versions(path: Path | None = None, releases: Path | None = None) -> LoaderVersions:
    """The current loader and the archived ones. An archived file whose bytes do not match its
    name is skipped (it could never satisfy a pin made for that name)."""
    current = read_loader(path)
    found = {current.digest: current}
    folder = releases or RELEASES_DIR
    if folder.is_dir():
        for file in sorted(folder.iterdir()):
            match = _RELEASE_NAME.match(file.name)
            if not match:
                continue
            loader = LoaderFile(file.read_bytes())
            if loader.digest == match.group(1):
                found.setdefault(loader.digest, loader)
    return LoaderVersions(current, found)


def archive_current(path: Path | None = None, releases: Path | None = None) -> Path:
    """Copy the current loader into the releases folder under its hashed name (idempotent)."""
    loader = read_loader(path)
    folder = releases or RELEASES_DIR
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / loader.hashed_name
    if not target.exists():
        target.write_bytes(loader.body)
    return target
