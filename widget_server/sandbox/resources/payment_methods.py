"""Card payment methods (test numbers only, never stored whole) and setup intents."""

from __future__ import annotations

import dataclasses
import hashlib
import time
from typing import Any

from widget_server.sandbox import cards
from widget_server.sandbox.errors import StripeAPIError, bad_request, card_error
from widget_server.sandbox.params import (
    apply_metadata,
    opt_dict,
    opt_enum,
    opt_int,
    opt_list,
    opt_str,
    req_str,
)
from widget_server.sandbox.render import base_url, list_response, render
from widget_server.sandbox.routing import PAGING, ApiRequest, RouteTable
from widget_server.sandbox.store import Store

JSON = dict[str, Any]
routes = RouteTable()
_ADDRESS = ("city", "country", "line1", "line2", "postal_code", "state")


def _billing_details(value: JSON | None) -> JSON:
    value = value or {}
    address = value.get("address") if isinstance(value.get("address"), dict) else {}
    return {
        "address": {k: (address or {}).get(k) for k in _ADDRESS},
        "email": value.get("email"),
        "name": value.get("name"),
        "phone": value.get("phone"),
        "tax_id": None,
    }


def new_card(store: Store, number: str, exp_month: int, exp_year: int,
             billing_details: JSON | None = None, pm_id: str | None = None) -> JSON:
    """A card payment method for a test number; only brand/last4/expiry are kept."""
    card = cards.lookup(number)
    digits = number.replace(" ", "").replace("-", "")
    return {
        "id": pm_id or store.new_id("pm_"),
        "object": "payment_method",
        "allow_redisplay": "unspecified",
        "billing_details": _billing_details(billing_details),
        "card": {
            "brand": card.brand,
            "checks": {"address_line1_check": None, "address_postal_code_check": None,
                       "cvc_check": "pass"},
            "country": "US",
            "display_brand": card.brand,
            "exp_month": exp_month,
            "exp_year": exp_year,
            "fingerprint": hashlib.sha256(digits.encode()).hexdigest()[:16],
            "funding": "credit",
            "generated_from": None,
            "last4": digits[-4:],
            "networks": {"available": [card.brand], "preferred": None},
            "regulated_status": "unregulated",
            "three_d_secure_usage": {"supported": True},
            "wallet": None,
        },
        "created": store.now(),
        "customer": None,
        "livemode": False,
        "metadata": {},
        "type": "card",
        "_test_card": dataclasses.asdict(card),
    }


@routes.post("/payment_methods", "type", "card[number]", "card[exp_month]", "card[exp_year]",
              "card[cvc]", "card[token]", "billing_details", "metadata", publishable=True)
def create_payment_method(req: ApiRequest) -> JSON:
    params = req.params
    if opt_enum(params, "type", ("card",)) is None:
        raise bad_request("Missing required param: type.", param="type")
    card = opt_dict(params, "card") or {}
    token = opt_str(card, "token")
    if token is not None:
        if token not in cards.TEST_TOKENS:
            raise bad_request(f"No such token: '{token}'", param="card[token]",
                              code="resource_missing")
        # a test token stands for its card, valid until the end of next year
        card = {"number": cards.TEST_TOKENS[token], "exp_month": "12",
                "exp_year": str(time.gmtime(req.now).tm_year + 1)}
    number = req_str(card, "number") if "number" in card else ""
    if not number:
        raise card_error("incorrect_number", None, "Your card number is incorrect.",
                         {"param": "card[number]"})
    month = opt_int(card, "exp_month") or 0
    year = opt_int(card, "exp_year") or 0
    year = year + 2000 if year < 100 else year
    today = time.gmtime(req.now)
    if not 1 <= month <= 12:
        raise card_error("invalid_expiry_month", None, "Your card's expiration month is "
                         "invalid.", {"param": "card[exp_month]"})
    if year < today.tm_year or (year == today.tm_year and month < today.tm_mon):
        raise card_error("invalid_expiry_year", None, "Your card's expiration year is "
                         "invalid.", {"param": "card[exp_year]"})
    cvc = str(card.get("cvc") or "")
    if cvc and not (cvc.isdigit() and 3 <= len(cvc) <= 4):
        raise card_error("invalid_cvc", None, "Your card's security code is invalid.",
                         {"param": "card[cvc]"})
    pm = new_card(req.store, number, month, year, opt_dict(params, "billing_details"))
    apply_metadata(pm, params.get("metadata"))
    return render(req.store, "payment_method", req.store.insert("payment_method", pm))


@routes.get("/payment_methods/<pm_id>")
def retrieve_payment_method(req: ApiRequest, pm_id: str) -> JSON:
    return render(req.store, "payment_method", req.store.require("payment_method", pm_id))


@routes.post("/payment_methods/<pm_id>", "billing_details", "metadata", "card[exp_month]",
              "card[exp_year]")
