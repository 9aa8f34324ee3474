/* widget-server portal: renders the portal JSON (read-only views + the action triggers). */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;
  var N_ = dom.N_;

  var STATUS_TONES = {
    active: "success", trialing: "info", past_due: "danger", unpaid: "danger",
    incomplete: "warning", incomplete_expired: "neutral", canceled: "neutral", paused: "warning",
    paid: "success", open: "warning", draft: "neutral", void: "neutral", uncollectible: "danger"
  };

  function badge(status, text, tone) {
    return h("span", { class: "wsp-badge wsp-badge-" + (tone || STATUS_TONES[status] || "neutral"),
      text: text || status });
  }

  function section(ctx, key, title, content, extraHead) {
    var id = "wsp-" + key + "-title";
    return h("section", { class: "wsp-section wsp-section-" + key, "aria-labelledby": id },
      h("div", { class: "wsp-section-head" },
        h("h2", { id: id, class: "wsp-section-title", text: title }), extraHead),
      content);
  }

  function metaRow(label, value) {
    if (!value) return null;
    return h("div", { class: "wsp-meta-row" }, h("dt", { text: label }), h("dd", {}, value));
  }

  function displayDate(ctx, display, timestamp) {
    return display || dom.formatDate(timestamp, ctx.locale);
  }

  function productNames(sub) {
    var names = [];
    (sub.items || []).forEach(function (item) {
      var name = item.product && item.product.name;
      if (name && names.indexOf(name) === -1) names.push(name);
    });
    return names.join(" + ");
  }

  function priceLine(item) {
    var price = item.price || {};
    return [price.amount_display, price.interval_display].filter(Boolean).join(" ");
  }

  function quantityLabel(ctx, item) {
    var unit = item.product && item.product.unit_label;
    return unit ? ctx.t("Quantity (%(unit)s)", { unit: unit }) : ctx.t("Quantity");
  }

  function quantityText(ctx, item) {
    // an amount the server cannot give in the subscription's currency is null: no "3 × "
    if (!(item.price || {}).amount_display) return String(item.quantity);
    return dom.sentence(ctx.t("%(quantity)s × %(price)s"), { quantity: item.quantity,
      price: (item.price || {}).amount_display || "" });
  }

  /** What one item costs per interval: the total for its quantity. */
  function itemTotalLine(item) {
    if (!(item.quantity > 1) || !item.amount_display) return priceLine(item);
    return [item.amount_display, (item.price || {}).interval_display].filter(Boolean).join(" ");
  }

  function isEnded(sub) {
    return sub.status === "canceled" || sub.status === "incomplete_expired";
  }

  /** The subscription's banners: payment failed (with Pay now), paused, cancellation scheduled. */
  function banners(ctx, sub) {
    var t = ctx.t;
    var out = [];
    var settings = ctx.state.portal.settings || {};
    var failed = sub.status === "past_due" || sub.status === "unpaid" ||
      sub.status === "incomplete";
    var first = sub.status === "incomplete";
    if (failed && sub.open_invoice && settings.pay_failed_invoices !== false) {
      var payButton = sub.actions && sub.actions.pay_invoice
        ? dom.button(t("Pay now"), function (event) {
          ctx.actions.open("pay_invoice", sub, event.currentTarget);
        }, "primary", { "data-action": "pay_invoice" })
        : null;
      out.push(h("div", { class: "wsp-alert wsp-alert-error wsp-banner" },
        h("div", {},
          h("p", { class: "wsp-alert-title", text: first
            ? t("Your subscription starts once its first payment is made.")
            : t("Your last payment failed.") }),
          h("p", {}, payButton && first
            ? dom.sentence(t("Pay the open invoice of %(amount)s to start your subscription."),
              { amount: sub.open_invoice.amount_display })
            : payButton ? dom.sentence(
              t("Pay the open invoice of %(amount)s to keep your subscription active."),
              { amount: sub.open_invoice.amount_display })
            : t("Please update your payment method to keep your subscription active."))),
        payButton));
    } else if (failed) {
      out.push(h("div", { class: "wsp-alert wsp-alert-error wsp-banner" },
        h("p", { text: t("Please update your payment method to keep your subscription active.") })));
    }
    if (sub.pause_collection) {
      var until = sub.pause_collection.resumes_at_display ||
        (sub.pause_collection.resumes_at && dom.formatDate(sub.pause_collection.resumes_at, ctx.locale));
      out.push(h("div", { class: "wsp-alert wsp-alert-warning wsp-banner" },
        h("p", {}, until ? dom.sentence(t("Payments are paused until %(date)s."), { date: until })
          : t("Payments are paused."))));
    }
    if (sub.scheduled_change) {
      var plans = (sub.scheduled_change.items || []).map(function (item) { return item.plan; });
      out.push(h("div", { class: "wsp-alert wsp-alert-info wsp-banner" },
        h("p", {}, dom.sentence(t("Your plan changes to %(plan)s on %(date)s."),
          { plan: plans.join(", "), date: sub.scheduled_change.date_display || "" }))));
    }
    if (!isEnded(sub) && (sub.cancel_at_period_end || sub.cancel_at)) {
      var ends = sub.cancel_at ? dom.formatDate(sub.cancel_at, ctx.locale)
        : displayDate(ctx, sub.current_period_end_display, sub.current_period_end);
      out.push(h("div", { class: "wsp-alert wsp-alert-info wsp-banner" },
        h("p", {}, dom.sentence(t("Your subscription will end on %(date)s."), { date: ends }))));
    }
    return out;
  }

  function meta(ctx, sub) {
    var t = ctx.t;
    var rows = [];
    var items = sub.items || [];
    if (items.length === 1 && (items[0].quantity > 1 || (items[0].product || {}).unit_label)) {
      rows.push(metaRow(quantityLabel(ctx, items[0]), quantityText(ctx, items[0])));
    }
    (sub.dates || []).forEach(function (fact) {
      rows.push(metaRow(fact.label, fact.display));
    });
    (sub.discounts || []).forEach(function (discount) {
      rows.push(metaRow(t("Discount"), h("span", { class: "wsp-tag", text:
        discount.display || discount.name || discount.coupon_id })));
    });
    rows = rows.filter(Boolean);
    return rows.length ? h("dl", { class: "wsp-meta" }, rows) : null;
  }

  function itemList(ctx, sub) {
    var items = sub.items || [];
    if (items.length < 2) return null;
    return h("ul", { class: "wsp-items", "aria-label": ctx.t("Items") }, items.map(function (item) {
      return h("li", { class: "wsp-item" },
        h("div", {},
          h("p", { class: "wsp-item-name", text: (item.product || {}).name || "" }),
          h("p", { class: "wsp-muted" }, item.quantity > 1
            ? [quantityText(ctx, item), " ", (item.price || {}).interval_display || ""]
            : priceLine(item))),
        h("p", { class: "wsp-item-amount", text: item.amount_display || "" }));
    }));
  }

  /** The actions the server allows for this subscription, in a stable order. */
  var SUBSCRIPTION_ACTIONS = [
    ["resume", N_("Resume subscription"), "primary"],
    ["resubscribe", N_("Resubscribe"), "primary"],
    ["unpause", N_("Resume payments"), "primary"],
    ["update_card", N_("Update card"), "secondary"],
    ["cancel_change", N_("Keep current plan"), "secondary"],
    ["change_plan", N_("Change plan"), "secondary"],
    ["change_quantity", N_("Change quantity"), "secondary"],
    ["apply_coupon", N_("Apply coupon"), "secondary"],
    ["pause", N_("Pause payments"), "secondary"],
    ["cancel", N_("Cancel subscription"), "danger-ghost"]
  ];

  function actionBar(ctx, sub) {
    var t = ctx.t;
    var allowed = SUBSCRIPTION_ACTIONS.filter(function (entry) {
      return sub.actions && sub.actions[entry[0]];
    });
    if (!allowed.length) {
      return sub.reason ? h("p", { class: "wsp-muted wsp-reason", text: sub.reason }) : null;
    }
    var open = function (name) {
      return function (opener) { ctx.actions.open(name, sub, opener); };
    };
    if ((ctx.state.portal.settings || {}).actions_dropdown) {
      return h("div", { class: "wsp-actions" }, parts.dialogs.actionMenu(ctx,
        t("Manage subscription"), allowed.map(function (entry) {
          return { text: t(entry[1]), onSelect: open(entry[0]),
            variant: entry[0] === "cancel" ? "danger" : null };
        })));
    }
    return h("div", { class: "wsp-actions" }, allowed.map(function (entry) {
      return dom.button(t(entry[1]), function (event) { open(entry[0])(event.currentTarget); },
        entry[2], { "data-action": entry[0] });
    }));
  }

  function subscriptionCard(ctx, sub) {
    var titleId = "wsp-sub-" + sub.id;
    var items = sub.items || [];
    var summary = items.length === 1 ? itemTotalLine(items[0]) : null;
    return h("article", { class: "wsp-card wsp-sub" + (isEnded(sub) ? " wsp-sub-ended" : ""),
      "aria-labelledby": titleId, "data-subscription": sub.id },
      h("div", { class: "wsp-sub-head" },
        h("div", { class: "wsp-sub-heading" },
          h("h3", { id: titleId, class: "wsp-sub-title", text: productNames(sub) }),
          summary ? h("p", { class: "wsp-sub-price", text: summary }) : null),
        badge(sub.status, (sub.badge || {}).text || sub.status_display, (sub.badge || {}).tone)),
      banners(ctx, sub), itemList(ctx, sub), meta(ctx, sub),
      parts.entitlements ? parts.entitlements.grants(ctx, sub) : null, actionBar(ctx, sub));
  }

  function subscriptions(ctx) {
    var t = ctx.t;
    var subs = ctx.state.portal.subscriptions || [];
    var content = subs.length ? h("div", { class: "wsp-stack" }, subs.map(function (sub) {
      return subscriptionCard(ctx, sub);
    })) : h("div", { class: "wsp-card wsp-empty" },
      h("p", { text: t("You have no subscriptions.") }));
    return section(ctx, "subscriptions", t("Subscriptions"),
      [content, showMore(ctx, "subscriptions", ctx.state.portal.canceled_next)]);
  }

  // Short marks that fit the badge; the full brand name is in the accessible text next to it.
  var BRAND_BADGES = { visa: "VISA", mastercard: "MC", amex: "AMEX", discover: "DISC",
    diners: "DC", jcb: "JCB", unionpay: "UP" };

  function brandBadge(brand) {
    var key = String(brand || "card");
    return BRAND_BADGES[key] || key.slice(0, 4).toUpperCase();
  }

  function paymentMethod(ctx) {
    var t = ctx.t;
    var portal = ctx.state.portal;
    var pm = portal.payment_method;
    // The publishable key (the account's setting) also comes with the SetupIntent.
    var canUpdate = (portal.settings || {}).update_card && portal.stripe && portal.stripe.js_url;
    var body = pm ? h("div", { class: "wsp-pm" },
      h("span", { class: "wsp-card-brand wsp-card-brand-" + String(pm.brand || "card")
        .replace(/[^a-z]/g, ""), "aria-hidden": "true", text: brandBadge(pm.brand) }),
      h("div", {},
        h("p", { class: "wsp-strong" },
          dom.isolate(pm.display || ("\u2022\u2022\u2022\u2022 " + pm.last4))),
        pm.expires_display || pm.exp_month ? h("p", { class: "wsp-muted", text:
          t("Expires %(date)s", { date: pm.expires_display || pm.exp_month + "/" + pm.exp_year }) })
          : null))
      : h("p", { class: "wsp-muted", text: t("No payment method on file.") });
    var action = canUpdate ? dom.button(pm ? t("Update card") : t("Add card"), function (event) {
      ctx.actions.open("update_card", null, event.currentTarget);
    }, "secondary", { "data-action": "update_card" }) : null;
    var manage = canUpdate && pm ? dom.button(t("Manage cards"), function (event) {
      ctx.actions.open("manage_cards", null, event.currentTarget);
    }, "secondary", { "data-action": "manage_cards" }) : null;
    return section(ctx, "payment", t("Payment method"),
      h("div", { class: "wsp-card" }, body, action || manage
        ? h("div", { class: "wsp-actions" }, action, manage) : null));
  }

  function countryName(ctx, code) {
    try {
      return new Intl.DisplayNames([ctx.locale], { type: "region" }).of(code) || code;
    } catch (e) {
      return code;
    }
  }

  function addressLines(ctx, address) {
    if (!address) return null;
    var lines = [address.line1, address.line2,
      [address.postal_code, address.city].filter(Boolean).join(" "), address.state,
      address.country ? countryName(ctx, address.country) : null].filter(Boolean);
    if (!lines.length) return null;
    return h("address", {}, lines.map(function (line, i) {
      return [i ? h("br") : null, line];
    }));
  }

  function billingDetails(ctx) {
    var t = ctx.t;
    var portal = ctx.state.portal;
    var customer = portal.customer || {};
    var taxIds = (customer.tax_ids || []).map(function (tax) {
      return h("li", { text: tax.value + " (" + String(tax.type || "").replace("_", " ")
        .toUpperCase() + ")" });
    });
    var rows = [
      metaRow(t("Name"), customer.name),
      // left to right in every language: an RTL page would show "+49 30 1234567" reversed
      metaRow(t("Email"), customer.email && h("bdi", { dir: "ltr", text: customer.email })),
      metaRow(t("Phone"), customer.phone && h("bdi", { dir: "ltr", text: customer.phone })),
      metaRow(t("Address"), addressLines(ctx, customer.address)),
      metaRow(t("Tax IDs"), taxIds.length ? h("ul", { class: "wsp-plain-list" }, taxIds) : null)
    ].filter(Boolean);
    var action = (portal.settings || {}).billing_details
      ? dom.button(t("Edit billing details"), function (event) {
        ctx.actions.open("update_customer", null, event.currentTarget);
      }, "secondary", { "data-action": "update_customer" }) : null;
    return section(ctx, "billing", t("Billing details"),
      h("div", { class: "wsp-card" },
        rows.length ? h("dl", { class: "wsp-meta wsp-meta-stacked" }, rows)
          : h("p", { class: "wsp-muted", text: t("No billing details yet.") }),
        action ? h("div", { class: "wsp-actions" }, action) : null));
  }

  function invoices(ctx) {
    var t = ctx.t;
    var state = ctx.state;
    var content;
    if (state.invoicesError) {
      content = h("div", { class: "wsp-card" }, h("div", { class: "wsp-alert wsp-alert-error" },
        h("p", { text: state.invoicesError || t("We couldn't load your invoices.") }),
        dom.button(t("Try again"), function () { ctx.reloadInvoices(); }, "secondary")));
    } else if (!state.invoices) {
      content = h("div", { class: "wsp-card wsp-skeleton", "aria-busy": "true" },
        h("p", { class: "wsp-muted", text: t("Loading invoices…") }));
    } else if (!state.invoices.length) {
      content = h("div", { class: "wsp-card wsp-empty" }, h("p", { text: t("No invoices yet.") }));
    } else {
      var headers = [t("Date"), t("Number"), t("Amount"), t("Status"), t("Download")];
      content = h("div", { class: "wsp-card wsp-table-card" }, h("table", { class: "wsp-table" },
        h("thead", {}, h("tr", {}, headers.map(function (label, i) {
          return h("th", { scope: "col", class: i === 4 ? "wsp-visually-hidden-th" : null },
            i === 4 ? h("span", { class: "wsp-visually-hidden", text: label }) : label);
        }))),
        h("tbody", {}, state.invoices.map(function (inv) {
          var number = inv.number || inv.id;
          var links = [
            dom.externalLink(inv.hosted_invoice_url, t("View"),
              t("View invoice %(number)s", { number: number })),
            dom.externalLink(inv.invoice_pdf, t("PDF"),
              t("Download invoice %(number)s as PDF", { number: number }))
          ].filter(Boolean);
          return h("tr", {},
            h("td", { "data-label": headers[0], text: inv.created_display ||
              dom.formatDate(inv.created, ctx.locale) }),
            h("td", { "data-label": headers[1] }, h("span", { class: "wsp-mono",
              text: inv.number || "\u2014" }), inv.plans_display || inv.period_display
              ? h("span", { class: "wsp-muted wsp-invoice-for" },
                [inv.plans_display, inv.period_display].filter(Boolean).map(function (part, i) {
                  return [i ? " \u00b7 " : null, dom.isolate(part)];
                })) : null,
              inv.note ? h("span", { class: "wsp-muted wsp-invoice-for", text: inv.note }) : null),
            h("td", { "data-label": headers[2], class: "wsp-num", text: inv.total_display || "" }),
            h("td", { "data-label": headers[3] }, badge(inv.status, inv.status_display)),
            h("td", { class: "wsp-links" }, links));
        }))));
    }
    return section(ctx, "invoices", t("Invoices"), [content,
      state.invoices && !state.invoicesError ? showMore(ctx, "invoices", state.invoicesNext) : null]);
  }

  /** The "Show more" button under a paged list (null when the list is complete). */
  function showMore(ctx, kind, cursor) {
    if (!cursor) return null;
    var busy = ctx.state.more === kind;
    return h("div", { class: "wsp-actions wsp-show-more" }, dom.button(
      busy ? ctx.t("Loading…") : ctx.t("Show more"),
      function () { ctx.loadMore(kind); }, "secondary",
      { "data-action": "show_more_" + kind, "aria-busy": busy ? "true" : null, disabled: busy || null }));
  }

  /** Build the whole portal view from ctx.state. */
  function portalView(ctx) {
    var portal = ctx.state.portal;
    var t = ctx.t;
    return h("div", { class: "wsp-main" },
      portal.account && portal.account.test_mode
        ? h("p", { class: "wsp-test-mode" }, h("span", { class: "wsp-badge wsp-badge-warning",
          text: t("Test mode") }), " ", t("No real payments are made.")) : null,
      subscriptions(ctx),
      parts.usage ? [parts.usage.usageView(ctx), parts.usage.creditView(ctx)] : null,
      h("div", { class: "wsp-grid" }, paymentMethod(ctx), billingDetails(ctx)),
      invoices(ctx));
  }

  function loadingView(ctx) {
    return h("div", { class: "wsp-state wsp-loading", role: "status", "aria-live": "polite" },
      h("span", { class: "wsp-spinner", "aria-hidden": "true" }),
      h("p", { text: ctx.t("Loading…") }));
  }

  function errorView(ctx, message) {
    return h("div", { class: "wsp-state wsp-error", role: "alert" },
      h("p", { class: "wsp-alert-title", text: ctx.t("We couldn't load your billing information.") }),
      message ? h("p", { class: "wsp-muted", text: message }) : null,
      dom.button(ctx.t("Try again"), function () { ctx.reload(); }, "primary"));
  }

  parts.render = { portalView: portalView, loadingView: loadingView, errorView: errorView,
    badge: badge, priceLine: priceLine, productNames: productNames, countryName: countryName };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
