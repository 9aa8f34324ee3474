/*! widget-server loader v1 | MIT | WidgetServer.mount(target, options) -> {unmount()} */
(function (w, d) {
  "use strict";
  if (w.WidgetServer) return;
  var me = d.currentScript || d.querySelector("script[src*='/embed/v1/portal.js']");
  var ORIGIN = me ? new URL(me.src, location.href).origin : location.origin;
  var FALLBACK = "The billing portal could not be loaded. Please try again later.";
  var mounts = [];
  var appLoad = null;

  function el(tag, props) {
    var n = d.createElement(tag);
    for (var k in props) n[k] = props[k];
    return n;
  }

  // Ask the host whether to go on: a throw, false or a promise of false means "no".
  function ask(o, event, response) {
    var h = o.handleResponse;
    if (typeof h != "function") return Promise.resolve(true);
    try {
      return Promise.resolve(h({ event: event, response: response }))
        .then(function (r) { return r !== false; }, function () { return false; });
    } catch (e) {
      return Promise.resolve(false);
    }
  }

  function loadApp() {
    return appLoad || (appLoad = new Promise(function (ok, fail) {
      if (w.WidgetServerPortal) return ok();
      var s = el("script", { src: ORIGIN + "/portal/assets/portal.js", async: true });
      s.onload = ok;
      s.onerror = function () { appLoad = null; fail({}); };
      d.head.appendChild(s);
    }));
  }

  function mount(target, options) {
    var node = typeof target == "string" ? d.querySelector(target) : target;
    if (!node) throw new Error("WidgetServer.mount: no element " + target);
    unmount(node);
    var o = options || {};
    var dead = false, frame = null, app = null, token = null, ready = false, shadow = null;
    var max = +o.maxHeight || 4000;
    var log = function () {
      if (o.debug && w.console) console.debug.apply(console, ["[WidgetServer]"].concat([].slice.call(arguments)));
    };
    var emit = function (event, response) {
      log("event", event, response);
      var asked = ask(o, event, response), u = token && token.flow && token.flow.return_url;
      if (event == "flow_completed" && /^https?:\/\//i.test(u)) asked.then(function (go) { // checked by the server
        if (go && !dead) w.location.assign(u);
      });
      return asked;
    };

    function post(msg) {
      log("to frame", msg.type, msg.id || "");
      frame.contentWindow.postMessage(msg, ORIGIN);
    }

    function init() {
      if (ready && token) post({ type: "init", token: token.token, locale: token.locale, debug: !!o.debug, flow: token.flow || null });
      view();
    }

    // Tell the frame where the host's viewport is (it is as tall as its content), so its
    // dialogs and notices open where the user looks.
    var viewQueued = false;
    function view() {
      if (!viewQueued && frame && ready && token) {
        viewQueued = true;
        w.requestAnimationFrame(function () {
          viewQueued = false;
          if (frame) frame.contentWindow.postMessage({ type: "viewport",
            top: -frame.getBoundingClientRect().top, height: w.innerHeight }, ORIGIN);
        });
      }
    }

    function onMessage(e) {
      if (dead || !frame || e.origin !== ORIGIN || e.source !== frame.contentWindow) return;
      var m = e.data || {};
      log("from frame", m);
      if (m.type == "ready") {
        ready = true;
        init();
      } else if (m.type == "resize") {
        frame.style.height = Math.min(Math.max(+m.height || 0, 0), max) + "px";
        view();
      } else if (m.type == "reveal") {
        var top = frame.getBoundingClientRect().top, a = top + (+m.top || 0), b = top + (+m.bottom || 0);
        if (a < 0 || b > w.innerHeight) w.scrollBy(0, (a + b - w.innerHeight) / 2);
      } else if (m.type == "event") {
        emit(m.event, m.response);
      } else if (m.type == "pre_event") {
        emit(m.event, m.response).then(function (allow) {
          if (!dead) post({ type: "veto_result", id: m.id, allow: allow });
        });
      }
    }

    function fail(err) {
      if (dead) return;
      err = err || {};
      log("session refused", err);
      clear();
      var box = el("div", { className: "widget-server-error", textContent: err.message || FALLBACK });
      box.setAttribute("role", "alert");
      (shadow || node).appendChild(box);
      emit("error", { code: err.code || "load_failed", message: box.textContent, debug: err.debug });
    }

    function clear() {
      if (frame && frame.parentNode) frame.parentNode.removeChild(frame);
      if (app && app.unmount) app.unmount();
      if (shadow) shadow.replaceChildren();
      frame = app = null;
      var old = (shadow || node).querySelector(".widget-server-error");
      if (old) old.parentNode.removeChild(old);
    }

    if (o.mode == "inline") {
      shadow = node.shadowRoot || node.attachShadow({ mode: "open" });
    } else {
      frame = el("iframe", {
        src: ORIGIN + "/portal/frame?account=" + encodeURIComponent(o.account || "") +
          (o.locale && o.locale != "auto" ? "&locale=" + encodeURIComponent(o.locale) : ""),
        title: o.title || "Billing portal"
      });
      frame.setAttribute("allow", "payment");
      frame.style.cssText = "display:block;width:100%;border:0;height:150px;color-scheme:normal";
      node.appendChild(frame);
      w.addEventListener("message", onMessage);
      w.addEventListener("scroll", view, true);
      w.addEventListener("resize", view);
    }

    var body = {
      account: o.account, email: o.email, customer_id: o.customerId || o.customer_id, hash: o.hash,
      locale: o.locale, browser_locales: navigator.languages ? [].slice.call(navigator.languages) : [],
      flow_data: o.flowData
    };
    log("POST /v1/embed/session", { account: body.account, email: body.email, customer_id: body.customer_id });
    fetch(ORIGIN + "/v1/embed/session", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (j) {
        if (!r.ok || !j.token) throw j.error || {};
        return j;
      });
    }).then(function (s) {
      if (dead) return;
      token = s;
      log("session", { expires_at: s.expires_at, locale: s.locale });
      if (frame) return init();
      return loadApp().then(function () {
        if (dead) return;
        var wrap = el("div", {});
        wrap.style.cssText = "all:initial;display:block";
        shadow.appendChild(el("link", { rel: "stylesheet", href: ORIGIN + "/static/portal/portal.css" }));
        shadow.appendChild(wrap);
        app = w.WidgetServerPortal.mount(wrap, {
          apiBase: ORIGIN, token: s.token, locale: s.locale, debug: !!o.debug, emit: emit, flow: s.flow || null
        });
      });
    }).catch(fail);

    var handle = {
      unmount: function () {
        if (dead) return;
        dead = true;
        w.removeEventListener("message", onMessage);
        w.removeEventListener("scroll", view, true);
        w.removeEventListener("resize", view);
        clear();
        mounts = mounts.filter(function (m) { return m.node !== node; });
      }
    };
    mounts.push({ node: node, handle: handle });
    return handle;
  }

  function unmount(target) {
    var node = typeof target == "string" ? d.querySelector(target) : target;
    mounts.filter(function (m) { return m.node === node; }).forEach(function (m) { m.handle.unmount(); });
  }

  // Servicebot / Billflow pages keep working by changing only the script URL.
  function legacy() {
    [["servicebotSettings", "servicebot-subscription-portal", "servicebot_id"],
     ["billflowSettings", "billflow-embed", "billing_page_id"]].forEach(function (c) {
      var s = w[c[0]], node = d.getElementById(c[1]);
      if (!s || !node) return;
      var opt = s.options || {};
      mount(node, {
        account: s[c[2]], email: s.email, customerId: s.customer_id, hash: s.hash,
        handleResponse: s.handleResponse, locale: opt.locale, mode: opt.mode, debug: opt.debug
      });
    });
  }

  w.WidgetServer = { version: 1, origin: ORIGIN, mount: mount, unmount: unmount };
  if (d.readyState == "loading") d.addEventListener("DOMContentLoaded", legacy);
  else legacy();
})(window, document);
