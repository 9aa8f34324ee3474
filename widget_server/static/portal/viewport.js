/* widget-server portal: the part of the portal the user can see.
 *
 * Inline, that is the browser's viewport. In an iframe the frame is as tall as its content, so
 * its own window is not what the user sees: the loader reports the host's viewport in frame
 * coordinates ({type: "viewport", top, height}, see frame.js) and dialogs and notices are placed
 * there. reveal(top, bottom) asks the loader to scroll the host until that band of the frame is
 * seen (a 3-D Secure challenge, which Stripe.js centres in the frame's window).
 */
(function (parts) {
  "use strict";
  var host = null; // {top, height}: the host's viewport in frame coordinates, once reported
  var listeners = [];
  var revealer = null;

  /** True inside an iframe: the frame is as tall as its content, so "centred" may be off-screen. */
  function framed() {
    try { return window.parent !== window; } catch (e) { return true; }
  }

  /** The host's viewport in this window's coordinates, {top, bottom, height}; null when unknown
   *  (not framed, or a loader too old to report it). top may be above the frame (negative). */
  function hostView() {
    if (!framed() || !host) return null;
    return { top: host.top, bottom: host.top + host.height, height: host.height };
  }

  /** The band of this window the user sees now, {top, bottom} (fixed-position coordinates). */
  function visible() {
    var own = window.innerHeight;
    var view = hostView();
    if (!view) return { top: 0, bottom: own };
    var top = Math.max(0, Math.min(view.top, own));
    var bottom = Math.max(top, Math.min(view.bottom, own));
    return { top: top, bottom: bottom };
  }

  function update(top, height) {
    if (!isFinite(top) || !isFinite(height) || height <= 0) return;
    if (host && host.top === top && host.height === height) return;
    host = { top: Math.round(top), height: Math.round(height) };
    listeners.slice().forEach(function (fn) { fn(); });
  }

  /** Call fn when the visible part changes (host scroll or resize, or the window's own). */
  function onChange(fn) {
    listeners.push(fn);
    window.addEventListener("scroll", fn, { passive: true });
    window.addEventListener("resize", fn);
    return function () {
      listeners = listeners.filter(function (other) { return other !== fn; });
      window.removeEventListener("scroll", fn);
      window.removeEventListener("resize", fn);
    };
  }

  /** Ask the host to bring the band [top, bottom] of the frame into its viewport. */
  function reveal(top, bottom) {
    if (revealer && framed()) revealer(Math.round(top), Math.round(bottom));
  }

  /**
   * While fn() runs (Stripe.js confirming a card), reveal whatever Stripe.js puts over the page:
   * its challenge is a fixed overlay appended to <body>, centred in the frame's window, which in
   * a tall frame may be far below the host's viewport.
   */
  function revealOverlays(fn) {
    if (!framed() || typeof MutationObserver !== "function") return Promise.resolve().then(fn);
    var observer = new MutationObserver(function (records) {
      records.forEach(function (record) {
        Array.prototype.forEach.call(record.addedNodes, function (node) {
          if (node.nodeType !== 1 || !node.getBoundingClientRect) return;
          var rect = node.getBoundingClientRect();
          var middle = rect.top + rect.height / 2;
          var view = hostView();
          var half = Math.min(320, (view ? view.height : window.innerHeight) / 2 - 8);
          reveal(middle - half, middle + half);
        });
      });
    });
    observer.observe(document.body, { childList: true });
    function stop(value) { observer.disconnect(); return value; }
    return Promise.resolve().then(fn).then(stop, function (failure) {
      stop(null);
      throw failure;
    });
  }

  parts.viewport = {
    framed: framed, hostView: hostView, visible: visible, update: update, onChange: onChange,
    reveal: reveal, revealOverlays: revealOverlays,
    connect: function (fn) { revealer = fn; }
  };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
