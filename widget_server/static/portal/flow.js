/* widget-server portal: a session that opens straight into one flow (flow_data, a deep link).
 *
 *   var flow = parts.flow.create(ctx, {type, subscription, invoice, after_completion,
 *                                      return_url});
 *   flow.start()          once the portal view is drawn: opens the flow's dialog
 *   flow.observe(event)   every emitted event: the flow's own success emits "flow_completed"
 *
 * The host (hosted.js, or the loader for the iframe and inline modes) redirects on
 * "flow_completed" to the return_url the server checked; it never takes it from the event.
 */
(function (parts) {
  "use strict";
  // flow type -> the portal action it opens, whose success event completes it
  var ACTIONS = { subscription_cancel: "cancel", subscription_update: "change_plan",
    payment_method_update: "update_card", invoice_pay: "pay_invoice" };

  function create(ctx, flow) {
    var action = flow && ACTIONS[flow.type];
    var started = false;
    var done = false;

    function target() {
      var subs = (ctx.state.portal && ctx.state.portal.subscriptions) || [];
      return subs.filter(function (sub) {
        return flow.invoice ? (sub.open_invoice || {}).id === flow.invoice
          : sub.id === flow.subscription;
      })[0] || null;
    }

    function start() {
      if (!action || started || !ctx.state.portal) return;
      started = true;
      var sub = flow.subscription || flow.invoice ? target() : null;
      if ((flow.subscription || flow.invoice) && !(sub && sub.actions && sub.actions[action])) {
        // changed since the link was made (canceled, paid): the home page shows what is true,
        // and says why the link did not open what it named
        ctx.log("the flow's subscription or invoice has no such action now", flow);
        ctx.notify(flow.invoice
          ? ctx.t("This invoice can't be paid here any more. Your account is shown as it is now.")
          : ctx.t("This subscription can't be changed here any more. Your account is shown as it is now."),
          "warning");
        return;
      }
      ctx.actions.open(action, sub, null);
    }

    function observe(event) {
      if (!action || !started || done || event !== action) return;
      done = true;
      ctx.emit("flow_completed", { type: flow.type, after_completion: flow.after_completion });
    }

    return { start: start, observe: observe };
  }

  parts.flow = { create: create };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