def update_payment_method(req: ApiRequest, pm_id: str) -> JSON:
    pm = req.store.require("payment_method", pm_id)
    if "billing_details" in req.params:
        pm["billing_details"] = _billing_details(opt_dict(req.params, "billing_details"))
    card = opt_dict(req.params, "card") or {}
    for name in ("exp_month", "exp_year"):
        if name in card:
            pm["card"][name] = opt_int(card, name, 1)
    apply_metadata(pm, req.params.get("metadata"))
    return render(req.store, "payment_method", pm)


def attach(store: Store, pm: JSON, customer: JSON) -> None:
    if pm.get("customer") not in (None, customer["id"]):
        raise bad_request("This PaymentMethod is already attached to another customer.",
                          param="payment_method")
    decline_code = pm["_test_card"].get("setup_decline")
    if decline_code:
        raise cards.decline(decline_code)
    pm["customer"] = customer["id"]


@routes.post("/payment_methods/<pm_id>/attach", "customer")
def attach_payment_method(req: ApiRequest, pm_id: str) -> JSON:
    from widget_server.sandbox.resources.customers import get_customer

    pm = req.store.require("payment_method", pm_id)
    attach(req.store, pm, get_customer(req.store, req_str(req.params, "customer"), "customer"))
    return render(req.store, "payment_method", pm)


@routes.post("/payment_methods/<pm_id>/detach")
def detach_payment_method(req: ApiRequest, pm_id: str) -> JSON:
    pm = req.store.require("payment_method", pm_id)
    if pm.get("customer") is None:
        raise bad_request("The payment method you provided is not attached to a customer so "
                          "detachment is impossible.", param="payment_method")
    customer = req.store.get("customer", pm["customer"]) or {}
    settings = customer.get("invoice_settings") or {}
    if settings.get("default_payment_method") == pm_id:
        settings["default_payment_method"] = None
    pm["customer"] = None
    return render(req.store, "payment_method", pm)


@routes.get("/payment_methods", "customer", "type", *PAGING)
def list_payment_methods(req: ApiRequest) -> JSON:
    customer, kind = opt_str(req.params, "customer"), opt_str(req.params, "type")
    if customer:
        req.store.require("customer", customer, "customer")
    rows = [p for p in req.store.newest_first("payment_method")
            if (customer is None or p["customer"] == customer)
            and (kind is None or p["type"] == kind)]
    return list_response(req.store, "payment_method", rows, req.params, "/v1/payment_methods")


@routes.post("/setup_intents", "customer", "usage", "allowed_payment_method_types",
              "metadata", "description", "payment_method")
def create_setup_intent(req: ApiRequest) -> JSON:
    params = req.params
    customer = opt_str(params, "customer")
    if customer:
        req.store.require("customer", customer, "customer")
    seti_id = req.store.new_id("seti_", 24)
    seti = {
        "id": seti_id,
        "object": "setup_intent",
        "application": None,
        "automatic_payment_methods": None,
        "cancellation_reason": None,
        "client_secret": f"{seti_id}_secret_{req.store.new_id('', 32)}",
        "created": req.now,
        "customer": customer,
        "description": opt_str(params, "description"),
        "flow_directions": None,
        "last_setup_error": None,
        "latest_attempt": None,
        "livemode": False,
        "mandate": None,
        "metadata": {},
        "next_action": None,
        "on_behalf_of": None,
        "payment_method": None,
        "payment_method_configuration_details": None,
        "payment_method_options": {"card": {"mandate_options": None, "network": None,
                                            "request_three_d_secure": "automatic"}},
        # API 2026-10-28 names the request parameter allowed_payment_method_types; the object
        # still reports payment_method_types. Only cards are emulated.
        "allowed_payment_method_types": _card_only(params),
        "payment_method_types": _card_only(params),
        "single_use_mandate": None,
        "status": "requires_payment_method",
        "usage": opt_enum(params, "usage", ("on_session", "off_session")) or "off_session",
    }
    pm_id = opt_str(params, "payment_method")
    if pm_id:
        req.store.require("payment_method", pm_id, "payment_method")
        seti.update(payment_method=pm_id, status="requires_confirmation")
    apply_metadata(seti, params.get("metadata"))
    return render(req.store, "setup_intent", req.store.insert("setup_intent", seti))


_PM_PARAMS = frozenset({"payment_method", "default_payment_method"})


