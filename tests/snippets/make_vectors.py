"""Inputs of the identity-hash test vectors, and the script that writes snippets/test_vectors.json.

The hashes are computed here with the standard library's hmac (independently of
widget_server.identity), never typed by hand. After editing VECTOR_INPUTS run:

    .venv/bin/python tests/snippets/make_vectors.py

tests/snippets/test_snippets.py fails if the file and this list disagree.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import sys
from pathlib import Path
from typing import Any

VECTORS_PATH = Path(__file__).resolve().parents[2] / "snippets" / "test_vectors.json"

_SECRET = "test_identity_secret_Zq8r2Kd7Wm4P"

# (name, secret, identifier, note). Names are test ids; keep them unique and stable.
VECTOR_INPUTS: list[tuple[str, str, str, str]] = [
    ("ascii_email", _SECRET, "ana@example.com", "plain ASCII email"),
    (
        "mixed_case_email",
        _SECRET,
        "Ana.Silva@Example.COM",
        "case is kept: the hash differs from the lowercased email's (no lowercasing)",
    ),
    (
        "lowercased_email",
        _SECRET,
        "ana.silva@example.com",
        "the lowercase form of mixed_case_email; a different identifier, a different hash",
    ),
    ("plus_addressing", _SECRET, "ana+billing@example.com", "plus-addressing is part of the id"),
    (
        "non_ascii_email",
        _SECRET,
        "zo\u00eb@\u4f8b\u3048.jp",
        "zo\u00eb@\u4f8b\u3048.jp: UTF-8 bytes of the NFC string, no punycode",
    ),
    (
        "non_ascii_email_nfd",
        _SECRET,
        "zoe\u0308@\u4f8b\u3048.jp",
        "same text in NFD (e + combining diaeresis): other bytes, other hash; no normalisation",
    ),
    ("customer_id", _SECRET, "cus_NffrFeUfNV2Hib", "Stripe customer id"),
    ("customer_id_other", _SECRET, "cus_Q9aXb2LmZt7YkR", "another Stripe customer id"),
    ("inner_spaces", _SECRET, "ana maria@example.com", "spaces inside the identifier are kept"),
    (
        "surrounding_spaces",
        _SECRET,
        "  ana@example.com ",
        "leading/trailing spaces are kept: the hash differs from the trimmed email's (no trim)",
    ),
    (
        "shell_metacharacters",
        _SECRET,
        "o'brien+$HOME%s\\n@example.com",
        "quotes, $, % and a backslash are data, never shell syntax or a format string",
    ),
    (
        "long_secret",
        "test_long_secret_" + "0123456789abcdef" * 6,
        "ana@example.com",
        "113-byte secret: longer than the SHA-256 block (64 bytes), so HMAC hashes the key first",
    ),
    (
        "secret_64_bytes",
        "k" * 64,
        "ana@example.com",
        "secret of exactly one SHA-256 block (64 bytes): used as is, not hashed",
    ),
    (
        "non_ascii_secret",
        "s\u00e9cret-\u043a\u043b\u044e\u0447-\U0001f511",
        "ana@example.com",
        "s\u00e9cret-\u043a\u043b\u044e\u0447-\U0001f511: the secret is UTF-8 too (4-byte emoji)",
    ),
]


def reference_hash(secret: str, identifier: str) -> str:
    """The definition: lowercase hex HMAC-SHA256, key and message as UTF-8 bytes."""
    key, msg = secret.encode("utf-8"), identifier.encode("utf-8")
    return hmac.new(key, msg, hashlib.sha256).hexdigest()


def build_vectors() -> list[dict[str, Any]]:
    return [
        {
            "name": name,
            "secret": secret,
            "identifier": identifier,
            "hash": reference_hash(secret, identifier),
            "note": note,
        }
        for name, secret, identifier, note in VECTOR_INPUTS
    ]


def render() -> str:
    # ensure_ascii: non-ASCII stays \u-escaped so no editor can re-normalise NFC/NFD text.
    return json.dumps(build_vectors(), indent=2, ensure_ascii=True) + "\n"


def main() -> int:
    VECTORS_PATH.write_text(render(), encoding="utf-8")
    print(f"wrote {len(VECTOR_INPUTS)} vectors to {VECTORS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
