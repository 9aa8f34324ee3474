/* widget-server portal: keeps the view still under a press, so no click is lost.
 *
 * The view is rebuilt whole when data arrives (invoices, usage, entitlements, after an action).
 * A click is a press and a release on the same element: when the rebuild lands between the two
 * (a slow machine, a response arriving just then), the press is on a node that is gone and the
 * release on its replacement, so the browser fires no click and the user's action is lost.
 *
 *   var guard = parts.press.create(root, onRelease);
 *   guard.pressed()   true from a pointer press (or Space held) in `root` until its release
 *   guard.destroy()   removes the listeners
 * The caller defers its rebuilds while pressed(); onRelease() runs after the release's click
 * has been dispatched (the next task), to run what was deferred.
 */
(function (parts) {
  "use strict";
  var SAFETY_MS = 10000; // a release we never see defers nothing for long (no click is this slow)

  function create(root, onRelease) {
    var win = (root.ownerDocument && root.ownerDocument.defaultView) || window;
    var isPressed = false;
    var safety = null;

    function press(event) {
      if (event.type === "keydown" && event.key !== " " && event.key !== "Spacebar") return;
      isPressed = true;
      clearTimeout(safety);
      safety = setTimeout(release, SAFETY_MS);
    }

    function release() {
      if (!isPressed) return;
      isPressed = false;
      clearTimeout(safety);
      // mouseup and click are dispatched in one task: the deferred work runs after the click
      setTimeout(function () { if (!isPressed) onRelease(); }, 0);
    }

    function onKeyUp(event) {
      if (event.key === " " || event.key === "Spacebar") release();
    }

    root.addEventListener("pointerdown", press, true);
    root.addEventListener("keydown", press, true);
    // the release may happen outside the portal (inline mode: anywhere on the host page)
    win.addEventListener("pointerup", release, true);
    win.addEventListener("pointercancel", release, true);
    win.addEventListener("keyup", onKeyUp, true);
    win.addEventListener("blur", release);

    return {
      pressed: function () { return isPressed; },
      destroy: function () {
        clearTimeout(safety);
        isPressed = false;
        root.removeEventListener("pointerdown", press, true);
        root.removeEventListener("keydown", press, true);
        win.removeEventListener("pointerup", release, true);
        win.removeEventListener("pointercancel", release, true);
        win.removeEventListener("keyup", onKeyUp, true);
        win.removeEventListener("blur", release);
      }
    };
  }

  parts.press = { create: create };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
