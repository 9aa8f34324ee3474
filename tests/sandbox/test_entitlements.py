"""Entitlements in the sandbox: features, product features and active entitlements, driven by
the official StripeClient; shapes against the pinned SDK's classes, and Stripe's refusals."""

from __future__ import annotations

from typing import Any

import pytest
import stripe

from widget_server.stripe_schema.objects import check_list, check_object

FEATURE = stripe.entitlements.Feature
PRO = ("feat_demo_projects", "feat_demo_api_access", "feat_demo_analytics")


def _exact(value: dict[str, Any], cls: type) -> None:
    report = check_object(value, cls)
    assert report.ok, (report.missing, report.undeclared)


def _refused(call: Any, code: str | None, param: str | None, status: int = 400) -> str:
    with pytest.raises(stripe.StripeError) as caught:
        call()
    error = caught.value
    assert error.http_status == status
    assert (error.code, getattr(error, "param", None)) == (code, param)
    return str(error.user_message)


def test_feature_create_retrieve_update_list_have_the_sdk_shape(client: stripe.StripeClient
                                                                 ) -> None:
    created = client.v1.entitlements.features.create(
        {"lookup_key": "exports", "name": "CSV exports", "metadata": {"tier": "pro"}})
    data = created.to_dict()
    _exact(data, FEATURE)
    assert set(data) == {"id", "object", "active", "livemode", "lookup_key", "metadata", "name"}
    assert (data["object"], data["active"], data["metadata"]) == (
        "entitlements.feature", True, {"tier": "pro"})
    assert client.v1.entitlements.features.retrieve(created.id).to_dict() == data
    renamed = client.v1.entitlements.features.update(created.id, {"name": "Exports"})
    assert (renamed.name, renamed.lookup_key) == ("Exports", "exports")
    page = client.v1.entitlements.features.list({"lookup_key": "exports"}).to_dict()
    assert check_list(page, [FEATURE]).ok
    assert [f["id"] for f in page["data"]] == [created.id]


def test_archived_features_are_listed_only_when_asked_and_cannot_change(
        client: stripe.StripeClient) -> None:
    feature = client.v1.entitlements.features.create({"lookup_key": "old", "name": "Old"})
    archived = client.v1.entitlements.features.update(feature.id, {"active": False})
    assert archived.active is False
    active_ids = [f.id for f in client.v1.entitlements.features.list({"limit": 100}).data]
    assert feature.id not in active_ids and "feat_demo_sso" in active_ids
    only_archived = client.v1.entitlements.features.list({"archived": True}).data
    assert [f.id for f in only_archived] == [feature.id]
    _refused(lambda: client.v1.entitlements.features.update(feature.id, {"active": True}),
             None, "active")
    _refused(lambda: client.v1.products.features.create(
        "prod_pro", {"entitlement_feature": feature.id}), None, "entitlement_feature")
    # its lookup key is free again for a new feature
    again = client.v1.entitlements.features.create({"lookup_key": "old", "name": "New"})
    assert again.id != feature.id


def test_feature_refusals(client: stripe.StripeClient, raw: Any) -> None:
    features = client.v1.entitlements.features
    _refused(lambda: features.create({"lookup_key": "sso", "name": "Again"}),
             "resource_already_exists", "lookup_key")
    _refused(lambda: features.create({"lookup_key": "x" * 81, "name": "Long"}),
             None, "lookup_key")
    _refused(lambda: features.create({"lookup_key": "n", "name": "y" * 81}), None, "name")
    _refused(lambda: features.retrieve("feat_nope"), "resource_missing", "id", 404)
    missing_name = raw("POST", "/v1/entitlements/features", data={"lookup_key": "k"})
    assert (missing_name.status_code, missing_name.json()["error"]["param"]) == (400, "name")
    unknown = raw("POST", "/v1/entitlements/features",
                  data={"lookup_key": "k", "name": "n", "description": "x"})
    assert unknown.json()["error"]["code"] == "parameter_unknown"
    # the lookup key is set once: the update parameters do not declare it
    renamed = raw("POST", "/v1/entitlements/features/feat_demo_sso", data={"lookup_key": "z"})
    assert (renamed.status_code, renamed.json()["error"]["code"]) == (400, "parameter_unknown")
    assert client.v1.entitlements.features.retrieve("feat_demo_sso").lookup_key == "sso"


