"""Dashboard owners: creation, password policy, password change, disabling, session epochs.

Pure domain code on a SQLAlchemy session (no Flask): the CLI (`widget-server owners …`) and
the dashboard call it. Passwords are hashed with werkzeug's scrypt; the policy asks for length
and refuses the shipped list of 20,000 common breached passwords (``data/``).
"""

from __future__ import annotations

import functools
import gzip
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session
from werkzeug.security import generate_password_hash

from widget_server.models import Owner, utcnow

MIN_PASSWORD_LENGTH = 12
MAX_PASSWORD_LENGTH = 1024
MAX_EMAIL = 320
COMMON_PASSWORDS = Path(__file__).parent / "data" / "common-passwords.txt.gz"


class OwnerError(ValueError):
    """The owner cannot be created or changed; the message says why."""


@functools.cache
def common_passwords() -> frozenset[str]:
    with gzip.open(COMMON_PASSWORDS, "rt", encoding="utf-8") as fh:
        return frozenset(line.strip() for line in fh if line.strip())


def password_problem(password: str, email: str = "") -> str | None:
    """Why this password is refused, or None when the policy accepts it."""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"the password must have at least {MIN_PASSWORD_LENGTH} characters"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"the password must have at most {MAX_PASSWORD_LENGTH} characters"
    lowered = password.lower()
    if lowered in common_passwords():
        return "this password is on a list of breached passwords; choose another"
    if email and lowered in {email.lower(), email.split("@", 1)[0].lower()}:
        return "the password must not be the email address"
    if len(set(password)) < 4:
        return "the password repeats too few characters; choose another"
    return None


@dataclass
class OwnerService:
    session: Session

    def find(self, email: str) -> Owner | None:
        return self.session.scalar(
            select(Owner).where(func.lower(Owner.email) == email.strip().lower()).limit(1))

    def create(self, email: str, password: str) -> Owner:
        email = email.strip()
        if "@" not in email or len(email) > MAX_EMAIL or any(c.isspace() for c in email):
            raise OwnerError("give the owner's email address")
        if self.find(email) is not None:
            raise OwnerError(f"an owner with the email {email} already exists")
        self._check(password, email)
        owner = Owner(email=email, password_hash=generate_password_hash(password))
        self.session.add(owner)
        self.session.flush()
        return owner

    def set_password(self, owner: Owner, password: str) -> None:
        """A new password ends every session of the owner."""
        self._check(password, owner.email)
        owner.password_hash = generate_password_hash(password)
        self.end_sessions(owner)

    def disable(self, owner: Owner) -> None:
        owner.disabled_at = utcnow()
        self.end_sessions(owner)

    def enable(self, owner: Owner) -> None:
        owner.disabled_at = None

    @staticmethod
    def end_sessions(owner: Owner) -> None:
        owner.session_epoch = (owner.session_epoch or 0) + 1

    @staticmethod
    def _check(password: str, email: str) -> None:
        problem = password_problem(password, email)
        if problem:
            raise OwnerError(problem)
