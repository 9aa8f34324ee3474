/* widget-server portal: saved cards (list, add, make default, remove), as Stripe's portal has. */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;

  function flows(ctx) {
    var t = function (msgid, vars) { return ctx.t(msgid, vars); };

    function manageCards(sub, opener) {
      var dlg = parts.dialogs.openDialog(ctx, { title: t("Payment methods"), opener: opener });
      var list = h("ul", { class: "wsp-card-list", "aria-live": "polite" });

      function row(card) {
        var actions = [];
        if (!card.default) {
          actions.push(dom.button(t("Make default"), function () { act(card, "default"); },
            "secondary", { "data-action": "make_default" }));
        }
        actions.push(dom.button(t("Remove"), function () { act(card, "remove"); }, "danger-ghost",
          { "data-action": "remove_card", disabled: !card.removable,
            title: card.removable ? null
              : t("A subscription needs this card. Add another card and make it the default first.") }));
        return h("li", { class: "wsp-card-row", "data-card": card.id },
          h("div", {}, h("p", { class: "wsp-strong" }, dom.isolate(card.display || "")),
            h("p", { class: "wsp-muted", text: [card.expires_display
              ? t("Expires %(date)s", { date: card.expires_display }) : null,
            card.default ? t("Default") : null].filter(Boolean).join(" \u00b7 ") })),
          h("div", { class: "wsp-actions" }, actions));
      }

      function draw() {
        dlg.busy(true);
        return ctx.api.get("/v1/portal/payment_methods").then(function (result) {
          dlg.busy(false);
          var cards = result.payment_methods || [];
          dom.replaceChildren(list, cards.length ? cards.map(row)
            : h("li", { class: "wsp-muted", text: t("No payment method on file.") }));
        }, function (error) {
          dlg.busy(false);
          dlg.error(ctx.errorMessage(error));
        });
      }

      function act(card, what) {
        var spec = what === "default"
          ? { event: "make_default_card", path: "/v1/portal/payment_method",
            body: { payment_method: card.id } }
          : { event: "remove_card", method: "DELETE",
            path: "/v1/portal/payment_methods/" + encodeURIComponent(card.id) };
        spec.dialog = dlg;
        spec.keepOpen = true;
        spec.payload = { payment_method: card.id };
        ctx.perform(spec).then(function () { if (dlg.isOpen()) draw(); });
      }

      dlg.step([list], [
        { text: t("Close"), variant: "secondary", onClick: dlg.close },
        { text: t("Add card"), variant: "primary", onClick: function () {
          dlg.close();
          ctx.actions.open("update_card", null, opener);
        } }]);
      draw();
    }

    return { manage_cards: manageCards };
  }

  parts.cards = { flows: flows };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
