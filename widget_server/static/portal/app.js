/* widget-server portal: the public entry point.
 *
 *   var portal = WidgetServerPortal.mount(container, {apiBase, token, locale, debug, emit,
 *                                                     flow});  // flow: flow.js
 *   portal.reload(); portal.unmount();
 *
 * The root carries data-wsp-ready once the view is complete and still (ready.js); a rebuild
 * waits while a press is held on the portal, so the press's click is not lost (press.js).
 *
 * emit(event, response) returns a Promise<boolean> (or a boolean); for `pre_*` events false
 * vetoes the action. Load order: widget_server/assets/build.py's PORTAL_SCRIPTS (the server
 * serves them concatenated as one file).
 */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;
  var ACCENT = /^#[0-9a-f]{6}$/i;

  function contrastColor(hex) {
    var n = parseInt(hex.slice(1), 16);
    var channel = function (v) {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
    };
    var luminance = 0.2126 * channel((n >> 16) & 255) + 0.7152 * channel((n >> 8) & 255) +
      0.0722 * channel(n & 255);
    return luminance > 0.45 ? "#111827" : "#ffffff";
  }

  function mount(container, options) {
    if (!container || !container.appendChild) throw new Error("WidgetServerPortal: no container");
    options = options || {};
    var hostEmit = typeof options.emit === "function" ? options.emit : null;
    var explicitLocale = options.locale && options.locale !== "auto" ? String(options.locale) : null;
    var destroyed = false;
    var loadGeneration = 0;
    var ctx = {
      locale: explicitLocale || (navigator.language || "en"),
      t: dom.translator(options.strings),
      debug: !!options.debug,
      state: { portal: null, invoices: null, invoicesError: null, invoicesNext: null,
        more: null },
      api: parts.api.createApi({ apiBase: options.apiBase || "", token: options.token,
        locale: explicitLocale }),
      openDialog: null
    };
    var view = h("div", { class: "wsp-view" });
    var root = h("div", { class: "wsp", lang: explicitLocale || null });
    ctx.root = root;
    var notices = parts.dialogs.createNotices(ctx);
    root.appendChild(notices.node);
    root.appendChild(view);
    dom.clear(container).appendChild(root);

    var ready = parts.ready.create(root);
    var track = ready.track;
    var renderDeferred = false;
    var guard = parts.press.create(root, function () { if (renderDeferred) render(); });

    /** The loading view (complete: false) or the error view, which render() does not rebuild. */
    function showState(node, complete) {
      dom.replaceChildren(view, node);
      ready.shown(complete);
    }

    function log() {
      if (ctx.debug && window.console) {
        console.debug.apply(console, ["[widget-server portal]"].concat([].slice.call(arguments)));
      }
    }

    /** Tell the host; resolves to false only when the host vetoes a pre_* event. */
    function emit(event, response) {
      log("event", event, response);
      if (flow) flow.observe(event);
      if (!hostEmit || destroyed) return Promise.resolve(true);
      try {
        return Promise.resolve(hostEmit(event, response)).then(function (result) {
          return result !== false;
        }, function (error) {
          log("emit handler failed", error);
          return true;
        });
      } catch (error) {
        log("emit handler failed", error);
        return Promise.resolve(true);
      }
    }

    function errorMessage(error) {
      if (error && error.message) return error.message;
      if (error && error.status === 0) {
        return ctx.t("We couldn't reach the server. Check your connection and try again.");
      }
      return ctx.t("Something went wrong. Please try again.");
    }

    function reportError(event, error) {
      log("error", event, error);
      emit("error", { event: event, status: error && error.status, code: error && error.code,
        message: errorMessage(error) });
    }

    var stringsByUrl = {};

    /** The UI strings the view names (strings_url: versioned, so cached by the browser and
     * here); when they cannot be had, the page's boot strings and the English msgids. */
    function loadStrings(portal) {
      var url = portal.strings_url;
      if (portal.strings || !url) return Promise.resolve(portal);
      if (stringsByUrl[url]) { portal.strings = stringsByUrl[url]; return Promise.resolve(portal); }
      return ctx.api.cached(url).then(function (data) {
        stringsByUrl[url] = portal.strings = data.strings || {};
        return portal;
      }, function (error) {
        log("strings not loaded", error);
        portal.strings = options.strings || {};
        return portal;
      });
    }

    /** "Show more": the next page of a list (invoices, canceled subscriptions). */
    function loadMore(kind) {
      var state = ctx.state;
      var cursor = kind === "invoices" ? state.invoicesNext : state.portal.canceled_next;
      if (!cursor || state.more) return null;
      var path = kind === "invoices" ? "/v1/portal/invoices" : "/v1/portal/subscriptions/canceled";
      state.more = kind;
      render();
      var page = ctx.api.get(path + "?starting_after=" + encodeURIComponent(cursor));
      return track(page.then(function (data) {
        state.more = null;
        if (kind === "invoices") {
          state.invoices = (state.invoices || []).concat(data.invoices || []);
          state.invoicesNext = data.next || null;
        } else {
          var portal = state.portal;
          var known = {};
          (portal.subscriptions || []).forEach(function (sub) { known[sub.id] = true; });
          portal.subscriptions = (portal.subscriptions || []).concat(
            (data.subscriptions || []).filter(function (sub) { return !known[sub.id]; }));
          portal.canceled_next = data.next || null;
        }
        render();
      }, function (error) {
        state.more = null;
        render();
        notices.show(errorMessage(error), "error");
        reportError("load_more", error);
      }));
    }
    ctx.loadMore = loadMore;

    function applyPortal(portal) {
      ctx.state.portal = portal;
      ctx.t = dom.translator(portal.strings);
      ctx.locale = portal.locale || ctx.locale;
      root.setAttribute("lang", ctx.locale);
      root.setAttribute("dir", portal.direction === "rtl" ? "rtl" : "ltr");
      var settings = portal.settings || {};
      if (ACCENT.test(settings.accent_color || "")) {
        root.style.setProperty("--wsp-accent", settings.accent_color);
        root.style.setProperty("--wsp-accent-contrast", contrastColor(settings.accent_color));
      }
      if (settings.font_family) root.style.setProperty("--wsp-font", String(settings.font_family));
      else root.style.removeProperty("--wsp-font");
    }

    /** Re-render, then put focus back on the equivalent control (the old node is replaced). */
    function render() {
      if (destroyed || !ctx.state.portal) return;
      renderDeferred = guard.pressed();  // a rebuild now would take the pressed node away
      ready.deferred(renderDeferred);
      if (renderDeferred) return;
      var active = root.getRootNode().activeElement;
      var focusKey = null;
      if (active && root.contains(active) && active.dataset && active.dataset.action) {
        var card = active.closest("[data-subscription]");
        focusKey = (card ? '[data-subscription="' + card.dataset.subscription + '"] ' : "") +
          '[data-action="' + active.dataset.action + '"]';
      }
      dom.replaceChildren(view, parts.render.portalView(ctx));
      if (focusKey) {
        var again = null;
        try { again = view.querySelector(focusKey); } catch (e) { again = null; }
        if (again) again.focus();
      }
      ready.shown(true);
    }

    function loadInvoices(generation) {
      return track(ctx.api.get("/v1/portal/invoices").then(function (data) {
        if (generation !== loadGeneration) return;
        ctx.state.invoices = data.invoices || [];
        ctx.state.invoicesNext = data.next || null;
        ctx.state.invoicesError = null;
        render();
      }, function (error) {
        if (generation !== loadGeneration) return;
        ctx.state.invoicesError = errorMessage(error);
        render();
        reportError("load_invoices", error);
      }));
    }

    /** Load (or reload) everything. quiet: keep the current view until the new data arrives. */
    function load(quiet) {
      var generation = ++loadGeneration;
      return track(emit("pre_load", { locale: explicitLocale }).then(function (allowed) {
        if (!allowed || destroyed || generation !== loadGeneration) return null;
        if (!quiet || !ctx.state.portal) showState(parts.render.loadingView(ctx), false);
        var invoicesRequest = null;
        return ctx.api.get("/v1/portal").then(loadStrings).then(function (portal) {
          if (destroyed || generation !== loadGeneration) return null;
          applyPortal(portal);
          if (!quiet) ctx.state.invoices = null;
          if (parts.entitlements) track(parts.entitlements.load(ctx, render));
          render();
          if (flow) flow.start();
          invoicesRequest = loadInvoices(generation);
          track(parts.usage.load(ctx, render, function () {
            return generation === loadGeneration && !destroyed;
          }));
          return invoicesRequest.then(function () {
            if (generation === loadGeneration && !destroyed) emit("post_load", portal);
            return portal;
          });
        }, function (error) {
          if (destroyed || generation !== loadGeneration) return null;
          showState(parts.render.errorView(ctx, errorMessage(error)), true);
          reportError("load", error);
          return null;
        });
      }));
    }

    function applyResult(result, spec) {
      var portal = ctx.state.portal;
      if (spec.reload || !portal) return load(true);
      if (result.subscription && result.subscription.id) {
        var subs = portal.subscriptions || (portal.subscriptions = []);
        var index = -1;
        subs.forEach(function (sub, i) { if (sub.id === result.subscription.id) index = i; });
        if (index === -1) subs.unshift(result.subscription);
        else subs[index] = result.subscription;
      }
      if (result.customer) portal.customer = result.customer;
      var customer = portal.customer || (portal.customer = {});
      if (result.tax_id) customer.tax_ids = (customer.tax_ids || []).concat([result.tax_id]);
      if (result.deleted && result.id) {
        customer.tax_ids = (customer.tax_ids || []).filter(function (tax) {
          return tax.id !== result.id;
        });
      }
      if (result.payment_method !== undefined) portal.payment_method = result.payment_method;
      if (!result.subscription && !result.customer && !result.tax_id && !result.deleted &&
        result.payment_method === undefined) {
        return load(true);
      }
      render();
      if (parts.entitlements) track(parts.entitlements.load(ctx, render, true));
      var generation = loadGeneration;  // an action moves money: usage and credit read again
      track(parts.usage.load(ctx, render, function () {
        return generation === loadGeneration && !destroyed;
      }));
      return loadInvoices(loadGeneration);
    }

    /**
     * Run one action: emit pre_<event> (veto-able), send the request with the submit disabled,
     * show the server's message, re-render, emit <event>. Errors stay in the dialog.
     * spec: {event, method, path, body, payload, dialog, idempotencyKey, reload, keepOpen, pre}
     */
    function perform(spec) {
      var dialog = spec.dialog;
      var payload = spec.payload || spec.body || {};
      if (dialog) { dialog.error(null); dialog.busy(true); }
      var gate = spec.pre === false ? Promise.resolve(true) : emit("pre_" + spec.event, payload);
      return gate.then(function (allowed) {
        if (!allowed) {
          log("vetoed by the host", spec.event);
          if (dialog) { dialog.busy(false); dialog.close(); }
          return null;
        }
        var method = spec.method || "POST";
        var options = spec.idempotencyKey ? { idempotencyKey: spec.idempotencyKey } : undefined;
        var request = method === "PATCH" ? ctx.api.patch(spec.path, spec.body, options)
          : method === "DELETE" ? ctx.api.del(spec.path, options)
            : ctx.api.post(spec.path, spec.body, options);
        return request.then(function (result) {
          if (destroyed) return result;
          if (result.requires_action && result.requires_action.client_secret) {
            return confirmPayment(result, spec);
          }
          if (dialog) {
            dialog.busy(false);
            if (!spec.keepOpen) dialog.close();
          }
          notices.show(result.message || ctx.t("Your changes have been saved."),
            result.notice === "warning" ? "warning" : "success");
          applyResult(result, spec);
          emit(spec.event, result);
          return result;
        }, function (error) {
          if (spec.onError && spec.onError(error)) return null;
          if (dialog) { dialog.busy(false); dialog.error(errorMessage(error)); }
          else notices.show(errorMessage(error), "error");
          reportError(spec.event, error);
          // refused because the page was out of date: the same click cannot succeed, so the
          // dialog keeps only its way back while the page reloads what is true now
          if (dialog && error && [403, 404, 409].indexOf(error.status) !== -1) dialog.refused();
          if (error && [402, 403, 404, 409].indexOf(error.status) !== -1) load(true);
          return null;
        });
      });
    }

    /** The server asked for 3-D Secure: the dialog steps aside, Stripe.js shows the bank's
     *  challenge, and the portal reloads whatever the outcome. */
    function confirmPayment(result, spec) {
      var dialog = spec.dialog;
      var secret = result.requires_action.client_secret;
      return ctx.authenticatePayment(secret, dialog).then(function (outcome) {
        if (destroyed) return result;
        if (outcome && !outcome.error) {
          if (dialog) { dialog.busy(false); dialog.close(); }
          notices.show(ctx.t("Payment confirmed. Thank you!"), "success");
          emit(spec.event, result);
        } else {
          var message = ctx.t("The payment was not confirmed, so nothing was charged. Try again or use another card.");
          if (dialog && dialog.isOpen()) { dialog.busy(false); dialog.error(message); }
          else notices.show(message, "warning");
          reportError(spec.event, { status: 402, code: "authentication_failed", message: message });
        }
        load(true);
        return result;
      }, function () {
        if (dialog) {
          dialog.busy(false);
          dialog.error(ctx.t("The card form could not be loaded. Please try again later."));
        }
        load(true);
        return null;
      });
    }

    ctx.emit = emit;
    ctx.log = log;
    ctx.errorMessage = errorMessage;
    ctx.perform = perform;
    ctx.notify = notices.show;
    ctx.reload = function () { return load(false); };
    ctx.reloadInvoices = function () {
      ctx.state.invoicesError = null;
      ctx.state.invoices = null;
      render();
      return loadInvoices(loadGeneration);
    };
    ctx.actions = parts.actions.create(ctx);
    var flow = options.flow && parts.flow ? parts.flow.create(ctx, options.flow) : null;

    load(false);

    return {
      reload: function () { return load(true); },
      unmount: function () {
        destroyed = true;
        loadGeneration += 1;
        guard.destroy();
        ready.stop();
        if (ctx.openDialog) ctx.openDialog.close();
        if (root.parentNode) root.parentNode.removeChild(root);
      }
    };
  }

  window.WidgetServerPortal = { version: 1, mount: mount };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
