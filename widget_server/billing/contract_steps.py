"""The steps of `stripe check`: every Stripe call the portal makes, in a realistic order.

Steps named `setup: …` and `stripe.js: …` create what the portal would find in an owner's
account (a product with two prices, a coupon and promotion code, a customer, a subscription)
or do what Stripe.js does in the browser; every other step is a call of the production
gateway (`StripeGateway` reads, `StripeWriter` writes). Everything created is marked with
`metadata[widget_server_check]` and undone at the end.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from widget_server.billing.contract import ContractCheck

Step = tuple[str, Callable[["ContractCheck"], None]]


class CheckFailed(Exception):
    """A call answered, but not with what the portal relies on."""


def expect(condition: bool, why: str) -> None:
    if not condition:
        raise CheckFailed(why)


def require(value: Any, what: str) -> Any:
    if value is None:
        raise LookupError(f"{what} was not found")
    return value


def archiver(c: ContractCheck, price_id: str) -> Callable[[], object]:
    return lambda: c.client.v1.prices.update(price_id, {"active": False})


def setup_catalog(c: ContractCheck) -> None:
    product = c.client.v1.products.create({"name": f"stripe check {c.run_id}",
                                           "metadata": c.mark})
    c.on_cleanup("archive product", lambda: c.client.v1.products.update(
        product.id, {"active": False}))
    prices = []
    for amount in (1000, 2000):
        price = c.client.v1.prices.create({
            "product": product.id, "currency": "usd", "unit_amount": amount,
            "recurring": {"interval": "month"}, "metadata": c.mark})
        c.on_cleanup(f"archive price {amount}", archiver(c, price.id))
        prices.append(price.id)
    c.state.update(product=product.id, prices=prices)


def setup_coupon(c: ContractCheck) -> None:
    coupon = c.client.v1.coupons.create({
        "percent_off": 10, "duration": "once", "metadata": c.mark,
        "applies_to": {"products": [c.state["product"]]}})
    c.on_cleanup("delete coupon", lambda: c.client.v1.coupons.delete(coupon.id))
    code = f"CHECK{c.run_id.upper()}"
    promo = c.client.v1.promotion_codes.create({
        "promotion": {"type": "coupon", "coupon": coupon.id}, "code": code,
        "metadata": c.mark})
    c.on_cleanup("deactivate promotion code", lambda: c.client.v1.promotion_codes.update(
        promo.id, {"active": False}))
    c.state.update(coupon=coupon.id, code=code, promo=promo.id)


def setup_customer(c: ContractCheck) -> None:
    email = f"stripe-check-{c.run_id}@example.com"
    customer = c.client.v1.customers.create({"email": email, "name": "Stripe check",
                                             "metadata": c.mark})
    c.on_cleanup("delete customer", lambda: c.client.v1.customers.delete(customer.id))
    c.state.update(customer=customer.id, email=email)


def card_setup_intent(c: ContractCheck) -> None:
    secret = c.writer.create_setup_intent(c.state["customer"], f"check-{c.run_id}-seti")
    c.state["setup_intent"] = secret.id


def stripejs_confirm(c: ContractCheck) -> None:
    seti = c.client.v1.setup_intents.confirm(c.state["setup_intent"],
                                             {"payment_method": "pm_card_visa"})
    expect(seti.status == "succeeded", f"setup intent is {seti.status}")
    c.state["payment_method"] = seti.payment_method


def card_set_default(c: ContractCheck) -> None:
    c.writer.set_default_payment_method(c.state["customer"], c.state["payment_method"])


def setup_subscription(c: ContractCheck) -> None:
    sub = c.client.v1.subscriptions.create({
        "customer": c.state["customer"], "items": [{"price": c.state["prices"][0]}],
        "metadata": c.mark})
    c.state["subscription"] = sub.id


def read_find_by_email(c: ContractCheck) -> None:
    found = c.gateway.find_customers(email=c.state["email"])
    expect([x.id for x in found] == [c.state["customer"]], "the customer was not found")


def read_find_by_id(c: ContractCheck) -> None:
    expect(bool(c.gateway.find_customers(customer_id=c.state["customer"])),
            "the customer was not found by id")


def read_snapshot(c: ContractCheck) -> None:
    snapshot = c.gateway.snapshot([c.state["customer"]])
    expect([s.id for s in snapshot.subscriptions] == [c.state["subscription"]],
            "the subscription is not in the portal view")
    expect(snapshot.payment_method is not None, "no card in the portal view")


def read_subscription(c: ContractCheck) -> None:
    c.gateway.subscription(c.state["subscription"], [c.state["customer"]])


def read_invoices(c: ContractCheck) -> None:
    invoices = c.gateway.invoices([c.state["customer"]])
    expect(bool(invoices), "the first invoice is missing")
    c.state["invoice"] = invoices[0].id
    c.gateway.open_invoice([c.state["customer"]], c.state["subscription"])


def read_catalog(c: ContractCheck) -> None:
    ids = {p.id for p in c.gateway.catalog_prices()}
    expect(set(c.state["prices"]) <= ids, "the new prices are not in the catalog")


def read_guards(c: ContractCheck) -> None:
    """The narrow reads every write re-does before it acts (ownership checks)."""
    require(c.writer.subscription(c.state["subscription"]), "subscription")
    require(c.writer.price(c.state["prices"][1]), "price")
    require(c.writer.invoice(c.state["invoice"]), "invoice")
    require(c.writer.payment_method(c.state["payment_method"]), "payment method")
    coupon = require(c.writer.coupon(c.state["coupon"]), "coupon")
    expect(coupon.applies_to_products == (c.state["product"],), "applies_to was not read")
    require(c.writer.find_promotion_code(c.state["code"]), "promotion code")
    expect(c.writer.live_subscription_ids(c.state["customer"]) == [c.state["subscription"]],
            "the live subscriptions are not the one created")


def current_subscription(c: ContractCheck) -> Any:
    return require(c.writer.subscription(c.state["subscription"]), "subscription")


def _plan(c: ContractCheck, quantity: int) -> Any:
    from widget_server.billing.changes import ItemChangePlan, proration_now

    sub = current_subscription(c)
    item = sub.items[0]
    return ItemChangePlan(subscription=sub, item=item, price_id=c.state["prices"][1],
                          quantity=quantity, at_period_end=False,
                          proration_date=c.state.get("proration_date") or proration_now(item),
                          restarts_cycle=False)


def write_preview(c: ContractCheck) -> None:
    plan = _plan(c, 2)
    preview = c.writer.preview_change(plan)
    expect(preview.proration_date == plan.proration_date, "the preview lost its proration date")
    c.state["proration_date"] = plan.proration_date
    c.state["preview_due"] = preview.amount_due


def write_change_now(c: ContractCheck) -> None:
    changed = c.writer.change_now(_plan(c, 2))
    item = changed.items[0]
    expect((item.price.id, item.quantity) == (c.state["prices"][1], 2)
            or changed.pending_update_expires_at is not None, "the change was not applied")
    expect(c.writer.subscriptions_of(changed.customer_id)[0].id == changed.id,
            "subscriptions_of does not list the changed subscription")
    c.writer.paying_card(changed)


def write_change_at_period_end(c: ContractCheck) -> None:
    sub = current_subscription(c)
    price = require(c.writer.price(c.state["prices"][0]), "price")
    changed = c.writer.change_item_at_period_end(sub, sub.items[0].id, price=price,
                                                 quantity=1)
    c.writer.release_schedule(require(changed.schedule_id, "schedule"))


def write_discount(c: ContractCheck) -> None:
    c.writer.add_discount(current_subscription(c), promotion_code_id=c.state["promo"])


def write_pause(c: ContractCheck) -> None:
    c.writer.pause(c.state["subscription"], None)
    c.writer.unpause(c.state["subscription"])


def write_cancel_at_period_end(c: ContractCheck) -> None:
    c.writer.set_cancel_at_period_end(c.state["subscription"], feedback="too_expensive",
                                      comment="stripe check")
    c.writer.resume(c.state["subscription"])


def write_customer(c: ContractCheck) -> None:
    c.writer.update_customer(c.state["customer"], name="Stripe check (updated)")
    tax = c.writer.add_tax_id(c.state["customer"], "eu_vat", "DE123456789")
    require(c.writer.tax_id(c.state["customer"], tax.id), "tax id")
    c.writer.delete_tax_id(c.state["customer"], tax.id)


def write_cancel_now(c: ContractCheck) -> None:
    canceled = c.writer.cancel_now(c.state["subscription"], feedback="unused", comment=None)
    expect(canceled.status == "canceled", f"canceled subscription is {canceled.status}")


def write_resubscribe(c: ContractCheck) -> None:
    previous = current_subscription(c)
    created = c.writer.resubscribe(previous, price_id=None, promotion_code_id=None,
                                   default_payment_method=None,
                                   idempotency_key=f"check-{c.run_id}-resubscribe")
    expect(created.status == "active", f"resubscribed as {created.status}")
    c.state["subscription"] = created.id


def setup_open_invoice(c: ContractCheck) -> None:
    sub = c.client.v1.subscriptions.create({
        "customer": c.state["customer"], "items": [{"price": c.state["prices"][1]}],
        "payment_behavior": "default_incomplete", "metadata": c.mark})
    c.state["open_invoice"] = sub.latest_invoice


def write_pay_invoice(c: ContractCheck) -> None:
    paid = c.writer.pay_invoice(c.state["open_invoice"], f"check-{c.run_id}-pay")
    expect(paid.status == "paid", f"invoice is {paid.status}")


STEPS: list[Step] = [
    ("setup: product and prices", setup_catalog),
    ("setup: coupon and promotion code", setup_coupon),
    ("setup: customer", setup_customer),
    ("create_setup_intent", card_setup_intent),
    ("stripe.js: confirm card setup", stripejs_confirm),
    ("set_default_payment_method", card_set_default),
    ("setup: subscription", setup_subscription),
    ("find_customers(email)", read_find_by_email),
    ("find_customers(customer_id)", read_find_by_id),
    ("snapshot", read_snapshot),
    ("subscription", read_subscription),
    ("invoices, open_invoice", read_invoices),
    ("catalog_prices", read_catalog),
    ("guarded reads", read_guards),
    ("preview_change", write_preview),
    ("change_now, subscriptions_of, paying_card", write_change_now),
    ("change_item_at_period_end, release", write_change_at_period_end),
    ("add_discount", write_discount),
    ("pause, unpause", write_pause),
    ("set_cancel_at_period_end, resume", write_cancel_at_period_end),
    ("update_customer, tax ids", write_customer),
    ("cancel_now", write_cancel_now),
    ("resubscribe", write_resubscribe),
    ("setup: open invoice", setup_open_invoice),
    ("pay_invoice", write_pay_invoice),
]
