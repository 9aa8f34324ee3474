"""How owners come to exist besides the CLI: the first-run owner and one-time invites.

Pure domain code on a SQLAlchemy session (no Flask). The first run inserts a fixed-key row
(``FirstRun.id == 1``) in the transaction that creates the owner, so two concurrent first runs
make one owner: the second insert fails on the primary key and is rolled back. An invite is a
random code of which only the SHA-256 is stored; it expires, works once and can be revoked.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import Enum

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from widget_server.models import FirstRun, Owner, OwnerInvite, utcnow
from widget_server.owners import MAX_EMAIL, OwnerError, OwnerService

FIRST_RUN_ID = 1
INVITE_TTL = timedelta(days=7)
INVITE_PREFIX = "inv_"


class FirstRunTaken(Exception):
    """An owner exists already (or another first run won the race)."""


class InviteState(Enum):
    OPEN = "open"
    USED = "used"
    REVOKED = "revoked"
    EXPIRED = "expired"
    UNKNOWN = "unknown"


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode("utf-8")).hexdigest()


def setup_code(secret_key: str, configured: str | None = None) -> str:
    """The one-time code the first-run form asks for: ``configured`` (WIDGET_SERVER_SETUP_CODE)
    when set, else derived from the secret key, so every worker and the CLI agree on it without
    storing it. It opens nothing once an owner exists."""
    if configured and configured.strip():
        return configured.strip()
    digest = hmac.new(secret_key.encode("utf-8"), b"widget-server first-run setup code",
                      hashlib.sha256).digest()
    raw = base64.b32encode(digest).decode("ascii")[:16]
    return "-".join(raw[i:i + 4] for i in range(0, 16, 4))


def _plain_code(code: str) -> bytes:
    return "".join(code.split()).replace("-", "").upper().encode("utf-8")


def setup_code_matches(given: str, expected: str) -> bool:
    """Constant-time comparison, ignoring case, spaces and dashes as typed."""
    return bool(given) and hmac.compare_digest(_plain_code(given), _plain_code(expected))


def first_run_open(session: Session) -> bool:
    """True while no owner exists and no first run has claimed the service."""
    owners = session.scalar(select(func.count()).select_from(Owner)) or 0
    claimed = session.get(FirstRun, FIRST_RUN_ID) is not None
    return owners == 0 and not claimed


def create_first_owner(session: Session, email: str, password: str) -> Owner:
    """Create the first owner and commit; FirstRunTaken when one exists or another run won.

    OwnerError (bad email or password) leaves nothing behind.
    """
    if not first_run_open(session):
        raise FirstRunTaken
    try:
        owner = OwnerService(session).create(email, password)
        session.add(FirstRun(id=FIRST_RUN_ID, owner_id=owner.id))
        session.commit()
    except IntegrityError:
        session.rollback()
        raise FirstRunTaken from None
    except BaseException:
        session.rollback()
        raise
    return owner


@dataclass(frozen=True)
class NewInvite:
    invite: OwnerInvite
    code: str


def state_of(invite: OwnerInvite | None, now: datetime | None = None) -> InviteState:
    if invite is None:
        return InviteState.UNKNOWN
    if invite.revoked_at is not None:
        return InviteState.REVOKED
    if invite.used_at is not None:
        return InviteState.USED
    if (now or utcnow()) >= _aware(invite.expires_at):
        return InviteState.EXPIRED
    return InviteState.OPEN


@dataclass
class InviteService:
    session: Session

    def create(self, inviter: Owner, email: str, *, ttl: timedelta = INVITE_TTL,
               now: datetime | None = None) -> NewInvite:
        """A new invite for `email` (flushed, not committed); the code is returned once."""
        email = email.strip()
        if "@" not in email or len(email) > MAX_EMAIL or any(c.isspace() for c in email):
            raise OwnerError("give the owner's email address")
        if OwnerService(self.session).find(email) is not None:
            raise OwnerError(f"an owner with the email {email} already exists")
        code = INVITE_PREFIX + secrets.token_urlsafe(32)
        now = now or utcnow()
        invite = OwnerInvite(code_hash=_hash(code), email=email, invited_by=inviter.id,
                             created_at=now, expires_at=now + ttl)
        self.session.add(invite)
        self.session.flush()
        return NewInvite(invite, code)

    def find(self, code: str) -> OwnerInvite | None:
        if not isinstance(code, str) or not code.startswith(INVITE_PREFIX) or len(code) > 100:
            return None
        return self.session.scalar(select(OwnerInvite).where(OwnerInvite.code_hash == _hash(code)))

    def pending(self, now: datetime | None = None) -> list[OwnerInvite]:
        rows = self.session.scalars(select(OwnerInvite).order_by(OwnerInvite.id.desc()))
        return [row for row in rows if state_of(row, now) is InviteState.OPEN]

    def revoke(self, invite_id: int, now: datetime | None = None) -> OwnerInvite | None:
        """Revoke an open invite; None when there is no open invite with that id."""
        invite = self.session.get(OwnerInvite, invite_id)
        if state_of(invite, now) is not InviteState.OPEN or invite is None:
            return None
        invite.revoked_at = now or utcnow()
        return invite

    def accept(self, code: str, password: str, now: datetime | None = None) -> Owner:
        """Create the invited owner with `password` and spend the invite, in one transaction
        (not committed). Raises OwnerError for a bad password, InviteClosed otherwise."""
        now = now or utcnow()
        invite = self.find(code)
        state = state_of(invite, now)
        if state is not InviteState.OPEN or invite is None:
            raise InviteClosed(state)
        owner = OwnerService(self.session).create(invite.email, password)
        # Spent with a guarded UPDATE: of two concurrent accepts, one changes the row.
        spent = self.session.execute(
            update(OwnerInvite)
            .where(OwnerInvite.id == invite.id, OwnerInvite.used_at.is_(None),
                   OwnerInvite.revoked_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        if getattr(spent, "rowcount", 0) != 1:
            raise InviteClosed(InviteState.USED)
        invite.used_at = now  # what the row now says, for this session's later reads
        return owner


class InviteClosed(Exception):
    """The invite cannot be used: its state says why."""

    def __init__(self, state: InviteState) -> None:
        super().__init__(state.value)
        self.state = state
