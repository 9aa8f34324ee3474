"""Multi-currency prices: a price's `currency_options`, and subscriptions in one currency.

A price has a base `currency` and may have `currency_options` (per currency: unit_amount,
tiers, tax_behavior). A subscription is in one currency (its `currency` parameter, else its
prices' base currency); every price on it must support that currency, and its amounts come
from that currency's option. A customer cannot hold live subscriptions in two currencies.
"""

from __future__ import annotations

from typing import Any

from widget_server.sandbox.errors import bad_request
from widget_server.sandbox.params import opt_enum, opt_int
from widget_server.sandbox.store import Store
from widget_server.stripe_schema.currencies import WHOLE_UNITS_ONLY, is_supported

JSON = dict[str, Any]
TAX_BEHAVIORS = ("exclusive", "inclusive", "unspecified")
LIVE = ("active", "trialing", "past_due", "unpaid", "incomplete", "paused")


def check_currency(value: Any, param: str) -> str:
    code = str(value or "").lower()
    if not is_supported(code):
        raise bad_request(f"Invalid currency: {code}. Stripe currently supports these "
                          "currencies: see https://stripe.com/docs/currencies", param=param)
    return code


def whole_units(amount: int | None, currency: str, param: str) -> None:
    if amount is not None and currency in WHOLE_UNITS_ONLY and amount % 100:
        raise bad_request(f"Invalid amount. Currency {currency.upper()} has become effectively "
                          "zero-decimal and charged amounts must be evenly divisible by 100. "
                          "See https://stripe.com/docs/currencies#special-cases for more "
                          "information.", param=param,
                          code="invalid_charge_amount_no_decimal_compatible")


def parse_options(value: Any, base: str, scheme: str,
                  parse_tiers: Any) -> dict[str, JSON] | None:
    """`currency_options` of a price create: one entry per currency other than the base."""
    if value is None:
        return None
    if not isinstance(value, dict):
        raise bad_request("Invalid currency_options: must be a hash.", param="currency_options")
    options: dict[str, JSON] = {}
    for raw_code, option in value.items():
        param = f"currency_options[{raw_code}]"
        code = check_currency(raw_code, param)
        if code == base:
            raise bad_request(f"The currency option {code} duplicates the price's currency.",
                              param=param)
        if not isinstance(option, dict):
            raise bad_request(f"Invalid hash: {param}", param=param)
        amount = opt_int(option, "unit_amount", minimum=0)
        tiers = parse_tiers(option.get("tiers")) if option.get("tiers") else None
        if scheme == "per_unit" and amount is None:
            raise bad_request(f"Missing required param: {param}[unit_amount].",
                              param=f"{param}[unit_amount]")
        if scheme == "tiered" and not tiers:
            raise bad_request(f"Missing required param: {param}[tiers].",
                              param=f"{param}[tiers]")
        whole_units(amount, code, f"{param}[unit_amount]")
        options[code] = {
            "custom_unit_amount": None,
            "tax_behavior": opt_enum(option, "tax_behavior", TAX_BEHAVIORS) or "unspecified",
            "tiers": tiers,
            "unit_amount": amount,
            "unit_amount_decimal": None if amount is None else str(amount),
        }
    return options


def currencies_of(price: JSON) -> list[str]:
    return [price["currency"], *sorted(price.get("currency_options") or {})]


def price_in(price: JSON, currency: str) -> JSON | None:
    """The price as billed in `currency` (the base, or its currency option); None if the
    price does not support it."""
    if currency == price["currency"]:
        return price
    option = (price.get("currency_options") or {}).get(currency)
    if option is None:
        return None
    return {**price, "currency": currency, "unit_amount": option["unit_amount"],
            "unit_amount_decimal": option["unit_amount_decimal"],
            "tiers": option["tiers"] if price.get("billing_scheme") == "tiered" else None,
            "tax_behavior": option["tax_behavior"]}


def require_in(price: JSON, currency: str, param: str) -> JSON:
    """`price_in` or Stripe's refusal of a price that does not support the currency."""
    found = price_in(price, currency)
    if found is None:
        supported = ", ".join(f"`{c}`" for c in currencies_of(price))
        raise bad_request(f"The price specified only supports {supported}. This doesn't match "
                          f"the expected currency: `{currency}`.", param=param)
    return found


def check_customer(store: Store, customer: JSON, currency: str) -> None:
    """Stripe refuses a second currency for a customer: once billed in one (its `currency`,
    kept after its subscriptions end) or while a live subscription is in one."""
    held = {sub["currency"] for sub in store.table("subscription").values()
            if sub["customer"] == customer["id"] and sub["status"] in LIVE}
    held |= {customer["currency"]} if customer.get("currency") else set()
    for other in sorted(held - {currency}):
        raise bad_request("You cannot combine currencies on a single customer. This "
                          "customer has an active subscription, subscription schedule, "
                          f"discount, quote, or invoice item with currency {other}.",
                          param="currency")


def rendered_options(price: JSON) -> JSON:
    """`currency_options` as Stripe returns it (when expanded): the base currency too."""
    base = {"custom_unit_amount": None, "tax_behavior": price.get("tax_behavior"),
            "tiers": price.get("tiers") if price.get("billing_scheme") == "tiered" else None,
            "unit_amount": price.get("unit_amount"),
            "unit_amount_decimal": price.get("unit_amount_decimal")}
    return {price["currency"]: base, **(price.get("currency_options") or {})}
