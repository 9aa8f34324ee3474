"""Review fixes of the usage read: ended subscriptions are neither listed nor previewed (Stripe
refuses their preview), a refused preview skips its subscription, and the estimate's rows
always add up to the amount due."""

from __future__ import annotations

from typing import Any

import pytest

from tests.portal.helpers import Portal
from tests.portal.test_read_usage import OLGA, usage
from widget_server.billing import usage as billing_usage

DAY = 86400
LENA = "cus_demo_lena"


def _expired_metered_subscription(portal: Portal) -> str:
    """Lena's card is declined: a new subscription with a metered item stays incomplete and
    expires after 23 hours."""
    sub = portal.stripe.v1.subscriptions.create({"customer": LENA, "items": [
        {"price": "price_pro_monthly"}, {"price": "price_api_calls_monthly"}]})
    assert sub.status == "incomplete"
    portal.control("POST", "/clock", json={"advance_seconds": DAY})
    assert portal.subscription(sub.id)["status"] == "incomplete_expired"
    return sub.id


def test_an_expired_subscription_is_not_previewed(portal: Portal) -> None:
    portal.configure(show_usage=True)
    _expired_metered_subscription(portal)
    portal.clear_log()
    assert usage(portal, LENA) == {"items": [], "estimates": []}
    assert not any("create_preview" in r["path"] for r in portal.requests())


@pytest.mark.parametrize("status", ["incomplete_expired", "canceled"])
def test_the_sandbox_refuses_to_preview_an_ended_subscription(portal: Portal,
                                                             status: str) -> None:
    import stripe

    sub_id = _expired_metered_subscription(portal) if status == "incomplete_expired" else \
        portal.stripe.v1.subscriptions.cancel("sub_demo_olga").id
    with pytest.raises(stripe.InvalidRequestError) as refused:
        portal.stripe.v1.invoices.create_preview({"subscription": sub_id})
    assert refused.value.code == "invoice_upcoming_none"
    assert status.replace("_", " ") in str(refused.value.user_message)


def test_a_refused_preview_skips_only_its_subscription(portal: Portal,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    """If Stripe refuses one preview (the subscription ended after it was listed), the
    others are still shown: here the status filter is off, so the expired one is previewed."""
    portal.configure(show_usage=True)
    sub_id = _expired_metered_subscription(portal)
    monkeypatch.setattr(billing_usage, "ENDED", ())
    portal.clear_log()
    body = usage(portal, (OLGA, LENA))  # type: ignore[arg-type]
    assert [i["subscription_id"] for i in body["items"]] == ["sub_demo_olga"]
    assert [e["subscription_id"] for e in body["estimates"]] == ["sub_demo_olga"]
    refused = [r for r in portal.requests() if "create_preview" in r["path"]]
    assert len(refused) == 2 and sorted(r["status"] for r in refused) == [200, 400]
    assert sub_id not in str(body)


def rows_sum(estimate: dict[str, Any]) -> int:
    return int(estimate["subtotal"] - estimate["discount"] + estimate["tax"]
               - estimate["credits"] - estimate["balance_applied"] + estimate["balance_added"])


def test_the_sandbox_lists_expired_subscriptions_by_default_like_stripe(portal: Portal) -> None:
    listed = portal.stripe.v1.subscriptions.list({"customer": LENA}).data
    assert "incomplete_expired" in {s.status for s in listed}
