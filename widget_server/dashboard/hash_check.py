"""The identity hash checker: which of an account's secrets made a hash, or why none did."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import Enum

from widget_server.i18n import _
from widget_server.identity import IdentityVerdict, check_identity, is_well_formed_hash


class HashVerdict(Enum):
    CURRENT = "current"
    PREVIOUS = "previous"
    MISMATCH = "mismatch"
    MALFORMED = "malformed"
    NO_IDENTIFIER = "no_identifier"


@dataclass(frozen=True)
class HashCheck:
    verdict: HashVerdict
    message: str
    notes: tuple[str, ...] = ()

    @property
    def ok(self) -> bool:
        return self.verdict in {HashVerdict.CURRENT, HashVerdict.PREVIOUS}


def check_hash(secrets: Sequence[str], identifier: str, candidate: str) -> HashCheck:
    """Which secret (current first, then previous) the hash was made with, if any.

    Says only match / mismatch / why malformed: never the secret or the expected hash.
    The verdict is ``identity.check_identity``'s, the same check ``POST /v1/embed/session``
    makes, so the checker cannot disagree with the endpoint.
    """
    notes = _identifier_notes(identifier)
    if not identifier:
        return HashCheck(HashVerdict.NO_IDENTIFIER, _("Paste the email or customer id."))
    candidate = candidate.strip()
    verdict = check_identity(secrets, identifier, candidate)  # the embed endpoint's own check
    if verdict is IdentityVerdict.MALFORMED_HASH:
        return HashCheck(HashVerdict.MALFORMED, _malformed_reason(candidate), notes)
    if verdict is IdentityVerdict.CURRENT_SECRET:
        return HashCheck(HashVerdict.CURRENT, _("It matches: made with the current secret."))
    if verdict is IdentityVerdict.PREVIOUS_SECRET:
        return HashCheck(
            HashVerdict.PREVIOUS,
            _("It matches the previous secret, which stops working when the rotation overlap "
              "ends. Update your backend to the current secret."),
        )
    return HashCheck(
        HashVerdict.MISMATCH,
        _("It does not match this account's current or previous secret for this identifier."),
        notes,
    )


def _malformed_reason(candidate: str) -> str:
    if not candidate:
        return _("Paste the hash your backend computed.")
    if len(candidate) != 64:
        return _(
            "The hash has %(count)s characters; it must be 64 lowercase hex characters.",
            count=len(candidate),
        )
    if candidate.lower() != candidate and is_well_formed_hash(candidate.lower()):
        return _("The hash has uppercase letters; send the lowercase hex digest.")
    return _("The hash has characters other than 0-9 and a-f; send the hex digest, not base64.")


def _identifier_notes(identifier: str) -> tuple[str, ...]:
    notes = []
    if identifier != identifier.strip():
        notes.append(
            _("The identifier starts or ends with spaces; they are part of what is hashed.")
        )
    if identifier != identifier.lower() and "@" in identifier:
        notes.append(
            _("The email has uppercase letters; it is hashed exactly as written, not lowercased.")
        )
    return tuple(notes)
