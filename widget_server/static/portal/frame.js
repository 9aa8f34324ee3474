/* widget-server portal: the iframe side of the postMessage protocol with the loader.
 *
 *  frame -> parent  {type: "ready"}                        targetOrigin "*" (carries nothing)
 *  parent -> frame  {type: "init", token, locale, debug, flow}  accepted once, from window.parent;
 *                                                          its origin becomes the host origin
 *  frame -> host    {type: "event", event, response}
 *  frame -> host    {type: "pre_event", id, event, response}
 *  host -> frame    {type: "veto_result", id, allow}
 *  frame -> host    {type: "resize", height}
 *  host -> frame    {type: "viewport", top, height}      the host's viewport in frame
 *                                                          coordinates (on scroll and resize)
 *  frame -> host    {type: "reveal", top, bottom}        scroll the host until this band of
 *                                                          the frame is in view
 * After init, every message goes to that exact origin and incoming ones must come from it.
 */
(function () {
  "use strict";
  var VETO_TIMEOUT_MS = 15000;
  var container = document.getElementById("portal");
  var standalone = document.getElementById("portal-standalone");
  var hostOrigin = null;
  var pending = {};
  var nextId = 1;
  var lastHeight = 0;
  var boot = {};
  try {
    boot = JSON.parse(document.getElementById("portal-boot").textContent) || {};
  } catch (e) {
    boot = {};
  }

  if (window.parent === window) {
    // Opened directly, not embedded: there is no host to hand us a token.
    if (standalone) standalone.hidden = false;
    if (container) container.hidden = true;
    return;
  }

  function post(message) {
    if (hostOrigin) window.parent.postMessage(message, hostOrigin);
  }

  /** emit() for WidgetServerPortal.mount: pre_* events wait for the host's veto_result. */
  function emit(event, response) {
    if (event.indexOf("pre_") !== 0) {
      post({ type: "event", event: event, response: response });
      return Promise.resolve(true);
    }
    var id = String(nextId++);
    return new Promise(function (resolve) {
      var timer = setTimeout(function () {
        delete pending[id];
        resolve(true); // a host that never answers does not block the portal
      }, VETO_TIMEOUT_MS);
      pending[id] = function (allow) {
        clearTimeout(timer);
        delete pending[id];
        resolve(allow !== false);
      };
      post({ type: "pre_event", id: id, event: event, response: response });
    });
  }

  function watchHeight() {
    var report = function () {
      var height = Math.ceil(document.documentElement.scrollHeight);
      if (height !== lastHeight) {
        lastHeight = height;
        post({ type: "resize", height: height });
      }
    };
    if (typeof ResizeObserver === "function") {
      new ResizeObserver(report).observe(document.body);
    } else {
      setInterval(report, 500);
    }
    report();
  }

  function onMessage(event) {
    var data = event.data;
    if (!data || typeof data !== "object" || event.source !== window.parent) return;
    if (hostOrigin === null) {
      if (data.type !== "init" || typeof data.token !== "string" || !data.token) return;
      hostOrigin = event.origin;
      window.WidgetServerPortalParts.viewport.connect(function (top, bottom) {
        post({ type: "reveal", top: top, bottom: bottom });
      });
      watchHeight();
      window.WidgetServerPortal.mount(container, {
        apiBase: window.location.origin,
        token: data.token,
        locale: typeof data.locale === "string" ? data.locale : null,
        debug: data.debug === true,
        strings: boot.strings,
        flow: data.flow && typeof data.flow === "object" ? data.flow : null,
        emit: emit
      });
      return;
    }
    if (event.origin !== hostOrigin) return;
    if (data.type === "viewport") {
      window.WidgetServerPortalParts.viewport.update(Number(data.top), Number(data.height));
    } else if (data.type === "veto_result" && Object.prototype.hasOwnProperty.call(pending, data.id)) {
      pending[data.id](data.allow);
    }
  }

  window.addEventListener("message", onMessage);
  // The only message sent with "*": it carries nothing but "I am listening".
  window.parent.postMessage({ type: "ready" }, "*");
})();
