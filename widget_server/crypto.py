"""Encryption of secrets at rest (Stripe keys, HMAC secrets) with MultiFernet."""

from __future__ import annotations

from collections.abc import Sequence

from cryptography.fernet import Fernet, InvalidToken, MultiFernet


class SecretBoxError(ValueError):
    """An encryption key is malformed or a stored secret cannot be decrypted."""


class SecretBox:
    """Encrypts with the first key, decrypts with any: rotate by prepending a new key."""

    def __init__(self, keys: Sequence[str]) -> None:
        if not keys:
            raise SecretBoxError("at least one encryption key is required")
        try:
            fernets = [Fernet(k.encode("ascii")) for k in keys]
        except (ValueError, UnicodeEncodeError):
            raise SecretBoxError(
                "an encryption key is not a valid Fernet key (32 url-safe base64-encoded bytes)"
            ) from None
        self._newest = fernets[0]
        self._fernet = MultiFernet(fernets)

    def encrypt(self, plaintext: str) -> str:
        return self._fernet.encrypt(plaintext.encode("utf-8")).decode("ascii")

    def decrypt(self, token: str) -> str:
        try:
            return self._fernet.decrypt(token.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretBoxError(
                "a stored secret could not be decrypted: is WIDGET_SERVER_ENCRYPTION_KEYS the "
                "key set it was written with?"
            ) from None

    def is_current(self, token: str) -> bool:
        """Whether a stored value is already encrypted with the newest (first) key."""
        try:
            self._newest.decrypt(token.encode("ascii"))
        except InvalidToken:
            return False
        return True

    def rotate(self, token: str) -> str:
        """Re-encrypt a stored value under the newest (first) key."""
        try:
            return self._fernet.rotate(token.encode("ascii")).decode("ascii")
        except InvalidToken:
            raise SecretBoxError(
                "a stored secret could not be decrypted with any of WIDGET_SERVER_ENCRYPTION_KEYS"
            ) from None


def generate_key() -> str:
    return Fernet.generate_key().decode("ascii")
