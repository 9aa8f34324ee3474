"""Webhook endpoint objects as the pinned API shapes them (what widget-server's check reads)."""

from __future__ import annotations

import pytest
import stripe

from tests.sandbox.shapes import undeclared_fields


def test_the_secret_is_returned_once_and_api_version_is_null(client: stripe.StripeClient):
    created = client.v1.webhook_endpoints.create({"url": "https://example.com/hook",
                                                  "enabled_events": ["invoice.paid"]})
    assert created.secret is not None and created.secret.startswith("whsec_")
    assert created.api_version is None and created.status == "enabled"
    assert undeclared_fields(created.to_dict(), stripe.WebhookEndpoint) == []
    listed = client.v1.webhook_endpoints.list({"limit": 10}).data
    assert [e.id for e in listed] == [created.id] and listed[0].secret is None
    assert client.v1.webhook_endpoints.retrieve(created.id).secret is None


@pytest.mark.parametrize(("params", "param"), [
    ({"url": "https://example.com/hook", "enabled_events": ["no.such_event"]},
     "enabled_events[0]"),
    ({"url": "https://example.com/hook", "enabled_events": ["*"],
      "api_version": "2026-10-28.endive"}, "api_version"),
])
def test_what_stripe_would_refuse_is_refused(client: stripe.StripeClient,
                                             params: dict[str, object], param: str):
    with pytest.raises(stripe.InvalidRequestError) as refused:
        client.v1.webhook_endpoints.create(params)  # type: ignore[arg-type]
    assert refused.value.http_status == 400
    assert param in str(refused.value.param or refused.value.user_message)
