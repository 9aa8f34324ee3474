/* widget-server portal: usage and credit, each loaded on its own request after the view, only
 * when the account shows it (settings show_usage, show_credit; the server refuses otherwise).
 * Usage: per metered item, the usage this period so far, what it adds to the next invoice, the
 * next invoice's estimate and a daily bar chart (an SVG with a table for screen readers,
 * mirrored in right-to-left layouts). Credit: the balance, where it goes, and credit grants.
 * Every value shown is data from the server, set as text (never markup). */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;
  var SVG = "http://www.w3.org/2000/svg";
  var CHART_W = 300;
  var CHART_H = 80;

  function svg(tag, attrs, children) {
    var node = document.createElementNS(SVG, tag);
    Object.keys(attrs || {}).forEach(function (key) { node.setAttribute(key, String(attrs[key])); });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  /** Load what the settings show; `current()` is false once a newer load started. Resolves
   *  once both answers (or failures) are shown. */
  function load(ctx, render, current) {
    var settings = (ctx.state.portal && ctx.state.portal.settings) || {};
    return Promise.all([["usage", "/v1/portal/usage", settings.show_usage],
      ["credit", "/v1/portal/credit", settings.show_credit]].map(function (part) {
      var key = part[0];
      if (!part[2]) { ctx.state[key] = null; return null; }
      // a reload after an action keeps the shown numbers until the new ones arrive
      if (!(ctx.state[key] && ctx.state[key].data)) ctx.state[key] = { loading: true };
      return ctx.api.get(part[1]).then(function (data) {
        if (!current()) return;
        ctx.state[key] = { data: data };
        render();
      }, function (error) {
        if (!current()) return;
        ctx.state[key] = { error: (error && error.message) || "" };
        render();
      });
    }));
  }

  function meta(label, value) {
    return h("div", { class: "wsp-meta-row" }, h("dt", { text: label }),
      h("dd", {}, dom.isolate(value)));
  }

  function chart(ctx, item) {
    var t = ctx.t;
    var days = item.history || [];
    var peak = item.history_max > 0 ? item.history_max : 1;
    var slot = CHART_W / Math.max(days.length, 1);
    var bars = days.map(function (day, i) {
      var height = Math.max(day.value > 0 ? 2 : 0, (day.value / peak) * (CHART_H - 2));
      var label = day.date_display + ": " + day.value_display;
      return svg("rect", { x: (i * slot + slot * 0.15).toFixed(2), y: (CHART_H - height).toFixed(2),
        width: (slot * 0.7).toFixed(2), height: height.toFixed(2), rx: 1,
        class: i === days.length - 1 ? "wsp-usage-bar wsp-usage-today" : "wsp-usage-bar" },
      [svg("title", {}, [document.createTextNode(label)])]);
    });
    var summary = t("Daily usage over the last %(days)s days", { days: String(days.length) });
    var first = days.length ? days[0].date_display : "";
    var last = days.length ? days[days.length - 1].date_display : "";
    return h("figure", { class: "wsp-usage-chart" },
      svg("svg", { viewBox: "0 0 " + CHART_W + " " + CHART_H, preserveAspectRatio: "none",
        role: "img", "aria-label": summary, focusable: "false" }, bars),
      h("figcaption", { class: "wsp-usage-axis wsp-muted" },
        h("span", {}, dom.isolate(first)), h("span", { text: summary }),
        h("span", {}, dom.isolate(last))),
      h("table", { class: "wsp-visually-hidden" },
        h("caption", { text: summary }),
        h("thead", {}, h("tr", {}, h("th", { scope: "col", text: t("Date") }),
          h("th", { scope: "col", text: t("Usage") }))),
        h("tbody", {}, days.map(function (day) {
          return h("tr", {}, h("td", { text: day.date_display }),
            h("td", { text: day.value_display }));
        }))));
  }

  /** The label of an estimate row (its `kind`, from the server). */
  function rowLabel(t, kind) {
    switch (kind) {
      case "subtotal": return t("Subtotal");
      case "discount": return t("Discount");
      case "tax": return t("Tax");
      case "credits": return t("Credit grants applied");
      case "balance_applied": return t("Credit balance applied");
      case "balance_added": return t("Balance owed");
      default: return kind;
    }
  }

  function estimate(ctx, est) {
    var t = ctx.t;
    // the server sends the rows with their signs in the locale's own form (Babel's), so the
    // minus here is the one of every other amount; they add up to the amount due
    var rows = (est.rows || []).map(function (row) {
      return meta(rowLabel(t, row.kind), row.amount_display);
    });
    rows.push(meta(est.date_display ? t("Amount due on %(date)s", { date: est.date_display })
      : t("Amount due"), est.amount_due_display));
    var titleId = dom.uid("wsp-estimate");
    return h("div", { class: "wsp-card wsp-usage-estimate", "data-subscription": est.subscription_id,
      role: "group", "aria-labelledby": titleId },
      h("h3", { class: "wsp-usage-meter", id: titleId, text: t("Your next invoice (estimate)") }),
      h("dl", { class: "wsp-meta" }, rows),
      h("p", { class: "wsp-muted", text: t("Usage can still change until the end of the period.") }));
  }

  function state(ctx, part, loadingText, errorText) {
    if (part.loading) {
      return h("div", { class: "wsp-card wsp-skeleton", "aria-busy": "true" },
        h("p", { class: "wsp-muted", text: loadingText }));
    }
    return h("div", { class: "wsp-card" }, h("div", { class: "wsp-alert wsp-alert-error", role: "alert" },
      h("p", { text: part.error || errorText })));
  }

  function usageView(ctx) {
    var t = ctx.t;
    var part = ctx.state.usage;
    if (!part) return null;
    var content;
    if (!part.data) {
      content = state(ctx, part, t("Loading usage…"), t("We couldn't load your usage."));
    } else if (!part.data.items.length) {
      return null; // nothing metered: no section (the credit section stands on its own)
    } else {
      content = [part.data.items.map(function (item) {
        return h("div", { class: "wsp-card wsp-usage-item", "data-item": item.item_id },
          h("h3", { class: "wsp-usage-meter" }, dom.isolate(item.meter_name)),
          h("dl", { class: "wsp-meta" },
            meta(t("Usage this period so far"), item.usage_display),
            meta(t("Billing period"), item.period_display),
            meta(t("Adds to your next invoice"), item.amount_display)),
          chart(ctx, item));
      }), part.data.estimates.map(function (est) { return estimate(ctx, est); })];
    }
    return h("section", { class: "wsp-section wsp-section-usage", "aria-labelledby": "wsp-usage-title" },
      h("div", { class: "wsp-section-head" },
        h("h2", { id: "wsp-usage-title", class: "wsp-section-title", text: t("Usage") })), content);
  }

  function grant(ctx, g) {
    var t = ctx.t;
    return h("li", { class: "wsp-credit-grant", "data-grant": g.id },
      h("strong", {}, dom.isolate(g.name || t("Credit grant"))),
      h("span", { text: t("%(remaining)s of %(amount)s left",
        { remaining: g.remaining_display, amount: g.amount_display }) }),
      g.expires_display ? h("span", { class: "wsp-muted",
        text: t("Expires %(date)s", { date: g.expires_display }) }) : null,
      h("span", { class: "wsp-muted", text: g.applies_display }));
  }

  function creditView(ctx) {
    var t = ctx.t;
    var part = ctx.state.credit;
    if (!part) return null;
    var content;
    if (!part.data) {
      content = state(ctx, part, t("Loading credit…"), t("We couldn't load your credit."));
    } else {
      content = part.data.customers.map(function (c) {
        var owed = c.credit < 0;
        var blocks = [];
        if (c.credit !== 0) {
          blocks.push(h("p", { class: "wsp-credit-balance" },
            h("span", { class: "wsp-muted", text: owed ? t("Balance owed") : t("Credit balance") }),
            h("strong", {}, dom.isolate(c.credit_display)),
            h("span", { text: c.applies_display || "" })));
        }
        if (c.grants.length) {
          blocks.push(h("h3", { class: "wsp-usage-meter", text: t("Credit grants") }),
            h("ul", { class: "wsp-plain-list" }, c.grants.map(function (g) { return grant(ctx, g); })));
        }
        if (c.transactions.length) {
          blocks.push(h("h3", { class: "wsp-usage-meter", text: t("Recent balance changes") }),
            h("ul", { class: "wsp-plain-list" }, c.transactions.map(function (x) {
              return h("li", { class: "wsp-credit-txn" },
                h("span", { class: "wsp-muted" }, dom.isolate(x.created_display)),
                h("span", {}, dom.isolate(x.description || x.type_display)),
                h("span", { class: "wsp-num" }, dom.isolate(x.credit_display)));
            })));
        }
        if (!blocks.length) blocks.push(h("p", { text: t("You have no credit.") }));
        return h("div", { class: "wsp-card wsp-credit", "data-customer": c.customer_id }, blocks);
      });
    }
    return h("section", { class: "wsp-section wsp-section-credit", "aria-labelledby": "wsp-credit-title" },
      h("div", { class: "wsp-section-head" },
        h("h2", { id: "wsp-credit-title", class: "wsp-section-title", text: t("Credit") })), content);
  }

  parts.usage = { load: load, usageView: usageView, creditView: creditView };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