def substitute_test_payment_methods(store: Store, params: JSON, path_args: dict[str, str]
                                    ) -> None:
    """Replace Stripe's test PaymentMethod ids (`pm_card_visa`) with a new card each, as
    Stripe does, in the params that take a payment method and in a `pm_id` path."""
    def fresh(name: str) -> str:
        year = time.gmtime(store.now()).tm_year + 1
        pm = new_card(store, cards.TEST_PAYMENT_METHODS[name], 12, year)
        return str(store.insert("payment_method", pm)["id"])

    def walk(node: Any) -> None:
        if isinstance(node, list):
            for entry in node:
                walk(entry)
        elif isinstance(node, dict):
            for key, value in node.items():
                if key in _PM_PARAMS and value in cards.TEST_PAYMENT_METHODS:
                    node[key] = fresh(value)
                else:
                    walk(value)

    walk(params)
    if path_args.get("pm_id") in cards.TEST_PAYMENT_METHODS:
        path_args["pm_id"] = fresh(path_args["pm_id"])


def _card_only(params: JSON) -> list[str]:
    kinds = [str(t) for t in opt_list(params, "allowed_payment_method_types") or ["card"]]
    for index, kind in enumerate(kinds):
        if kind != "card":
            raise bad_request(f"The sandbox emulates card payment methods only, not {kind}.",
                              param=f"allowed_payment_method_types[{index}]")
    return kinds


def client_intent(req: ApiRequest, kind: str, intent_id: str, name: str) -> JSON:
    """A Setup- or PaymentIntent; with a publishable key, only with its client secret."""
    intent = req.store.require(kind, intent_id, "intent")
    if req.publishable and req.params.get("client_secret") != intent["client_secret"]:
        raise bad_request("The client_secret provided does not match the client_secret "
                          f"associated with the {name}.", param="client_secret")
    return intent


def _setup_intent(req: ApiRequest, seti_id: str) -> JSON:
    return client_intent(req, "setup_intent", seti_id, "SetupIntent")


@routes.get("/setup_intents/<seti_id>", "client_secret", publishable=True)
def retrieve_setup_intent(req: ApiRequest, seti_id: str) -> JSON:
    return render(req.store, "setup_intent", _setup_intent(req, seti_id))


@routes.post("/setup_intents/<seti_id>/confirm", "payment_method", "client_secret",
              "return_url", "use_stripe_sdk", publishable=True)
def confirm_setup_intent(req: ApiRequest, seti_id: str) -> JSON:
    seti = _setup_intent(req, seti_id)
    if seti["status"] not in ("requires_payment_method", "requires_confirmation",
                              "requires_action"):
        raise bad_request(f"You cannot confirm this SetupIntent because it has a status of "
                          f"{seti['status']}.", code="setup_intent_unexpected_state")
    pm_id = opt_str(req.params, "payment_method") or seti["payment_method"]
    if not pm_id:
        raise bad_request("You must provide a payment method to confirm this SetupIntent.",
                          param="payment_method")
    pm = req.store.require("payment_method", pm_id, "payment_method")
    seti["payment_method"] = pm_id
    test_card = pm["_test_card"]
    if test_card.get("setup_decline"):
        error = cards.decline(test_card["setup_decline"])
        _fail(req.store, seti, error)
        error.extra["setup_intent"] = render(req.store, "setup_intent", seti)
        error.persist = True
        raise error
    if test_card.get("requires_action"):
        seti["status"] = "requires_action"
        seti["next_action"] = {
            "type": "use_stripe_sdk",
            "use_stripe_sdk": {"type": "three_d_secure_redirect",
                               "stripe_js": f"{base_url()}/js/v3/authenticate/{seti_id}"},
        }
        return render(req.store, "setup_intent", seti)
    _succeed(req.store, seti)
    return render(req.store, "setup_intent", seti)


def _fail(store: Store, seti: JSON, error: StripeAPIError) -> None:
    pm = store.get("payment_method", seti["payment_method"])
    seti["status"] = "requires_payment_method"
    seti["next_action"] = None
    seti["last_setup_error"] = {
        **error.body()["error"],
        "payment_method": render(store, "payment_method", pm) if pm else None,
    }
    seti["payment_method"] = None


def _succeed(store: Store, seti: JSON) -> None:
    seti["status"] = "succeeded"
    seti["next_action"] = None
    seti["last_setup_error"] = None
    pm = store.require("payment_method", seti["payment_method"])
    if seti["customer"] and pm.get("customer") is None:
        pm["customer"] = seti["customer"]


def complete_authentication(store: Store, seti_id: str, client_secret: str,
                            succeed: bool) -> JSON:
    """The 3-D Secure step the Stripe.js stand-in's dialog reports back."""
    seti = store.require("setup_intent", seti_id, "intent")
    if client_secret != seti["client_secret"] or seti["status"] != "requires_action":
        raise bad_request("This SetupIntent is not awaiting authentication.",
                          code="setup_intent_unexpected_state")
    if succeed:
        _succeed(store, seti)
    else:
        _fail(store, seti, card_error(
            "setup_intent_authentication_failure", None,
            "We are unable to authenticate your payment method. Please choose a different "
            "payment method and try again."))
    return render(store, "setup_intent", seti)
