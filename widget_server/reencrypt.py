"""Re-encrypt every stored secret under the newest encryption key (``widget-server keys
rotate``), so that older keys can be removed from WIDGET_SERVER_ENCRYPTION_KEYS.

Every column that holds a SecretBox value is listed in ``ENCRYPTED_COLUMNS`` (a test fails
when a model gains an ``*_encrypted`` column that is not). The work is one transaction: either
every value is under the newest key afterwards, or nothing changed. Values already under the
newest key are left alone, so running it twice changes nothing the second time.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from widget_server.crypto import SecretBox, SecretBoxError
from widget_server.models import Account

# Account is the only model holding secrets; every value here is a SecretBox token or NULL.
ENCRYPTED_COLUMNS: tuple[str, ...] = (
    "stripe_key_encrypted",
    "hmac_secret_encrypted",
    "previous_hmac_secret_encrypted",
    "webhook_secret_encrypted",
    "previous_webhook_secret_encrypted",
)


@dataclass
class ReencryptReport:
    """How many stored values were re-encrypted and how many were already current, by column."""

    rotated: dict[str, int] = field(default_factory=dict)
    current: dict[str, int] = field(default_factory=dict)

    @property
    def total_rotated(self) -> int:
        return sum(self.rotated.values())

    @property
    def total_current(self) -> int:
        return sum(self.current.values())


def reencrypt_all(session: Session, box: SecretBox) -> ReencryptReport:
    """Re-encrypt, in the session's transaction, every value not yet under the newest key.

    Rows are locked while they are rewritten (``FOR UPDATE`` on PostgreSQL), so a secret
    rotated in the dashboard at the same moment is not overwritten with its old value. Raises
    SecretBoxError naming the row when a value cannot be decrypted with any configured key;
    the caller then rolls back.
    """
    report = ReencryptReport(rotated=dict.fromkeys(ENCRYPTED_COLUMNS, 0),
                             current=dict.fromkeys(ENCRYPTED_COLUMNS, 0))
    for account in session.scalars(select(Account).order_by(Account.id).with_for_update()):
        for column in ENCRYPTED_COLUMNS:
            token = getattr(account, column)
            if not token:
                continue
            if box.is_current(token):
                report.current[column] += 1
                continue
            try:
                setattr(account, column, box.rotate(token))
            except SecretBoxError:
                raise SecretBoxError(
                    f"accounts.{column} of account {account.public_id} cannot be decrypted "
                    "with any configured key; nothing was changed"
                ) from None
            report.rotated[column] += 1
    session.flush()
    return report