def test_product_features_attach_list_retrieve_delete(client: stripe.StripeClient) -> None:
    feature = client.v1.entitlements.features.create({"lookup_key": "beta", "name": "Beta"})
    attached = client.v1.products.features.create("prod_starter",
                                                  {"entitlement_feature": feature.id})
    data = attached.to_dict()
    assert check_object(data, stripe.ProductFeature).ok
    assert set(data) == {"id", "object", "entitlement_feature", "livemode"}
    assert data["entitlement_feature"]["id"] == feature.id
    listed = client.v1.products.features.list("prod_starter").to_dict()
    assert check_list(listed, [stripe.ProductFeature]).ok
    assert [r["entitlement_feature"]["lookup_key"] for r in listed["data"]] == [
        "beta", "projects"]
    assert client.v1.products.features.retrieve("prod_starter", attached.id).id == attached.id
    _refused(lambda: client.v1.products.features.create(
        "prod_starter", {"entitlement_feature": feature.id}),
        "resource_already_exists", "entitlement_feature")
    _refused(lambda: client.v1.products.features.retrieve("prod_pro", attached.id),
             "resource_missing", "id", 404)
    deleted = client.v1.products.features.delete("prod_starter", attached.id).to_dict()
    assert deleted == {"id": attached.id, "object": "product_feature", "deleted": True}
    assert [r.entitlement_feature.lookup_key
            for r in client.v1.products.features.list("prod_starter").data] == ["projects"]
    _refused(lambda: client.v1.products.features.create(
        "prod_nope", {"entitlement_feature": feature.id}), "resource_missing", "id", 404)
    _refused(lambda: client.v1.products.features.create(
        "prod_pro", {"entitlement_feature": "feat_nope"}),
        "resource_missing", "entitlement_feature", 404)


def test_active_entitlements_follow_the_live_subscriptions(client: stripe.StripeClient) -> None:
    page = client.v1.entitlements.active_entitlements.list(
        {"customer": "cus_demo_ana", "expand": ["data.feature"]}).to_dict()
    assert check_list(page, [stripe.entitlements.ActiveEntitlement]).ok
    assert {e["feature"]["id"] for e in page["data"]} == set(PRO)
    assert all(e["lookup_key"] == e["feature"]["lookup_key"] for e in page["data"])
    one = page["data"][0]
    again = client.v1.entitlements.active_entitlements.retrieve(one["id"]).to_dict()
    assert again["feature"] == one["feature"]["id"]  # an id unless expanded
    # Farid: Pro plus the support add-on, once per feature
    farid = client.v1.entitlements.active_entitlements.list(
        {"customer": "cus_demo_farid", "limit": 100}).data
    assert sorted(e.lookup_key for e in farid) == sorted(
        ["projects", "api_access", "analytics", "priority_support"])
    # Dan's subscription is canceled: nothing
    assert client.v1.entitlements.active_entitlements.list(
        {"customer": "cus_demo_dan"}).data == []
    # Ben is trialing: entitled
    assert len(client.v1.entitlements.active_entitlements.list(
        {"customer": "cus_demo_ben"}).data) == 3
    client.v1.subscriptions.cancel("sub_demo_ana")
    assert client.v1.entitlements.active_entitlements.list(
        {"customer": "cus_demo_ana"}).data == []


def test_active_entitlements_refusals(raw: Any) -> None:
    without = raw("GET", "/v1/entitlements/active_entitlements")
    assert (without.status_code, without.json()["error"]["param"]) == (400, "customer")
    unknown = raw("GET", "/v1/entitlements/active_entitlements?customer=cus_nope")
    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "resource_missing")
    bad = raw("GET", "/v1/entitlements/active_entitlements?customer=cus_demo_ana&status=x")
    assert bad.json()["error"]["code"] == "parameter_unknown"
    missing = raw("GET", "/v1/entitlements/active_entitlements/ent_nope")
    assert missing.status_code == 404
