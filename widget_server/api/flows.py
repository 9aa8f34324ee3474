"""Checks of a portal session's ``flow_data`` (deep link to one flow), for the hosted session
(``POST /v1/portal_sessions``) and the embed session (``POST /v1/embed/session``) alike.

The flow's subscription or invoice is re-read through the billing gateway and must belong to
one of the session's customers (else 404, as for any other customer's object); the flow must be
allowed by the account's settings; a redirect's ``return_url`` must be on one of the account's
allowed origins. The result (``FlowOut``) is what the portal front end opens.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from widget_server.billing.service import BillingService
from widget_server.contract.flows import FlowData, FlowOut
from widget_server.errors import BadRequest, Forbidden, NotFound
from widget_server.i18n import _
from widget_server.models import Account

# The setting that must be on for each flow (the portal refuses the action otherwise).
FLOW_SETTINGS = {
    "subscription_cancel": "cancellation",
    "subscription_update": "change_plan",
    "payment_method_update": "update_card",
    "invoice_pay": "pay_failed_invoices",
}
_SUBSCRIPTION_FLOWS = ("subscription_cancel", "subscription_update")
_ENDED = {"canceled", "incomplete_expired"}


def _member_rules(flow: FlowData) -> None:
    """The member named by ``type`` is there and no other flow's member is."""
    for name in ("subscription_cancel", "subscription_update", "invoice_pay"):
        given = getattr(flow, name) is not None
        if name == flow.type and not given:
            raise BadRequest(_("flow_data[%(member)s] is required when flow_data[type] is "
                               "%(member)s.", member=name),
                             code="missing_parameter", param=f"flow_data[{name}]")
        if name != flow.type and given:
            raise BadRequest(_("flow_data[%(member)s] cannot be sent when flow_data[type] is "
                               "%(type)s.", member=name, type=flow.type),
                             code="unknown_parameter", param=f"flow_data[{name}]")


def _return_url(account: Account, flow: FlowData) -> tuple[str, str | None]:
    after = flow.after_completion
    if after is None or after.type == "portal_homepage":
        if after is not None and after.redirect is not None:
            raise BadRequest(_("flow_data[after_completion][redirect] is only for the redirect "
                               "type."), code="unknown_parameter",
                             param="flow_data[after_completion][redirect]")
        return "portal_homepage", None
    param = "flow_data[after_completion][redirect][return_url]"
    if after.redirect is None:
        raise BadRequest(_("flow_data[after_completion][redirect][return_url] is required for a "
                           "redirect."), code="missing_parameter", param=param)
    from widget_server.api.hosted import return_url_origin

    url = after.redirect.return_url
    origin = return_url_origin(url)
    if origin is None or origin not in {o.lower() for o in account.allowed_origins or []}:
        raise BadRequest(_("The return URL must be on one of the account's allowed origins."),
                         code="return_url_not_allowed", param=param)
    return "redirect", url


def checked_flow(account: Account, settings: Mapping[str, Any], billing: BillingService,
                 customer_ids: Collection[str], flow: FlowData | None) -> FlowOut | None:
    """The flow to open, once every rule holds; None when no flow was asked for."""
    if flow is None:
        return None
    _member_rules(flow)
    after, return_url = _return_url(account, flow)
    setting = FLOW_SETTINGS[flow.type]
    if not settings.get(setting):
        raise Forbidden(_("This account's settings do not allow the %(flow)s flow.",
                          flow=flow.type), code="flow_not_allowed", param="flow_data[type]")
    subscription_id = invoice_id = None
    if flow.type in _SUBSCRIPTION_FLOWS:
        member = flow.subscription_cancel or flow.subscription_update
        assert member is not None  # _member_rules
        subscription_id = member.subscription
        found = billing.subscription(subscription_id)
        param = f"flow_data[{flow.type}][subscription]"
        if found is None or found.customer_id not in customer_ids:
            raise NotFound(_("This customer has no subscription %(id)s.", id=subscription_id),
                           code="subscription_not_found", param=param)
        if found.status in _ENDED:
            raise BadRequest(_("The subscription %(id)s has ended.", id=subscription_id),
                             code="subscription_ended", param=param)
    elif flow.type == "invoice_pay":
        assert flow.invoice_pay is not None
        invoice_id = flow.invoice_pay.invoice
        invoice = billing.invoice(invoice_id)
        param = "flow_data[invoice_pay][invoice]"
        if invoice is None or invoice.customer_id not in customer_ids:
            raise NotFound(_("This customer has no invoice %(id)s.", id=invoice_id),
                           code="invoice_not_found", param=param)
        if invoice.status != "open":
            raise BadRequest(_("The invoice %(id)s is not open, so there is nothing to pay.",
                               id=invoice_id), code="invoice_not_open", param=param)
        # the portal pays an invoice from its subscription: the latest one of a live one
        owner = billing.subscription(invoice.subscription_id) if invoice.subscription_id else None
        if (owner is None or owner.customer_id not in customer_ids or owner.status in _ENDED
                or owner.latest_invoice_id != invoice_id):
            raise BadRequest(_("The invoice %(id)s can't be paid in the portal: only the latest "
                               "invoice of a current subscription can.", id=invoice_id),
                             code="invoice_not_payable", param=param)
    return FlowOut(type=flow.type, subscription=subscription_id, invoice=invoice_id,
                   after_completion=after, return_url=return_url)  # type: ignore[arg-type]
