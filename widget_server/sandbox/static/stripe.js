/* Stripe.js stand-in served by the widget-server Stripe sandbox (not Stripe's code).
 * Implements the small part of Stripe.js v3 the portal uses: Stripe(pk), elements(),
 * elements.create("card"), confirmCardSetup(), confirmCardPayment(), handleNextAction() and
 * the retrieve calls, with 3-D Secure challenges framed over the page as Stripe.js does.
 * It talks to the sandbox it was loaded from. Nodes are built with createElement and
 * textContent only, never from HTML strings. */
(function () {
  "use strict";
  var script = document.currentScript;
  var API_BASE = script && script.src ? new URL(script.src).origin : window.location.origin;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (name) { node.setAttribute(name, attrs[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function encode(params, prefix, out) {
    out = out || [];
    Object.keys(params).forEach(function (key) {
      var value = params[key];
      var name = prefix ? prefix + "[" + key + "]" : key;
      if (value === undefined || value === null) { return; }
      if (typeof value === "object") { encode(value, name, out); }
      else { out.push(encodeURIComponent(name) + "=" + encodeURIComponent(String(value))); }
    });
    return out.join("&");
  }

  function brandOf(number) {
    if (/^4/.test(number)) { return "visa"; }
    if (/^(5[1-5]|2[2-7])/.test(number)) { return "mastercard"; }
    if (/^3[47]/.test(number)) { return "amex"; }
    if (/^6011/.test(number)) { return "discover"; }
    return "unknown";
  }

  function CardElement(options) {
    this.options = options || {};
    this.handlers = {};
    this.root = null;
    var uid = "sbx-card-" + Math.random().toString(36).slice(2, 8);
    // Stripe's Element styles itself inside its own iframe; the stand-in styles itself inline,
    // a label above each input, so no label is clipped by the input beside it.
    var root = el("div", { "class": "SandboxCardElement", "data-testid": "card-element",
      style: "display:grid;gap:10px" });
    this.fields = {};
    var specs = [
      ["number", "Card number", "cc-number", "1234 1234 1234 1234"],
      ["expiry", "Expiration date (MM / YY)", "cc-exp", "MM / YY"],
      ["cvc", "Security code (CVC)", "cc-csc", "CVC"]
    ];
    var self = this;
    specs.forEach(function (spec) {
      var id = uid + "-" + spec[0];
      var label = el("label", { "for": id, style: "font-size:13px" }, spec[1]);
      var input = el("input", { id: id, name: spec[0], autocomplete: spec[2],
        inputmode: "numeric", placeholder: spec[3], "aria-label": spec[1],
        style: "box-sizing:border-box;width:100%;padding:6px 8px;font:inherit;" +
          "border:1px solid #d0d5dd;border-radius:6px" });
      input.addEventListener("input", function () { self._emitChange(); });
      self.fields[spec[0]] = input;
      var wrap = el("div", { "class": "SandboxCardElement-field", style: "display:grid;gap:4px" });
      wrap.appendChild(label);
      wrap.appendChild(input);
      root.appendChild(wrap);
    });
    this.error = el("div", { role: "alert", "class": "SandboxCardElement-error" });
    root.appendChild(this.error);
    this.node = root;
  }

  CardElement.prototype.values = function () {
    var number = this.fields.number.value.replace(/[\s-]/g, "");
    var parts = this.fields.expiry.value.split("/");
    var month = parseInt((parts[0] || "").trim(), 10);
    var year = parseInt((parts[1] || "").trim(), 10);
    if (year < 100) { year += 2000; }
    return { number: number, exp_month: month, exp_year: year,
      cvc: this.fields.cvc.value.trim() };
  };

  CardElement.prototype._emitChange = function () {
    var v = this.values();
    var empty = !v.number && !this.fields.expiry.value && !v.cvc;
    var complete = v.number.length >= 12 && v.exp_month >= 1 && v.exp_month <= 12 &&
      v.exp_year >= 2000 && /^\d{3,4}$/.test(v.cvc);
    var event = { elementType: "card", empty: empty, complete: complete,
      brand: brandOf(v.number), error: undefined, value: { postalCode: "" } };
    (this.handlers.change || []).forEach(function (cb) { cb(event); });
  };

  CardElement.prototype.mount = function (target) {
    var parent = typeof target === "string" ? document.querySelector(target) : target;
    if (!parent) { throw new Error("Stripe sandbox: mount target not found: " + target); }
    parent.appendChild(this.node);
    this.root = parent;
    (this.handlers.ready || []).forEach(function (cb) { cb({ elementType: "card" }); });
  };
  CardElement.prototype.unmount = function () {
    if (this.node.parentNode) { this.node.parentNode.removeChild(this.node); }
    this.root = null;
  };
  CardElement.prototype.destroy = CardElement.prototype.unmount;
  CardElement.prototype.on = function (name, cb) {
    (this.handlers[name] = this.handlers[name] || []).push(cb);
    return this;
  };
  CardElement.prototype.off = function (name, cb) {
    this.handlers[name] = (this.handlers[name] || []).filter(function (h) { return h !== cb; });
    return this;
  };
  CardElement.prototype.focus = function () { this.fields.number.focus(); };
  CardElement.prototype.clear = function () {
    var f = this.fields;
    f.number.value = f.expiry.value = f.cvc.value = "";
    this._emitChange();
  };
  CardElement.prototype.update = function () {};

  /** The 3-D Secure challenge, presented as Stripe.js does: an iframe on top of the page
   *  (here the sandbox's own challenge page). Resolves with "complete" or "fail". */
  function challenge(intentId, clientSecret) {
    return new Promise(function (resolve) {
      var overlay = el("div", { "class": "SandboxThreeDS", "data-testid": "three-ds-challenge",
        style: "position:fixed;inset:0;background:rgba(10,14,30,.55);display:flex;" +
          "align-items:center;justify-content:center;z-index:2147483647" });
      var frame = el("iframe", { title: "3D Secure authentication", name: "sandbox-3ds",
        src: API_BASE + "/js/v3/authenticate/" + encodeURIComponent(intentId) + "#" +
          encodeURIComponent(clientSecret),
        style: "width:min(26rem,calc(100vw - 2rem));height:min(23rem,calc(100vh - 2rem));" +
          "border:0;" +
          "border-radius:10px;background:#fff;box-shadow:0 12px 40px rgba(0,0,0,.35)" });
      function onMessage(event) {
        var data = event.data || {};
        if (event.origin !== API_BASE || event.source !== frame.contentWindow ||
          data.type !== "widget-server-sandbox-3ds" || data.intent !== intentId) { return; }
        window.removeEventListener("message", onMessage);
        if (overlay.parentNode) { overlay.parentNode.removeChild(overlay); }
        resolve(data.outcome);
      }
      window.addEventListener("message", onMessage);
      overlay.appendChild(frame);
      document.body.appendChild(overlay);
      frame.addEventListener("load", function () { frame.focus(); });
    });
  }

  function StripeSandbox(key) {
    if (!(this instanceof StripeSandbox)) { return new StripeSandbox(key); }
    if (typeof key !== "string" || key.indexOf("pk_") !== 0) {
      throw new Error("Stripe sandbox: a publishable key (pk_test_...) is required.");
    }
    this.key = key;
  }

  StripeSandbox.prototype._request = function (method, path, params) {
    var init = { method: method, headers: { Authorization: "Bearer " + this.key } };
    var url = API_BASE + path;
    if (method === "GET") { url += "?" + encode(params); }
    else {
      init.headers["Content-Type"] = "application/x-www-form-urlencoded";
      init.body = encode(params);
    }
    return fetch(url, init).then(function (response) {
      return response.json().then(function (body) { return body; });
    }, function () {
      return { error: { type: "api_connection_error",
        message: "Could not reach the Stripe sandbox." } };
    });
  };

  StripeSandbox.prototype.elements = function () {
    return {
      create: function (type, options) {
        if (type !== "card") { throw new Error("Stripe sandbox: only the card element."); }
        return new CardElement(options);
      },
      getElement: function () { return null; }
    };
  };

  StripeSandbox.prototype.retrieveSetupIntent = function (clientSecret) {
    var id = String(clientSecret).split("_secret_")[0];
    return this._request("GET", "/v1/setup_intents/" + encodeURIComponent(id),
      { client_secret: clientSecret }).then(function (body) {
      return body.error ? { error: body.error } : { setupIntent: body };
    });
  };

  StripeSandbox.prototype.confirmCardSetup = function (clientSecret, data) {
    var self = this;
    var id = String(clientSecret).split("_secret_")[0];
    var pmData = (data && data.payment_method) || {};
    var created;
    if (typeof pmData === "string") {
      created = Promise.resolve({ id: pmData });
    } else {
      var card = pmData.card && pmData.card.values ? pmData.card.values() : {};
      created = self._request("POST", "/v1/payment_methods", {
        type: "card", card: card, billing_details: pmData.billing_details || {} });
    }
    return created.then(function (pm) {
      if (pm.error) { return { error: pm.error }; }
      return self._request("POST", "/v1/setup_intents/" + encodeURIComponent(id) + "/confirm",
        { payment_method: pm.id, client_secret: clientSecret });
    }).then(function (result) {
      if (result.error || result.setupIntent) { return result; }
      if (result.status !== "requires_action") { return { setupIntent: result }; }
      return challenge(id, clientSecret).then(function () {
        return self.retrieveSetupIntent(clientSecret);
      }).then(function (found) {
        if (found.error) { return found; }
        if (found.setupIntent.status === "succeeded") { return found; }
        return { error: found.setupIntent.last_setup_error };
      });
    });
  };

  StripeSandbox.prototype.retrievePaymentIntent = function (clientSecret) {
    var id = String(clientSecret).split("_secret_")[0];
    return this._request("GET", "/v1/payment_intents/" + encodeURIComponent(id),
      { client_secret: clientSecret }).then(function (body) {
      return body.error ? { error: body.error } : { paymentIntent: body };
    });
  };

  /** After a confirm: run the challenge if the intent asks for one, then report its state. */
  StripeSandbox.prototype._settlePayment = function (clientSecret, intent) {
    var self = this;
    var id = String(clientSecret).split("_secret_")[0];
    var waiting = intent.status === "requires_action"
      ? challenge(id, clientSecret).then(function () {
        return self.retrievePaymentIntent(clientSecret);
      }) : Promise.resolve({ paymentIntent: intent });
    return waiting.then(function (found) {
      if (found.error) { return found; }
      var pi = found.paymentIntent;
      if (pi.status === "succeeded" || pi.status === "processing") { return found; }
      return { error: pi.last_payment_error || { type: "card_error",
        code: "payment_intent_authentication_failure",
        message: "We are unable to authenticate your payment method." }, paymentIntent: pi };
    });
  };

  /** confirmCardPayment(clientSecret[, {payment_method}]): pay with a new card (an element)
   *  or a saved one, or with the intent's own card, handling 3-D Secure. */
  StripeSandbox.prototype.confirmCardPayment = function (clientSecret, data) {
    var self = this;
    var id = String(clientSecret).split("_secret_")[0];
    var pmData = data && data.payment_method;
    var created;
    if (!pmData) { created = Promise.resolve(null); }
    else if (typeof pmData === "string") { created = Promise.resolve({ id: pmData }); }
    else {
      var card = pmData.card && pmData.card.values ? pmData.card.values() : {};
      created = self._request("POST", "/v1/payment_methods", {
        type: "card", card: card, billing_details: pmData.billing_details || {} });
    }
    return created.then(function (pm) {
      if (pm && pm.error) { return { error: pm.error }; }
      return self.retrievePaymentIntent(clientSecret).then(function (found) {
        if (found.error) { return found; }
        if (!pm && found.paymentIntent.status === "requires_action") {
          return self._settlePayment(clientSecret, found.paymentIntent);
        }
        var params = { client_secret: clientSecret };
        if (pm) { params.payment_method = pm.id; }
        return self._request("POST", "/v1/payment_intents/" + encodeURIComponent(id) +
          "/confirm", params).then(function (intent) {
          if (intent.error) { return { error: intent.error }; }
          return self._settlePayment(clientSecret, intent);
        });
      });
    });
  };

  /** handleNextAction({clientSecret}): the challenge of an intent already confirmed. */
  StripeSandbox.prototype.handleNextAction = function (options) {
    var self = this;
    var clientSecret = options && options.clientSecret;
    return self.retrievePaymentIntent(clientSecret).then(function (found) {
      if (found.error) { return found; }
      return self._settlePayment(clientSecret, found.paymentIntent);
    });
  };

  window.Stripe = StripeSandbox;
})();
