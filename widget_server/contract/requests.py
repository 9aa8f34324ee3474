"""The request bodies of the JSON API, defined once (DESIGN §3.3).

Each model is the whole allow-list of one body: ``extra="forbid"`` refuses any other field,
``strict=True`` refuses a string where a number belongs (and ``true`` where an integer does).
A field that may be left out is nullable: ``null`` and absent mean the same. Validation
(``contract.validation``), the OpenAPI document (``contract.document``) and the reference in
docs/actions.md (``contract.reference``) are all derived from these classes.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Annotated, Literal, get_args

from babel import Locale
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema
from pydantic.config import JsonDict, JsonValue
from pydantic_core import PydanticCustomError

from widget_server.contract.account import AccountSettingsUpdate, EventsQuery
from widget_server.contract.flows import MAX_RETURN_URL, FlowData
from widget_server.i18n import N_
from widget_server.identity import MAX_IDENTIFIER_LENGTH

MAX_QUANTITY = 1_000_000
MAX_COMMENT = 500
MAX_BROWSER_LOCALES = 10
MAX_LOCALE = 35
MAX_AMOUNT = 10**12
# Stripe's cancellation_details.feedback values.
CancelReason = Literal["too_expensive", "missing_features", "switched_service", "unused",
                       "customer_service", "too_complex", "low_quality", "other"]
CANCEL_REASONS: tuple[str, ...] = get_args(CancelReason)
# Written so that ECMA-262 (JSON Schema) and Python read them alike: no \s, whose members
# differ. (Python's "$" also allows one final newline, which the action strips.)
_NOT_AT_OR_SPACE = r"[^@ \t\n\r\f\v]"
# Spaces around the address are allowed (a pasted address often has them); the action trims.
EMAIL_PATTERN = (rf"^[ \t]*{_NOT_AT_OR_SPACE}{{1,64}}@{_NOT_AT_OR_SPACE}+\.{_NOT_AT_OR_SPACE}{{2,}}"
                 r"[ \t]*$")
PHONE_PATTERN = r"^(\+?[0-9 ()./\-]{4,30})?$"

# A field whose value breaks a rule other than its type or size: (code, sentence to show).
FIELD_ERRORS: dict[str, tuple[str, str]] = {
    "reason": ("invalid_reason", N_("Choose one of the listed reasons.")),
    "email": ("invalid_parameter", N_("Enter a valid email address.")),
    "phone": ("invalid_parameter", N_("Enter a valid phone number.")),
    "address[country]": ("invalid_parameter", N_("Choose a country from the list.")),
}


@lru_cache(maxsize=1)
def country_codes() -> tuple[str, ...]:
    """ISO 3166-1 alpha-2 codes (Babel's territories), sorted."""
    codes = (str(code) for code in Locale("en").territories)
    return tuple(sorted(code for code in codes if re.fullmatch("[A-Z]{2}", code)))


def _country(value: str) -> str:
    code = value.strip().upper()
    if code and code not in country_codes():
        raise PydanticCustomError("invalid_choice", "not a country code")
    return code


Country = Annotated[str, AfterValidator(_country),
                    WithJsonSchema({"type": "string", "enum": list(country_codes()),
                                    "description": "ISO 3166-1 alpha-2 (any case)."})]

ObjectId = Annotated[str, Field(max_length=255)]
CustomerId = Annotated[str | None, Field(
    default=None, max_length=255,
    description="Which of the token's customers (default: the first).")]


def _config(example: JsonDict, **extra: JsonValue) -> ConfigDict:
    return ConfigDict(extra="forbid", strict=True, regex_engine="python-re",
                      json_schema_extra={"examples": [example], **extra})


def _any_of(*names: str) -> list[JsonValue]:
    """JSON Schema for "send at least one of these fields" (null counts as not sent)."""
    return [{"required": [name], "properties": {name: {"not": {"type": "null"}}}}
            for name in names]


def _exactly_one(first: str, second: str, *, empty_is_unset: bool = True) -> list[JsonValue]:
    """JSON Schema for "send exactly one of two fields" (null, or "" if so, is not sent)."""
    unset: JsonDict = {"enum": [None, ""]} if empty_is_unset else {"type": "null"}
    sent: JsonDict = {"type": "string", "minLength": 1 if empty_is_unset else 0}
    return [{"required": [first], "properties": {first: sent, second: unset}},
            {"required": [second], "properties": {second: sent, first: unset}}]


class EmptyBody(BaseModel):
    """No fields: the body may be omitted or ``{}``."""

    model_config = _config({})


class EmbedSessionRequest(BaseModel):
    """Exchange an identity hash for a portal token (send exactly one of email, customer_id)."""

    model_config = _config({"account": "acct_demo", "email": "ana@example.com",
                            "hash": "0" * 64, "locale": "auto"},
                           oneOf=_exactly_one("email", "customer_id"))

    account: str = Field(min_length=1, max_length=64,
                         description="The account's public id (acct_…).")
    email: str | None = Field(None, max_length=MAX_IDENTIFIER_LENGTH,
                              description="The user's email, exactly as hashed.")
    customer_id: str | None = Field(None, max_length=MAX_IDENTIFIER_LENGTH,
                                    description="The Stripe customer id, exactly as hashed.")
    hash: str | None = Field(
        None, max_length=64,
        description="hex(HMAC-SHA256(account secret, identifier)), lowercase.")
    locale: str | None = Field(None, max_length=MAX_LOCALE,
                               description="A language code or 'auto'.")
    browser_locales: list[Annotated[str, Field(max_length=MAX_LOCALE)]] | None = Field(
        None, max_length=MAX_BROWSER_LOCALES, description="navigator.languages, in order.")
    flow_data: FlowData | None = Field(None, description="Open straight into one flow.")


class PortalSessionRequest(BaseModel):
    """Create a hosted portal URL (send exactly one of customer, email)."""

    model_config = _config({"customer": "cus_123", "return_url": "https://app.example.com/"},
                           oneOf=_exactly_one("customer", "email"))

    customer: str | None = Field(None, max_length=MAX_IDENTIFIER_LENGTH,
                                 description="A Stripe customer id.")
    email: str | None = Field(None, max_length=MAX_IDENTIFIER_LENGTH,
                              description="Or the customer's email.")
    return_url: str = Field(max_length=MAX_RETURN_URL,
                            description="Must be on one of the account's allowed origins.")
    locale: str | None = Field(None, max_length=MAX_LOCALE, description="A language code, e.g. de.")
    flow_data: FlowData | None = Field(None, description="Open straight into one flow (a deep "
                                                         "link), like Stripe's portal flows.")


class CancelRequest(BaseModel):
    """Cancel a subscription, at the period end unless ``at_period_end`` is false."""

    model_config = _config({"at_period_end": True, "reason": "too_expensive"})

    at_period_end: bool | None = Field(None, description="Default true; false cancels now "
                                       "(needs the cancel_immediately setting).")
    reason: CancelReason | None = Field(None, description="Stripe's feedback value.")
    comment: str | None = Field(None, max_length=MAX_COMMENT, description="Free text.")


class DiscountRequest(BaseModel):
    """Apply a promotion code (``code``) or, for the retention offer, its coupon."""

    model_config = _config({"code": "SPRING20"}, oneOf=_exactly_one("code", "coupon",
                                                                 empty_is_unset=False))

    code: str | None = Field(None, max_length=100, description="A promotion code as typed.")
    coupon: str | None = Field(None, max_length=100, description="A coupon id: the retention "
                               "offer's, or any with the coupon_ids setting.")
    retention: bool | None = Field(None, description="True when accepting the retention offer.")


class PauseRequest(BaseModel):
    """Pause collection until a date (within two years) or indefinitely."""

    model_config = _config({"resumes_at": None})

    resumes_at: int | None = Field(None, ge=0, description="Unix time; null: indefinitely.")


class PlanRequest(BaseModel):
    """A plan change to preview."""

    model_config = _config({"price": "price_pro_monthly", "quantity": 1})

    price: ObjectId = Field(description="A price of the account's catalog.")
    quantity: int | None = Field(None, ge=1, le=MAX_QUANTITY)
    item: str | None = Field(None, max_length=255, description="The subscription item to "
                             "change; needed when the subscription has several.")


class PreviewConfirmation(BaseModel):
    """What a confirm carries back from the preview it showed (a mismatch is a 409)."""

    proration_date: int | None = Field(None, ge=0, description="The preview's proration date.")
    expected_total: int | None = Field(None, ge=-MAX_AMOUNT, le=MAX_AMOUNT)
    expected_amount_due: int | None = Field(None, ge=0, le=MAX_AMOUNT)


class PlanConfirmRequest(PlanRequest, PreviewConfirmation):
    """Switch price; 409 ``preview_stale`` (with a fresh preview) when amounts changed."""

    model_config = _config({"price": "price_pro_monthly", "proration_date": 1900000000,
                            "expected_total": 1500, "expected_amount_due": 500})


class QuantityRequest(BaseModel):
    """A quantity change to preview."""

    model_config = _config({"quantity": 3})

    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    item: str | None = Field(None, max_length=255, description="The subscription item to "
                             "change; needed when the subscription has several.")


class QuantityConfirmRequest(QuantityRequest, PreviewConfirmation):
    """Change the quantity; 409 ``preview_stale`` when the amounts changed."""

    model_config = _config({"quantity": 3, "proration_date": 1900000000})


class ResubscribeRequest(BaseModel):
    """Restart a canceled subscription, optionally on another price or with a code."""

    model_config = _config({"price": "price_pro_monthly", "promotion_code": "WELCOMEBACK"})

    price: str | None = Field(None, max_length=255, description="Another catalog price "
                              "(needs change_plan_when_canceled).")
    promotion_code: str | None = Field(None, max_length=100,
                                       description="Needs coupon_on_resubscribe.")


class CustomerRequest(BaseModel):
    """Which customer an action is for."""

    model_config = _config({"customer": "cus_123"})

    customer: CustomerId


class PaymentMethodRequest(BaseModel):
    """Make a saved or just confirmed card the default."""

    model_config = _config({"payment_method": "pm_card_visa", "make_default": True})

    payment_method: ObjectId = Field(description="A card of the customer (pm_…).")
    make_default: bool | None = Field(None, description="Default true; false only saves it.")


class Address(BaseModel):
    """A postal address; each part at most 200 characters."""

    model_config = ConfigDict(extra="forbid", strict=True)

    line1: str | None = Field(None, max_length=200)
    line2: str | None = Field(None, max_length=200)
    city: str | None = Field(None, max_length=200)
    state: str | None = Field(None, max_length=200)
    postal_code: str | None = Field(None, max_length=200)
    country: Country | None = None


class CustomerUpdateRequest(BaseModel):
    """Billing details to change; fields left out stay as they are."""

    model_config = _config({"name": "Ana Ortiz", "address": {"country": "DE",
                                                            "postal_code": "10115"}},
                           anyOf=_any_of("email", "name", "phone", "address"))

    customer: CustomerId
    email: str | None = Field(None, max_length=320, pattern=EMAIL_PATTERN)
    name: str | None = Field(None, max_length=256)
    phone: str | None = Field(None, max_length=40, pattern=PHONE_PATTERN)
    address: Address | None = None


class TaxIdRequest(BaseModel):
    """Add a tax id (one of Stripe's types, e.g. eu_vat)."""

    model_config = _config({"type": "eu_vat", "value": "DE123456789"})

    customer: CustomerId
    type: str = Field(max_length=20, description="Stripe's tax id type, e.g. eu_vat.")
    value: str = Field(max_length=64)


class PaymentMethodsQuery(BaseModel):
    """``GET /v1/portal/payment_methods``: whose cards."""

    model_config = _config({"customer": "cus_123"})

    customer: CustomerId


class RetentionOfferQuery(BaseModel):
    """``GET /v1/portal/retention_offer``: for which subscription."""

    model_config = _config({"subscription": "sub_123"})

    subscription: str = Field(max_length=255, description="The subscription being canceled.")


class InvoicesQuery(BaseModel):
    """``GET /v1/portal/invoices``: which page (the first without a cursor)."""

    model_config = _config({"starting_after": "eyJjdXNfMTIzIjoiaW5fMTIzIn0"})

    starting_after: str | None = Field(
        None, max_length=2000, pattern=r"^[A-Za-z0-9_=-]+$",
        description="The `next` cursor of the previous page; omit it for the newest invoices.")


class CanceledSubscriptionsQuery(BaseModel):
    """``GET /v1/portal/subscriptions/canceled``: the page after a cursor."""

    model_config = _config({"starting_after": "eyJjdXNfMTIzIjoic3ViXzEyMyJ9"})

    starting_after: str = Field(
        max_length=2000, pattern=r"^[A-Za-z0-9_=-]+$",
        description="The `canceled_next` cursor of `GET /v1/portal` or the `next` cursor of "
                    "the previous page.")


class StringsQuery(BaseModel):
    """``GET /v1/portal/strings``: an account's UI strings in one locale (public, cacheable)."""

    model_config = _config({"account": "acct_123", "locale": "de", "v": "3f2a9c01d4e5b6a7"})

    account: str = Field(max_length=40, description="The account's public id.")
    locale: str = Field(max_length=35, description="A locale the service supports; others "
                        "fall back like the portal's own negotiation.")
    v: str | None = Field(None, max_length=64, description="The version `GET /v1/portal` "
                          "named in `strings_url`; the current one is cached for a year.")


QUERY_MODELS: tuple[type[BaseModel], ...] = (PaymentMethodsQuery, RetentionOfferQuery,
                                             InvoicesQuery, CanceledSubscriptionsQuery,
                                             StringsQuery, EventsQuery)
REQUEST_MODELS: tuple[type[BaseModel], ...] = (
    EmptyBody, EmbedSessionRequest, PortalSessionRequest, CancelRequest, DiscountRequest,
    PauseRequest, PlanRequest, PlanConfirmRequest, QuantityRequest, QuantityConfirmRequest,
    ResubscribeRequest, CustomerRequest, PaymentMethodRequest, CustomerUpdateRequest,
    TaxIdRequest, AccountSettingsUpdate,
)
