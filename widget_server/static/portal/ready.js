/* widget-server portal: the root's data-wsp-ready mark, for hosts, tests and tools.
 *
 * Present once the view is complete and still: what it shows is loaded (or failed) and on
 * screen, no load whose answer rebuilds it is in flight, and no rebuild is waiting for a press
 * to end. Removed while a reload or an action's follow-up loads run. data-wsp-held is present
 * while a rebuild waits for a press to end.
 *
 *   var ready = parts.ready.create(root);
 *   ready.track(promise)   a load in flight until it settles (returns the promise unchanged)
 *   ready.shown(bool)      a complete view (portal or error) is on screen, or not (loading)
 *   ready.deferred(bool)   a rebuild is waiting for a press to end
 *   ready.stop()           leaves the mark alone from now on (unmounted)
 */
(function (parts) {
  "use strict";

  function create(root) {
    var inFlight = 0;
    var isShown = false;
    var isDeferred = false;
    var stopped = false;

    function update() {
      if (stopped) return;
      if (isShown && inFlight === 0 && !isDeferred) root.setAttribute("data-wsp-ready", "");
      else root.removeAttribute("data-wsp-ready");
      if (isDeferred) root.setAttribute("data-wsp-held", "");
      else root.removeAttribute("data-wsp-held");
    }

    function track(promise) {
      if (!promise || typeof promise.then !== "function") return promise;
      inFlight += 1;
      update();
      var end = function () { inFlight -= 1; update(); };
      promise.then(end, end);
      return promise;
    }

    return {
      track: track,
      shown: function (value) { isShown = !!value; update(); },
      deferred: function (value) { isDeferred = !!value; update(); },
      stop: function () { stopped = true; }
    };
  }

  parts.ready = { create: create };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
