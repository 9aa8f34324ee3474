/* widget-server portal: the plan picker, item chooser and proration preview used by actions. */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;
  var N_ = dom.N_;
  var INTERVAL_LABELS = { day: N_("Daily"), week: N_("Weekly"), month: N_("Monthly"),
    year: N_("Yearly") };

  function radio(name, value, checked, labelNodes, extra) {
    var input = h("input", { type: "radio", name: name, value: value, checked: !!checked,
      disabled: extra && extra.disabled });
    return h("label", { class: "wsp-option" + (extra && extra.disabled ? " wsp-option-disabled" : "") },
      input, h("span", { class: "wsp-option-body" }, labelNodes));
  }

  function checkedValue(container, name) {
    var input = container.querySelector('input[name="' + name + '"]:checked');
    return input ? input.value : null;
  }

  function intervalKey(p) { return (p.interval || "once") + ":" + (p.interval_count || 1); }

  function intervalLabel(ctx, p) {
    return (p.interval_count || 1) === 1 && INTERVAL_LABELS[p.interval]
      ? ctx.t(INTERVAL_LABELS[p.interval]) : (p.interval_display || p.interval || "");
  }

  /** The prices that may replace `current` (a price JSON): base plans for a base plan, the
   *  add-on's own prices for an add-on (the server checks the same rule). */
  function replacements(ctx, current) {
    var catalog = ctx.state.portal.catalog || [];
    var product = (current && current.product) || {};
    var allowed = current && current.plan_options;
    if (allowed) {  // the server's own list for this item (it knows the other subscriptions)
      return catalog.filter(function (p) { return allowed.indexOf(p.id) >= 0; });
    }
    return catalog.filter(function (p) {
      var role = (p.product || {}).role || "base";
      if (product.role === "addon") return (p.product || {}).id === product.id;
      return role !== "addon";
    });
  }

  /** Catalog prices grouped by product, with an interval toggle when there are several. */
  function planPicker(ctx, currentPriceId, allowCurrent, currentProduct, planOptions) {
    var catalog = replacements(ctx, { product: currentProduct || {}, plan_options: planOptions });
    var name = dom.uid("wsp-plan");
    var intervals = [];
    var intervalOf = {};
    catalog.forEach(function (p) {
      var key = intervalKey(p);
      if (!intervalOf[key]) { intervalOf[key] = p; intervals.push(key); }
    });
    var current = catalog.filter(function (p) { return p.id === currentPriceId; })[0];
    var selected = current ? intervalKey(current) : intervals[0];
    var list = h("div", { class: "wsp-plan-list" });
    var node = h("div", { class: "wsp-plan-picker" });

    function drawList() {
      var groups = [];
      var byProduct = {};
      catalog.filter(function (p) { return intervalKey(p) === selected; }).forEach(function (p) {
        var product = p.product || {};
        if (!byProduct[product.id]) {
          byProduct[product.id] = { product: product, prices: [] };
          groups.push(byProduct[product.id]);
        }
        byProduct[product.id].prices.push(p);
      });
      dom.replaceChildren(list, groups.map(function (group) {
        return h("fieldset", { class: "wsp-plan-group" },
          h("legend", { text: group.product.name || "" }),
          group.product.description ? h("p", { class: "wsp-muted", text: group.product.description })
            : null,
          group.prices.map(function (p) {
            var isCurrent = p.id === currentPriceId;
            return radio(name, p.id, isCurrent && allowCurrent, [
              h("span", { class: "wsp-option-title", text: p.nickname || group.product.name || "" }),
              h("span", { class: "wsp-option-price", text: parts.render.priceLine({ price: p }) }),
              isCurrent ? h("span", { class: "wsp-tag", text: ctx.t("Current plan") }) : null
            ], { disabled: isCurrent && !allowCurrent });
          }));
      }));
      if (!groups.length) list.appendChild(h("p", { class: "wsp-muted", text: ctx.t("No other plans are available.") }));
    }

    if (intervals.length > 1) {
      node.appendChild(h("fieldset", { class: "wsp-segmented" },
        h("legend", { class: "wsp-visually-hidden", text: ctx.t("Billing interval") }),
        intervals.map(function (key) {
          var input = h("input", { type: "radio", name: name + "-interval", value: key,
            checked: key === selected, on: { change: function () { selected = key; drawList(); } } });
          return h("label", {}, input, h("span", { text: intervalLabel(ctx, intervalOf[key]) }));
        })));
    }
    node.appendChild(list);
    drawList();
    return { node: node, value: function () { return checkedValue(list, name); } };
  }

  function sideView(ctx, side) {
    side = side || {};
    var quantity = side.quantity > 1 ? dom.sentence(ctx.t("%(quantity)s \u00d7 %(price)s"),
      { quantity: side.quantity, price: side.plan || "" }) : dom.isolate(side.plan || "");
    return h("div", { class: "wsp-change-side" },
      h("p", { class: "wsp-strong" }, quantity),
      h("p", { class: "wsp-muted", text: [side.amount_display, side.interval_display]
        .filter(Boolean).join(" ") }));
  }

  /** A preview from the server's structured data: from -> to, what happens to the money
   *  (each sentence with its tone: a charge or a warning never looks like a success), this
   *  change's lines, and the totals. */
  function previewView(ctx, preview) {
    preview = preview || {};
    var lines = (preview.lines || []).map(function (line) {
      return h("tr", {}, h("td", {}, dom.bidiText(line.description)),
        h("td", { class: "wsp-num", text: line.amount_display || "" }));
    });
    var summary = (preview.summary || []).map(function (entry) {
      return h("li", { class: "wsp-summary-" + (entry.tone || "info") }, dom.bidiText(entry.text));
    });
    var change = preview.from && preview.to ? h("div", { class: "wsp-change" },
      sideView(ctx, preview.from), h("span", { class: "wsp-change-arrow", "aria-hidden": "true",
        text: "\u2192" }),
      h("span", { class: "wsp-visually-hidden", text: ctx.t("changes to") }),
      sideView(ctx, preview.to)) : null;
    var next = preview.next_invoice && preview.next_invoice.amount_display;
    return h("div", { class: "wsp-preview", "data-preview-kind": preview.kind || "" },
      change,
      summary.length ? h("ul", { class: "wsp-summary" }, summary) : null,
      lines.length ? h("table", { class: "wsp-preview-lines" },
        h("caption", { class: "wsp-visually-hidden", text: ctx.t("Details") }), h("tbody", {}, lines)) : null,
      h("dl", { class: "wsp-totals" },
        h("div", {}, h("dt", { text: ctx.t("Due now") }),
          h("dd", { class: "wsp-strong", "data-testid": "due-now",
            text: preview.amount_due_display || "" })),
        preview.credited ? h("div", {}, h("dt", { text: ctx.t("Credited to your balance") }),
          h("dd", { text: preview.credited_display || "" })) : null,
        next ? h("div", {}, h("dt", { text: ctx.t("Next invoice") }),
          h("dd", {}, dom.sentence(ctx.t("%(amount)s on %(date)s"), { amount: next,
            date: preview.next_invoice.date_display || "" }))) : null));
  }

  function itemChooser(ctx, items, onChange) {
    if (items.length < 2) return null;
    var name = dom.uid("wsp-item");
    return h("fieldset", { class: "wsp-fieldset", on: { change: function (event) {
      onChange(event.target.value);
    } } },
    h("legend", { text: ctx.t("Which item do you want to change?") }),
    items.map(function (item, i) {
      return radio(name, item.id, i === 0, [
        h("span", { class: "wsp-option-title", text: (item.product || {}).name || "" }),
        h("span", { class: "wsp-option-price", text: parts.render.priceLine(item) })]);
    }));
  }

  parts.plans = { planPicker: planPicker, previewView: previewView, itemChooser: itemChooser,
    radio: radio, checkedValue: checkedValue };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
