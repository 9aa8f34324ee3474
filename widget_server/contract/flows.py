"""``flow_data``: a portal session that opens straight into one flow (a deep link).

Modelled on Stripe's billing portal ``flow_data`` (``stripe.params.billing_portal
.SessionCreateParamsFlowData``): the same names for the types Stripe has
(``subscription_cancel``, ``subscription_update``, ``payment_method_update``) and for
``after_completion`` (``redirect`` with ``redirect.return_url``, or ``portal_homepage``), plus
``invoice_pay`` (pay one open invoice), which Stripe's portal does not deep-link to.
The rules JSON Schema cannot state (the member matching ``type``, whose subscription) are
checked by ``widget_server.api.flows``.
"""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

MAX_RETURN_URL = 2000
FlowType = Literal["subscription_cancel", "subscription_update", "payment_method_update",
                   "invoice_pay"]
FLOW_TYPES: tuple[str, ...] = get_args(FlowType)
AfterCompletionType = Literal["redirect", "portal_homepage"]


def _closed() -> ConfigDict:
    return ConfigDict(extra="forbid", strict=True, regex_engine="python-re")


class FlowRedirect(BaseModel):
    model_config = _closed()

    return_url: str = Field(max_length=MAX_RETURN_URL,
                            description="Where the customer goes once the flow is done; on one "
                                        "of the account's allowed origins.")


class FlowAfterCompletion(BaseModel):
    model_config = _closed()

    type: AfterCompletionType = Field(description="redirect, or back to the portal's home.")
    redirect: FlowRedirect | None = Field(None, description="Required when type is redirect.")


class FlowSubscription(BaseModel):
    model_config = _closed()

    subscription: str = Field(min_length=1, max_length=255,
                              description="The customer's subscription (sub_…).")


class FlowInvoice(BaseModel):
    model_config = _closed()

    invoice: str = Field(min_length=1, max_length=255,
                         description="The customer's open invoice (in_…).")


class FlowData(BaseModel):
    """Open the portal straight into one flow; send the member named by ``type``."""

    model_config = ConfigDict(extra="forbid", strict=True, regex_engine="python-re",
                              json_schema_extra={"examples": [{
                                  "type": "subscription_cancel",
                                  "subscription_cancel": {"subscription": "sub_123"},
                                  "after_completion": {"type": "redirect", "redirect": {
                                      "return_url": "https://app.example.com/account"}}}]})

    type: FlowType
    subscription_cancel: FlowSubscription | None = None
    subscription_update: FlowSubscription | None = None
    invoice_pay: FlowInvoice | None = None
    after_completion: FlowAfterCompletion | None = Field(
        None, description="Default: back to the portal's home.")


class FlowOut(BaseModel):
    """The checked flow, as the portal front end receives it."""

    model_config = ConfigDict(extra="forbid")

    type: FlowType
    subscription: str | None = None
    invoice: str | None = None
    after_completion: AfterCompletionType
    return_url: str | None = Field(None, description="Set when after_completion is redirect.")
