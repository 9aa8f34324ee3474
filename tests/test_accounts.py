from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from tests.helpers import create_account
from widget_server import db
from widget_server.accounts import AccountError, AccountService, secret_box
from widget_server.models import Account, ApiKey, utcnow


def service(session, app):
    return AccountService(session, secret_box(app))


def test_secrets_are_encrypted_at_rest(app):
    created = create_account(app, stripe_key="sk_test_supersecretvalue")
    with db.get_database(app).engine.connect() as connection:
        row = connection.execute(text("SELECT * FROM accounts")).mappings().one()
    dumped = " ".join(str(v) for v in row.values())
    assert "sk_test_supersecretvalue" not in dumped
    assert created.hmac_secret not in dumped
    with db.session_scope(app) as session:
        account = service(session, app).get(created.account.public_id)
        assert service(session, app).stripe_key(account) == "sk_test_supersecretvalue"


def test_mode_is_derived_from_the_key(app):
    assert create_account(app, stripe_key="sk_live_abc").account.live_mode is True
    assert create_account(app, stripe_key="rk_test_abc").account.live_mode is False


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stripe_key": "pk_test_abc"}, "publishable keys"),
        ({"stripe_key": "not a key"}, "secret key"),
        ({"allowed_origins": ["example.com"]}, "scheme and host"),
        ({"allowed_origins": ["https://a.com/path"]}, "scheme and host"),
        ({"settings": {"pause": "on"}}, "must be true or false"),
        ({"settings": {"require_hash": False}, "stripe_key": "sk_live_x"}, "live-mode"),
        ({"name": "  "}, "needs a name"),
    ],
)
def test_bad_input_creates_nothing(app, kwargs, message):
    with pytest.raises(AccountError, match=message):
        create_account(app, **kwargs)
    with db.session_scope(app) as session:
        assert session.scalar(select(func.count()).select_from(Account)) == 0


def test_rotation_keeps_previous_secret_during_overlap(app):
    created = create_account(app)
    now = utcnow()
    with db.session_scope(app) as session:
        svc = service(session, app)
        account = svc.get(created.account.public_id)
        new = svc.rotate_secret(account, overlap_seconds=3600, now=now)
    with db.session_scope(app) as session:
        svc = service(session, app)
        account = svc.get(created.account.public_id)
        assert svc.identity_secrets(account, now + timedelta(minutes=59)) == [
            new, created.hmac_secret]
        assert svc.identity_secrets(account, now + timedelta(minutes=61)) == [new]


def test_settings_update_is_validated_and_atomic(app):
    created = create_account(app)
    with db.session_scope(app) as session:
        svc = service(session, app)
        account = svc.get(created.account.public_id)
        svc.update_settings(account, {"pause": True})
        with pytest.raises(AccountError):
            svc.update_settings(account, {"coupons": True, "bogus": 1})
        assert svc.settings(account)["pause"] is True
        assert svc.settings(account)["coupons"] is False


def test_api_keys_are_stored_hashed_and_revocable(app):
    created = create_account(app)
    with db.session_scope(app) as session:
        svc = service(session, app)
        account = svc.get(created.account.public_id)
        key = svc.create_api_key(account, "ci")
        stored = session.scalars(select(ApiKey)).one()
        assert key not in (stored.key_hash, stored.prefix)
        assert svc.account_for_api_key(key).public_id == created.account.public_id
        assert svc.account_for_api_key(key + "x") is None
        assert svc.account_for_api_key("sk_test_x") is None
        stored.revoked_at = utcnow()
        assert svc.account_for_api_key(key) is None


def test_get_rejects_oversized_ids(app):
    with db.session_scope(app) as session:
        assert service(session, app).get("acct_" + "x" * 100) is None


def test_set_stripe_key_changes_the_mode_and_refuses_live_without_the_hash(app):
    created = create_account(app, settings={"require_hash": False})
    with db.session_scope(app) as session:
        accounts = service(session, app)
        account = accounts.get(created.account.public_id)
        with pytest.raises(AccountError, match="require_hash"):
            accounts.set_stripe_key(account, "sk_live_abc")
        with pytest.raises(AccountError, match="publishable"):
            accounts.set_stripe_key(account, "pk_live_abc")
        assert accounts.stripe_key(account) == "sk_test_widgetserver"
        accounts.update_settings(account, {"require_hash": True})
        accounts.set_stripe_key(account, " rk_live_abc ")
        assert accounts.stripe_key(account) == "rk_live_abc"
        assert account.live_mode is True
