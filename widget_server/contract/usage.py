"""The response bodies of the usage and credit reads (`GET /v1/portal/usage`, `/credit`)."""

from __future__ import annotations

from pydantic import Field

from widget_server.contract.responses import Body, Int, Str


class UsageDay(Body):
    start: int = Field(description="The UTC day's first second.")
    date_display: str
    value: float = Field(description="The meter's aggregate of that day (its formula).")
    value_display: str


class MeteredItem(Body):
    subscription_id: str
    item_id: str
    meter_name: str
    currency: str
    period_start: int
    period_end: int
    period_display: str
    usage: int = Field(description="Usage this period so far, as the next invoice bills it.")
    usage_display: str
    amount: int = Field(description="What that usage adds to the next invoice (before "
                        "credits), in the currency's smallest unit.")
    amount_display: str
    unit_amount_display: Str = None
    history_max: float = Field(description="The largest daily value (the chart's scale).")
    history: list[UsageDay] = Field(description="The last 30 UTC days, oldest first, today "
                                    "last; a day without usage is 0.")


class EstimateRow(Body):
    """One row of the estimate card, as it changes the total."""

    kind: str = Field(description="subtotal, discount, tax, credits, balance_applied or "
                      "balance_added (the fields of the same name).")
    amount: int = Field(description="The row's effect on the total: negative when it takes "
                        "money off (discount, credits, balance_applied), positive otherwise.")
    amount_display: str = Field(description="`amount` in the locale's own form, its sign "
                                "included (Babel's minus; a plus sign on additions but the "
                                "subtotal).")


class UsageEstimate(Body):
    """The next invoice of a subscription with metered items, as Stripe previews it."""

    subscription_id: str
    currency: str
    subtotal: int
    subtotal_display: str
    credits: int = Field(description="Billing credits (grants) the invoice will use.")
    credits_display: str
    total: int
    total_display: str
    balance_applied: int = Field(description="Credit balance the invoice will use.")
    balance_applied_display: str
    discount: int = Field(description="Coupons and promotion codes (positive).")
    discount_display: str
    tax: int = Field(description="Tax added on top (exclusive tax; inclusive tax is in the "
                     "subtotal).")
    tax_display: str
    balance_added: int = Field(description="A balance owed the invoice adds (positive). "
                               "subtotal - discount + tax - credits - balance_applied + "
                               "balance_added == amount_due.")
    balance_added_display: str
    amount_due: int = Field(description="What will be charged: equal to the cent to the "
                            "invoice Stripe creates if usage does not change.")
    amount_due_display: str
    date: Int = None
    date_display: Str = None
    rows: list[EstimateRow] = Field(description="The card's rows: the subtotal, then each "
                                    "non-zero amount taken off or added, in that order; "
                                    "with `amount_due` they add up.")


class Usage(Body):
    """Metered usage of the customer's live subscriptions (setting `show_usage`)."""

    items: list[MeteredItem]
    estimates: list[UsageEstimate]


class CreditTransaction(Body):
    id: str
    type: str
    type_display: str
    credit: int = Field(description="Positive: credit added; negative: credit used.")
    currency: str
    credit_display: str = Field(description="`credit` with its sign in the locale's own "
                                "form (\"+$5.00\", \"-$5.00\").")
    description: Str = None
    created: int
    created_display: str


class CreditGrant(Body):
    id: str
    name: Str = None
    currency: str
    amount: int
    amount_display: str
    remaining: int
    remaining_display: str
    expires_at: Int = None
    expires_display: Str = None
    applies_display: str


class CustomerCredit(Body):
    customer_id: str
    credit: int = Field(description="The credit balance (positive: credit the next invoice "
                        "uses; negative: an amount owed, added to it).")
    currency: str
    credit_display: str
    applies_display: Str = None
    transactions: list[CreditTransaction] = Field(description="The latest 5, newest first.")
    grants: list[CreditGrant]


class Credit(Body):
    """The customers' credit balances and billing credit grants (setting `show_credit`)."""

    customers: list[CustomerCredit]
