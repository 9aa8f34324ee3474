/* widget-server portal: what each subscription grants, and what a plan change adds and removes
 * (the view's `entitlements`, then GET /v1/portal/entitlements after an action; only when the
 * account's show_entitlements setting is on). */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;

  function enabled(ctx) {
    return !!(ctx.state.portal && (ctx.state.portal.settings || {}).show_entitlements);
  }

  function entryOf(ctx, sub) {
    var data = ctx.state.entitlements;
    return data && (data.subscriptions || []).filter(function (s) {
      return s.id === sub.id;
    })[0];
  }

  /** The grants: the view carries them; after an action they are read again (`fresh`). */
  function load(ctx, render, fresh) {
    if (!enabled(ctx)) { ctx.state.entitlements = null; return Promise.resolve(null); }
    if (!fresh && ctx.state.portal.entitlements) {
      ctx.state.entitlements = ctx.state.portal.entitlements;
      return Promise.resolve(ctx.state.entitlements);
    }
    return ctx.api.get("/v1/portal/entitlements").then(function (data) {
      ctx.state.entitlements = data;
      render();
      return data;
    }, function (error) {
      ctx.state.entitlements = null;
      ctx.log("entitlements not loaded", error);
      return null;
    });
  }

  /** Feature names as a list (owner-written text: isolated, never markup). */
  function featureList(features, kind) {
    return h("ul", { class: "wsp-features wsp-features-" + kind }, features.map(function (f) {
      return h("li", { "data-feature": f.lookup_key }, dom.isolate(f.name));
    }));
  }

  /** The card's "Includes" block, or null when the subscription grants nothing known. */
  function grants(ctx, sub) {
    var entry = enabled(ctx) && entryOf(ctx, sub);
    if (!entry || !(entry.grants || []).length) return null;
    var id = "wsp-grants-" + sub.id;
    return h("div", { class: "wsp-grants", role: "group", "aria-labelledby": id },
      h("p", { id: id, class: "wsp-grants-title", text: ctx.t("Includes") }),
      featureList(entry.grants, "granted"));
  }

  /** For the plan picker and the preview: what switching `itemId` to `priceId` adds and
   *  removes, compared with the current plan (null when unknown). */
  function comparison(ctx, sub, itemId, priceId) {
    var entry = enabled(ctx) && priceId && entryOf(ctx, sub);
    if (!entry) return null;
    var change = (entry.changes || []).filter(function (c) {
      return c.price === priceId && (!itemId || c.item === itemId);
    })[0];
    if (!change) return null;
    var blocks = [];
    if ((change.gain || []).length) {
      blocks.push(h("div", { class: "wsp-compare-gain" },
        h("p", { class: "wsp-compare-title", text: ctx.t("You gain") }),
        featureList(change.gain, "gain")));
    }
    if ((change.lose || []).length) {
      blocks.push(h("div", { class: "wsp-compare-lose" },
        h("p", { class: "wsp-compare-title", text: ctx.t("You lose") }),
        featureList(change.lose, "lose")));
    }
    if (!blocks.length) {
      blocks.push(h("p", { class: "wsp-muted", text:
        ctx.t("The same features as your current plan.") }));
    }
    return h("div", { class: "wsp-compare", "aria-live": "polite" }, blocks);
  }

  parts.entitlements = { load: load, grants: grants, comparison: comparison };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
