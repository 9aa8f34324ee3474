"""Promotion codes and coupon ids on an active subscription."""

from __future__ import annotations

from tests.portal.helpers import Portal, error_of

ANA = "/v1/portal/subscriptions/sub_demo_ana/discount"


def test_a_promotion_code_is_applied_in_stripe(portal: Portal) -> None:
    portal.configure(coupons=True)
    response = portal.post(ANA, json={"code": "welcome20"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["message"] == "Discount applied: 20% off for 3 months."
    assert body["subscription"]["discounts"][0]["coupon_id"] == "welcome-20"
    [discount_id] = portal.subscription("sub_demo_ana")["discounts"]
    discount = portal.obj("discount", discount_id)
    assert (discount["promotion_code"], discount["source"]["coupon"]) == (
        "promo_welcome20", "welcome-20")
    assert portal.audit("subscription.discount")[0].detail["promotion_code"] == "promo_welcome20"


def test_codes_that_cannot_be_used_say_why(portal: Portal) -> None:
    portal.configure(coupons=True)
    cases = {
        "NOPE": ("invalid_code", "This code is not valid."),
        "SUMMER2025": ("code_expired", "This code has expired."),
        "OLDCODE": ("code_inactive", "This code is no longer active."),
        "VIPBEN": ("code_not_applicable", "This code cannot be used with your account."),
        "FIRSTORDER": ("code_not_applicable", "This code is only for a customer's first order."),
    }
    for code, (error_code, message) in cases.items():
        response = portal.post(ANA, json={"code": code})
        assert response.status_code == 400, code
        assert error_of(response) == {"code": error_code, "message": message, "param": "code"}
    assert portal.writes() == []
    assert portal.subscription("sub_demo_ana")["discounts"] == []
    assert {r.result for r in portal.audit("subscription.discount")} == {"refused"}


def test_a_code_for_other_products_is_refused(portal: Portal) -> None:
    portal.configure(coupons=True)
    portal.stripe.v1.coupons.create({"id": "team-only", "percent_off": 15, "duration": "once",
                                     "applies_to": {"products": ["prod_team"]}})
    portal.stripe.v1.promotion_codes.create(
        {"code": "TEAMONLY", "promotion": {"type": "coupon", "coupon": "team-only"}})
    portal.clear_log()
    response = portal.post(ANA, json={"code": "TEAMONLY"})
    assert response.status_code == 400
    assert error_of(response)["code"] == "code_not_applicable"
    assert error_of(response)["message"] == "This code does not apply to your plan."
    assert portal.writes() == []


def test_a_used_up_code_is_refused(portal: Portal) -> None:
    portal.configure(coupons=True)
    portal.stripe.v1.promotion_codes.create({"code": "ONCEONLY", "max_redemptions": 1,
                                             "promotion": {"type": "coupon",
                                                           "coupon": "summer-10"}})
    first = portal.post("/v1/portal/subscriptions/sub_demo_mixed/discount",
                        customer="cus_demo_mixed", json={"code": "ONCEONLY"})
    assert first.status_code == 200, first.get_json()
    second = portal.post(ANA, json={"code": "ONCEONLY"})
    assert error_of(second)["code"] == "code_used_up"
    assert portal.subscription("sub_demo_ana")["discounts"] == []


def test_coupon_ids_only_when_allowed(portal: Portal) -> None:
    portal.configure(coupons=True)
    refused = portal.post(ANA, json={"coupon": "vip-50"})
    assert (refused.status_code, error_of(refused)["code"]) == (403, "feature_disabled")
    assert error_of(refused)["param"] == "coupon"
    assert portal.writes() == []
    portal.configure(coupon_ids=True)
    unknown = portal.post(ANA, json={"coupon": "nope"})
    assert (unknown.status_code, error_of(unknown)["code"]) == (400, "invalid_code")
    response = portal.post(ANA, json={"coupon": "vip-50"})
    assert response.status_code == 200, response.get_json()
    [discount_id] = portal.subscription("sub_demo_ana")["discounts"]
    assert portal.obj("discount", discount_id)["source"]["coupon"] == "vip-50"


def test_coupons_off_foreign_and_bad_bodies(portal: Portal) -> None:
    off = portal.post(ANA, json={"code": "WELCOME20"})
    assert (off.status_code, error_of(off)["code"]) == (403, "feature_disabled")
    portal.configure(coupons=True)
    foreign = portal.post(ANA, customer="cus_demo_ben", json={"code": "WELCOME20"})
    assert (foreign.status_code, error_of(foreign)["code"]) == (404, "not_found")
    neither = portal.post(ANA, json={})
    assert (neither.status_code, error_of(neither)["param"]) == (400, "code")
    both = portal.post(ANA, json={"code": "A", "coupon": "B"})
    assert both.status_code == 400
    wrong_type = portal.post(ANA, json={"code": 20})
    assert error_of(wrong_type) == {"code": "invalid_parameter", "param": "code",
                                    "message": "The field “code” has the wrong type."}
    unknown = portal.post(ANA, json={"code": "WELCOME20", "percent_off": 100})
    assert (unknown.status_code, error_of(unknown)["code"]) == (400, "unknown_parameter")
    assert error_of(unknown)["param"] == "percent_off"
    assert portal.writes() == []
    assert portal.subscription("sub_demo_ana")["discounts"] == []


def test_a_subscription_with_a_discount_takes_no_second_code(portal: Portal) -> None:
    portal.configure(coupons=True)
    response = portal.post("/v1/portal/subscriptions/sub_demo_hana/discount",
                           customer="cus_demo_hana", json={"code": "STAY50"})
    assert (response.status_code, error_of(response)["code"]) == (403, "action_not_allowed")
    assert portal.writes() == []


def test_a_first_order_code_is_refused_in_the_users_language(portal: Portal) -> None:
    """Stripe's refusal has no code and English text only; the portal says it itself."""
    portal.configure(coupons=True)
    for locale in ("de", "ar"):
        response = portal.call("POST", ANA, json={"code": "FIRSTORDER"},
                               **{"Accept-Language": locale})
        message = error_of(response)["message"]
        assert response.status_code == 400 and "first" not in message.lower(), message
        assert "transaction" not in message
