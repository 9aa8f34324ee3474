/* widget-server portal: subscription action flows (dialogs, previews, confirmations). */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;
  var N_ = dom.N_;

  /** Stripe's cancellation feedback enum, with the wording Stripe's own portal uses. */
  var CANCEL_REASONS = [
    ["too_expensive", N_("It's too expensive")],
    ["missing_features", N_("Some features are missing")],
    ["switched_service", N_("I'm switching to a different service")],
    ["unused", N_("I don't use the service enough")],
    ["customer_service", N_("Customer service was less than expected")],
    ["too_complex", N_("Ease of use was less than expected")],
    ["low_quality", N_("Quality was less than expected")],
    ["other", N_("Other reason")]
  ];

  function subPath(sub, action) {
    return "/v1/portal/subscriptions/" + encodeURIComponent(sub.id) + "/" + action;
  }

  /** Idempotency key: the dialog's nonce plus the request body, so a retry of the same intent
   *  reuses the key and a changed choice gets a new one. */
  function idempotencyKey(action, dialog, body) {
    var text = JSON.stringify(body || {});
    var hash = 5381;
    for (var i = 0; i < text.length; i++) hash = ((hash * 33) ^ text.charCodeAt(i)) >>> 0;
    return "portal-" + action + "-" + dialog.nonce + "-" + hash.toString(36);
  }

  var radio = parts.plans.radio;
  var checkedValue = parts.plans.checkedValue;

  function create(ctx) {
    var t = function (msgid, vars) { return ctx.t(msgid, vars); };
    var settings = function () { return ctx.state.portal.settings || {}; };
    var price = parts.render.priceLine;

    var accountFlows = parts.accountActions ? parts.accountActions.flows(ctx) : {};
    var cardFlows = parts.cards ? parts.cards.flows(ctx) : {};

    function open(name, sub, opener) {
      var flow = FLOWS[name] || accountFlows[name] || cardFlows[name];
      if (!flow) return ctx.log("unknown action", name);
      flow(sub, opener);
    }

    function dialog(title, opener) {
      return parts.dialogs.openDialog(ctx, { title: title, opener: opener });
    }

    function cancelButton(dlg, text) {
      return { text: text || t("Cancel"), variant: "secondary", onClick: dlg.close };
    }

    /** The dialog's first sentence: a string, or nodes from dom.sentence (isolated values). */
    function lead(text) { return h("p", { class: "wsp-lead" }, text); }

    /** Preview, then confirm with what was shown: the proration date and the amounts. A 409
     *  preview_stale (Stripe would now charge something else) shows the fresh preview. */
    function previewThenConfirm(dlg, body, confirmSpec, back) {
      dlg.busy(true);
      dlg.error(null);
      ctx.api.post(confirmSpec.previewPath, body).then(function (result) {
        dlg.busy(false);
        showPreview(result.preview || {}, null);
      }, function (error) {
        dlg.busy(false);
        dlg.error(ctx.errorMessage(error));
      });

      function showPreview(preview, warning) {
        var sent = {};
        Object.keys(confirmSpec.body).forEach(function (k) { sent[k] = confirmSpec.body[k]; });
        if (preview.proration_date) sent.proration_date = preview.proration_date;
        if (preview.expected_total !== undefined && !preview.applies_at_period_end) {
          sent.expected_total = preview.expected_total;
          sent.expected_amount_due = preview.expected_amount_due;
        }
        var spec = {};
        Object.keys(confirmSpec).forEach(function (k) { spec[k] = confirmSpec[k]; });
        spec.body = sent;
        spec.onError = function (error) {
          if (!error || error.code !== "preview_stale" || !error.body || !error.body.preview) {
            return false;
          }
          dlg.busy(false);
          showPreview(error.body.preview, error.message);
          return true;
        };
        dlg.step([warning ? h("div", { class: "wsp-alert wsp-alert-warning", role: "alert" },
          h("p", { text: warning })) : lead(t("Review the change before you confirm it.")),
        confirmSpec.features || null, parts.plans.previewView(ctx, preview)], [
          { text: t("Back"), variant: "secondary", onClick: back },
          { text: preview.amount_due > 0 ? t("Pay %(amount)s and confirm",
            { amount: preview.amount_due_display }) : t("Confirm"), variant: "primary",
          submit: true, onClick: function () { ctx.perform(spec); } }]);
      }
    }

    function changePlan(sub, opener) {
      var dlg = dialog(t("Change plan"), opener);
      var items = sub.items || [];
      var itemId = items.length ? items[0].id : null;
      var picker = null;
      var pickerSlot = h("div");
      var compareSlot = h("div");
      function itemById(id) { return items.filter(function (i) { return i.id === id; })[0] || {}; }
      function features(priceId) {  // "You gain / You lose" (null unless show_entitlements)
        return parts.entitlements ? parts.entitlements.comparison(ctx, sub, itemId, priceId) : null;
      }
      function drawPicker() {
        var current = itemById(itemId);
        picker = parts.plans.planPicker(ctx, (current.price || {}).id, false, current.product,
          current.plan_options);
        dom.replaceChildren(pickerSlot, picker.node);
        picker.node.addEventListener("change", function () {
          dom.replaceChildren(compareSlot, features(picker.value()));
        });
        dom.replaceChildren(compareSlot, features(picker.value()));
      }
      var chooser = parts.plans.itemChooser(ctx, items, function (id) { itemId = id; drawPicker(); });
      function choose() {
        drawPicker();
        dlg.step([chooser, pickerSlot, compareSlot], [cancelButton(dlg), { text: t("Review change"),
          variant: "primary", submit: true, onClick: review }]);
      }
      function review() {
        var chosen = picker.value();
        if (!chosen) return dlg.error(t("Choose a plan."));
        var body = { price: chosen };
        if (items.length > 1) body.item = itemId;
        previewThenConfirm(dlg, body, { event: "change_plan", path: subPath(sub, "change_plan"),
          previewPath: subPath(sub, "change_plan/preview"), body: body, dialog: dlg,
          features: features(chosen),
          payload: { subscription: sub.id, price: chosen, item: body.item || null } }, choose);
      }
      choose();
    }

    function changeQuantity(sub, opener) {
      var dlg = dialog(t("Change quantity"), opener);
      var items = (sub.items || []).filter(function (i) { return (i.product || {}).adjustable_quantity; });
      if (!items.length) items = sub.items || [];
      var item = items[0];
      var stepperSlot = h("div");
      var input = null;
      function drawStepper() {
        var product = item.product || {};
        var min = product.quantity_min || 1;
        var max = product.quantity_max || null;
        var step = product.quantity_step || 1;
        input = h("input", { type: "number", inputmode: "numeric", class: "wsp-input wsp-stepper-input",
          min: min, max: max, step: step, value: item.quantity, required: true });
        function bump(delta) {
          var next = (parseInt(input.value, 10) || min) + delta * step;
          if (next < min) next = min;
          if (max && next > max) next = max;
          input.value = next;
        }
        var hint = max ? t("Between %(min)s and %(max)s.", { min: min, max: max })
          : t("At least %(min)s.", { min: min });
        dom.replaceChildren(stepperSlot, dom.field(product.unit_label
          ? t("Quantity (%(unit)s)", { unit: product.unit_label }) : t("Quantity"),
        h("div", { class: "wsp-stepper" },
          dom.button("\u2212", function () { bump(-1); }, "secondary",
            { "aria-label": t("Decrease quantity"), class: "wsp-btn wsp-btn-secondary wsp-stepper-btn" }),
          input,
          dom.button("+", function () { bump(1); }, "secondary",
            { "aria-label": t("Increase quantity"), class: "wsp-btn wsp-btn-secondary wsp-stepper-btn" })),
        hint));
        input.id = input.id || dom.uid("wsp-qty");
      }
      var chooser = parts.plans.itemChooser(ctx, items, function (id) {
        item = items.filter(function (i) { return i.id === id; })[0];
        drawStepper();
      });
      function choose() {
        drawStepper();
        dlg.step([chooser, stepperSlot], [cancelButton(dlg), { text: t("Review change"),
          variant: "primary", submit: true, onClick: review }]);
      }
      function review() {
        var quantity = parseInt(input.value, 10);
        if (quantity === item.quantity) return dlg.error(t("Choose a different quantity."));
        var body = { quantity: quantity };
        if ((sub.items || []).length > 1) body.item = item.id;
        previewThenConfirm(dlg, { quantity: quantity, item: item.id },
          { event: "change_quantity", path: subPath(sub, "quantity"),
            previewPath: subPath(sub, "quantity/preview"), body: body, dialog: dlg,
            payload: { subscription: sub.id, quantity: quantity, item: item.id } }, choose);
      }
      choose();
    }

    function cancel(sub, opener) {
      var dlg = dialog(t("Cancel subscription"), opener);
      var immediate = !!settings().cancel_immediately;
      var endDate = sub.current_period_end_display || dom.formatDate(sub.current_period_end, ctx.locale);
      function confirmStep() {
        var reasonName = dom.uid("wsp-reason");
        var comment = h("textarea", { class: "wsp-input", rows: "3", maxlength: "500" });
        var nodes = [h("div", { class: "wsp-alert wsp-alert-warning" }, h("p", {}, immediate
          ? t("Your subscription will be canceled immediately and you will lose access right away.")
          : dom.sentence(t("Your subscription stays active until %(date)s and will not renew."),
            { date: endDate })))];
        var change = sub.scheduled_change;
        if (change) { // canceling drops a change scheduled for the end of the period
          nodes.push(h("p", { class: "wsp-muted" }, dom.sentence(
            t("The scheduled change to %(plan)s on %(date)s will not happen."),
            { plan: (change.items || []).map(function (item) { return item.plan; }).join(", "),
              date: change.date_display || "" })));
        }
        if (settings().cancellation_reason) {
          nodes.push(h("fieldset", { class: "wsp-fieldset" },
            h("legend", { text: t("Why are you canceling? (optional)") }),
            h("div", { class: "wsp-option-list" }, CANCEL_REASONS.map(function (reason) {
              return radio(reasonName, reason[0], false, h("span", { text: t(reason[1]) }));
            }))));
          nodes.push(dom.field(t("Anything else you'd like to tell us? (optional)"), comment));
        }
        dlg.step(nodes, [cancelButton(dlg, t("Keep subscription")), { text: t("Cancel subscription"),
          variant: "danger", submit: true, onClick: function () {
            var body = { at_period_end: !immediate };
            var reason = checkedValue(dlg.body, reasonName);
            if (reason) body.reason = reason;
            if (comment.value.trim()) body.comment = comment.value.trim();
            ctx.perform({ event: "cancel", path: subPath(sub, "cancel"), body: body, dialog: dlg,
              payload: { subscription: sub.id, at_period_end: body.at_period_end,
                reason: body.reason || null, comment: body.comment || null } });
          } }]);
      }
      function offerStep(offer) {
        dlg.step([lead(t("Before you go, we'd like to offer you something.")),
          h("div", { class: "wsp-offer" }, h("p", { class: "wsp-strong", text: offer.display || "" }))], [
          { text: t("Continue to cancel"), variant: "secondary", onClick: confirmStep },
          { text: t("Accept offer"), variant: "primary", submit: true, onClick: function () {
            var body = { coupon: offer.coupon_id, retention: true };
            ctx.perform({ event: "apply_coupon", path: subPath(sub, "discount"), body: body,
              dialog: dlg, payload: { subscription: sub.id, coupon: offer.coupon_id, retention: true } });
          } }]);
      }
      if (!settings().retention_offer) return confirmStep();
      dlg.step([h("p", { class: "wsp-muted", role: "status", text: t("Loading…") })],
        [{ text: t("Continue to cancel"), variant: "secondary", onClick: confirmStep }]);
      ctx.api.get("/v1/portal/retention_offer?subscription=" + encodeURIComponent(sub.id))
        .then(function (result) {
          if (!dlg.isOpen()) return;
          if (result && result.offer) offerStep(result.offer); else confirmStep();
        }, function () { if (dlg.isOpen()) confirmStep(); });
    }

    function simpleConfirm(title, text, buttonText, spec, opener, variant) {
      var dlg = dialog(title, opener);
      spec.dialog = dlg;
      if (spec.idempotent) spec.idempotencyKey = idempotencyKey(spec.event, dlg, spec.body);
      dlg.step([lead(text)], [cancelButton(dlg), { text: buttonText, variant: variant || "primary",
        submit: true, onClick: function () { ctx.perform(spec); } }]);
      return dlg;
    }

    function resume(sub, opener) {
      simpleConfirm(t("Resume subscription"),
        dom.sentence(t("Your subscription will continue and renew on %(date)s."),
        { date: sub.current_period_end_display || dom.formatDate(sub.current_period_end, ctx.locale) }),
      t("Resume subscription"), { event: "resume", path: subPath(sub, "resume"), body: {},
        payload: { subscription: sub.id } }, opener);
    }

    function cancelChange(sub, opener) {
      var change = sub.scheduled_change || {};
      var plans = (change.items || []).map(function (item) { return item.plan; }).join(", ");
      simpleConfirm(t("Keep current plan"),
        dom.sentence(t("The change to %(plan)s on %(date)s will be canceled. Your plan stays as it is."),
          { plan: plans, date: change.date_display || "" }),
      t("Keep current plan"), { event: "cancel_change", path: subPath(sub, "cancel_change"),
        body: {}, payload: { subscription: sub.id } }, opener);
    }

    function unpause(sub, opener) {
      simpleConfirm(t("Resume payments"), t("Payments will resume with your next billing period."),
        t("Resume payments"), { event: "unpause", path: subPath(sub, "unpause"), body: {},
          payload: { subscription: sub.id } }, opener);
    }

    function payInvoice(sub, opener) {
      var invoice = sub.open_invoice || {};
      var pm = ctx.state.portal.payment_method;
      simpleConfirm(t("Pay invoice"), pm
        ? dom.sentence(t("Pay %(amount)s now with %(card)s?"),
          { amount: invoice.amount_display, card: pm.display })
        : dom.sentence(t("Pay %(amount)s now with your saved payment method?"),
          { amount: invoice.amount_display }),
      t("Pay %(amount)s", { amount: invoice.amount_display }), { event: "pay_invoice", idempotent: true,
        path: "/v1/portal/invoices/" + encodeURIComponent(invoice.id) + "/pay", body: {}, reload: true,
        payload: { subscription: sub.id, invoice: invoice.id } }, opener);
    }

    function resubscribe(sub, opener) {
      var dlg = dialog(t("Resubscribe"), opener);
      var items = sub.items || [];
      var picker = settings().change_plan_when_canceled && (ctx.state.portal.catalog || []).length
        ? parts.plans.planPicker(ctx, ((items[0] || {}).price || {}).id, true,
          (items[0] || {}).product) : null;
      var code = settings().coupon_on_resubscribe
        ? h("input", { type: "text", class: "wsp-input", autocomplete: "off", autocapitalize: "characters",
          spellcheck: "false", maxlength: "100" }) : null;
      var nonce = dlg.nonce;
      function choose() {
        dlg.step([lead(t("A new subscription starts today.")),
          picker ? picker.node : null, code ? dom.field(t("Promotion code (optional)"), code) : null],
        [cancelButton(dlg), { text: t("Review"), variant: "primary", submit: true,
          onClick: review }]);
      }
      function chosenBody() {
        var body = {};
        if (picker) {
          var chosen = picker.value();
          if (!chosen) { dlg.error(t("Choose a plan.")); return null; }
          body.price = chosen;
        }
        if (code && code.value.trim()) body.promotion_code = code.value.trim();
        return body;
      }
      function review() {
        var body = chosenBody();
        if (!body) return;
        dlg.busy(true);
        ctx.api.post(subPath(sub, "resubscribe/preview"), body).then(function (result) {
          dlg.busy(false);
          var preview = result.preview || {};
          dlg.step([h("div", { class: "wsp-preview" },
            h("ul", { class: "wsp-summary" }, (preview.summary || []).map(function (entry) {
              return h("li", { class: "wsp-summary-" + (entry.tone || "info") },
                dom.bidiText(entry.text));
            })),
            h("dl", { class: "wsp-totals" }, h("div", {}, h("dt", { text: t("Due now") }),
              h("dd", { class: "wsp-strong", "data-testid": "due-now",
                text: preview.amount_due_display || "" }))))],
          [{ text: t("Back"), variant: "secondary", onClick: choose },
            { text: t("Pay %(amount)s and resubscribe", { amount: preview.amount_due_display }),
              variant: "primary", submit: true, onClick: function () {
                ctx.perform({ event: "resubscribe", path: subPath(sub, "resubscribe"), body: body,
                  dialog: dlg, idempotencyKey: "portal-resubscribe-" + nonce, reload: true,
                  payload: { subscription: sub.id, price: body.price || null,
                    promotion_code: body.promotion_code || null } });
              } }]);
        }, function (error) {
          dlg.busy(false);
          dlg.error(ctx.errorMessage(error));
          if (error && (error.status === 409 || error.status === 403)) ctx.reload();
        });
      }
      choose();
    }

    function applyCoupon(sub, opener) {
      var dlg = dialog(t("Apply coupon"), opener);
      var code = h("input", { type: "text", class: "wsp-input", required: true, autocomplete: "off",
        autocapitalize: "characters", spellcheck: "false", maxlength: "100" });
      dlg.step([dom.field(t("Promotion code"), code)], [cancelButton(dlg), { text: t("Apply"),
        variant: "primary", submit: true, onClick: function () {
          var body = { code: code.value.trim() };
          ctx.perform({ event: "apply_coupon", path: subPath(sub, "discount"), body: body, dialog: dlg,
            payload: { subscription: sub.id, code: body.code } });
        } }]);
    }

    function pause(sub, opener) {
      var dlg = dialog(t("Pause payments"), opener);
      var name = dom.uid("wsp-pause");
      var tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
      var date = h("input", { type: "date", class: "wsp-input", min: tomorrow, disabled: true,
        "aria-label": t("Resume payments on") });
      var options = h("div", { class: "wsp-option-list", on: { change: function () {
        date.disabled = checkedValue(options, name) !== "date";
        date.required = !date.disabled;
      } } },
      radio(name, "indefinite", true, h("span", { text: t("Until I resume them") })),
      radio(name, "date", false, [h("span", { text: t("Until a date") }), date]));
      dlg.step([lead(t("While payments are paused, you won't be charged.")),
        h("fieldset", { class: "wsp-fieldset" }, h("legend", { text: t("Pause payments") }), options)],
      [cancelButton(dlg), { text: t("Pause payments"), variant: "primary", submit: true,
        onClick: function () {
          var body = {};
          if (checkedValue(options, name) === "date") {
            body.resumes_at = Math.floor(Date.parse(date.value + "T00:00:00Z") / 1000);
          }
          ctx.perform({ event: "pause", path: subPath(sub, "pause"), body: body, dialog: dlg,
            payload: { subscription: sub.id, resumes_at: body.resumes_at || null } });
        } }]);
    }

    var FLOWS = {
      change_plan: changePlan, change_quantity: changeQuantity, cancel: cancel, resume: resume,
      resubscribe: resubscribe, apply_coupon: applyCoupon, pause: pause, unpause: unpause,
      pay_invoice: payInvoice, cancel_change: cancelChange
    };
    return { open: open };
  }

  parts.actions = { create: create, CANCEL_REASONS: CANCEL_REASONS };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
