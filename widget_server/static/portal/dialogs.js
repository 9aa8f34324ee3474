/* widget-server portal: modal dialogs, the notice (live) region and the actions menu. */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;

  var viewport = parts.viewport;
  var framed = viewport.framed;

  /** Where the user last interacted (document Y): where a framed dialog opens when the host
   *  does not report its viewport (an older loader). */
  function anchorY(node) {
    if (!node || !node.isConnected) return null;
    var rect = node.getBoundingClientRect();
    return rect.top + window.scrollY + rect.height / 2;
  }

  /**
   * openDialog(ctx, {title, opener}) -> dialog controller
   *   .step(nodes, actions)  replace the body; actions: [{text, variant, submit, onClick}]
   *   .error(message) / .busy(bool) / .close() / .nonce / .onClose(fn) / .body
   *   .refused()  the server refused the step as out of date: its submit button stays disabled
   *   .aside(fn)  step aside while fn() runs (a 3-D Secure challenge): a modal dialog sits in
   *               the browser's top layer and makes the rest of the page inert, so Stripe.js's
   *               challenge would be unreachable under it; it comes back when fn's promise ends
   * A native <dialog> opened with showModal(): focus moves in and is trapped, Escape closes
   * (unless a request is in flight), and focus returns to the opener on close.
   */
  function openDialog(ctx, options) {
    var t = ctx.t;
    var titleId = dom.uid("wsp-dialog-title");
    var opener = options.opener || ctx.root.getRootNode().activeElement;
    var closeCallbacks = [];
    var isBusy = false;
    var submitHandler = null;
    var body = h("div", { class: "wsp-dialog-body" });
    var errorBox = h("div", { class: "wsp-alert wsp-alert-error", role: "alert", hidden: true });
    var footer = h("div", { class: "wsp-dialog-footer" });
    var closeButton = h("button", { type: "button", class: "wsp-icon-btn", "aria-label": t("Close"),
      on: { click: function () { if (!isBusy) close(); } } }, "\u00d7");
    var form = h("form", { class: "wsp-dialog-form", novalidate: false, on: { submit: onSubmit } },
      body, errorBox, footer);
    var dialog = h("dialog", { class: "wsp-dialog", "aria-labelledby": titleId },
      h("div", { class: "wsp-dialog-header" },
        h("h2", { id: titleId, class: "wsp-dialog-title", text: options.title }), closeButton),
      form);
    var anchor = anchorY(opener);
    var resizeObserver = null;

    function onSubmit(event) {
      event.preventDefault();
      if (isBusy || !submitHandler) return;
      if (!form.reportValidity()) return;
      submitHandler();
    }

    /**
     * In a frame, put the dialog where the user looks: centred in the host's viewport as the
     * loader reports it (the frame grows if the dialog needs more room, and the host scrolls if
     * it still is not in view), else beside the control that opened it.
     */
    function place() {
      if (!framed()) return;
      var view = viewport.hostView();
      var height, top;
      if (view) {
        dialog.style.maxHeight = Math.max(240, view.height - 32) + "px";
        height = dialog.offsetHeight;
        top = Math.max(16, view.top + Math.max(16, (view.height - height) / 2));
      } else {
        height = dialog.offsetHeight;
        top = Math.max(16, (anchor === null ? 16 : anchor - height / 2));
      }
      dialog.style.position = "absolute";
      dialog.style.top = Math.round(top + window.scrollY) + "px";
      dialog.style.marginBlock = "0";
      ctx.root.style.minHeight = Math.round(top + window.scrollY + height + 24) + "px";
      if (view && dialog.open && !dialog.hidden) viewport.reveal(top, top + height);
    }

    function step(nodes, actions) {
      dom.replaceChildren(body, nodes);
      dom.clear(footer);
      submitHandler = null;
      error(null);
      (actions || []).forEach(function (action) {
        var btn = dom.button(action.text, null, action.variant || "secondary",
          { type: action.submit ? "submit" : "button" });
        if (action.submit) submitHandler = action.onClick;
        else btn.addEventListener("click", function () { if (!isBusy) action.onClick(); });
        footer.appendChild(btn);
      });
      var focusTarget = body.querySelector("[autofocus]") ||
        body.querySelector("input:not([type=hidden]):not([disabled]), select, textarea") ||
        footer.querySelector(".wsp-btn-primary, .wsp-btn-danger") || closeButton;
      if (dialog.open) {
        focusTarget.focus();
        place();
      }
    }

    function error(message) {
      if (!message) {
        errorBox.hidden = true;
        dom.clear(errorBox);
        return;
      }
      dom.replaceChildren(errorBox, h("p", { text: message }));
      errorBox.hidden = false;
    }

    function busy(value) {
      isBusy = !!value;
      dialog.setAttribute("aria-busy", isBusy ? "true" : "false");
      Array.prototype.forEach.call(form.querySelectorAll("button, input, select, textarea"),
        function (control) {
          if (isBusy) {
            control.dataset.wspWasDisabled = control.disabled ? "1" : "";
            control.disabled = true;
          } else {
            control.disabled = control.dataset.wspWasDisabled === "1";
          }
        });
      var primary = footer.querySelector("button[type=submit]");
      if (primary) primary.classList.toggle("wsp-is-loading", isBusy);
      closeButton.disabled = isBusy;
    }

    function refused() {
      Array.prototype.forEach.call(footer.querySelectorAll("button[type=submit]"), function (btn) {
        btn.disabled = true;
        btn.dataset.wspWasDisabled = "1";
      });
    }

    function close() {
      if (resizeObserver) resizeObserver.disconnect();
      if (dialog.open) dialog.close();
      if (dialog.parentNode) dialog.parentNode.removeChild(dialog);
      ctx.root.style.minHeight = "";
      ctx.openDialog = null;
      closeCallbacks.forEach(function (fn) { fn(); });
      var target = opener && opener.isConnected ? opener : ctx.root.querySelector("h2, h3");
      if (target && target.focus) {
        if (!target.hasAttribute("tabindex") && !/^(BUTTON|A|INPUT)$/.test(target.tagName)) {
          target.setAttribute("tabindex", "-1");
        }
        target.focus();
      }
    }

    dialog.addEventListener("cancel", function (event) {
      event.preventDefault(); // Escape: close ourselves, so focus is restored and state reset
      if (!isBusy) close();
    });
    dialog.addEventListener("click", function (event) {
      if (event.target === dialog && !isBusy) close(); // a click on the backdrop
    });

    if (ctx.openDialog) ctx.openDialog.close();
    ctx.root.appendChild(dialog);
    if (framed() && viewport.hostView()) {
      // placed before it opens, so the focus it takes does not scroll the host elsewhere first
      dialog.style.position = "absolute";
      dialog.style.marginBlock = "0";
      dialog.style.top = Math.round(Math.max(16, viewport.hostView().top + 16) + window.scrollY) +
        "px";
    }
    dialog.showModal();
    if (typeof ResizeObserver === "function") {
      resizeObserver = new ResizeObserver(place);
      resizeObserver.observe(dialog);
    }
    place();

    function aside(fn) {
      var wasOpen = dialog.open;
      if (wasOpen) dialog.close();
      dialog.hidden = true;
      function back(value) {
        dialog.hidden = false;
        if (wasOpen && dialog.isConnected && !dialog.open) {
          dialog.showModal();
          place();
        }
        return value;
      }
      return viewport.revealOverlays(fn).then(back, function (failure) {
        back(null);
        throw failure;
      });
    }

    var controller = {
      step: step, error: error, busy: busy, close: close, body: body, aside: aside,
      refused: refused,
      nonce: dom.nonce(),
      onClose: function (fn) { closeCallbacks.push(fn); },
      isOpen: function () { return dialog.open; }
    };
    ctx.openDialog = controller;
    return controller;
  }

  var CONTROLS = "button, a[href], input, select, textarea, summary, [role=menuitem], [tabindex]";

  /** True when the vertical band [top, bottom] over [left, right] covers one of the controls. */
  function coversControl(controls, left, right, top, bottom) {
    return controls.some(function (rect) {
      return rect.width > 0 && rect.height > 0 && rect.left < right && rect.right > left &&
        rect.top < bottom && rect.bottom > top;
    });
  }

  /**
   * The notice region: visible toasts that screen readers announce (aria-live). A toast sits in
   * the part of the portal the user sees (the host's viewport in iframe mode) and never on top
   * of a control the user may need next (the "Pay now" the message asks for): it takes the
   * lowest free band of the visible part, and goes into the page flow when there is none.
   */
  function createNotices(ctx) {
    var polite = h("div", { class: "wsp-notices", role: "status", "aria-live": "polite" });
    var assertive = h("div", { class: "wsp-notices", role: "alert", "aria-live": "assertive" });
    var holder = h("div", { class: "wsp-notice-holder" }, polite, assertive);
    var scheduled = false;
    var stopWatching = null;
    var resizeObserver = null;

    function shown() { return !!holder.querySelector(".wsp-notice"); }

    function place() {
      scheduled = false;
      holder.classList.remove("wsp-notice-holder-inflow");
      holder.style.top = holder.style.bottom = "";
      if (!shown()) return;
      var band = viewport.visible();
      var rect = holder.getBoundingClientRect();
      var height = rect.height;
      var controls = Array.prototype.filter.call(ctx.root.querySelectorAll(CONTROLS),
        function (node) { return !holder.contains(node); })
        .map(function (node) { return node.getBoundingClientRect(); });
      for (var top = band.bottom - height - 16; top >= band.top + 8; top -= 8) {
        if (!coversControl(controls, rect.left, rect.right, top - 4, top + height + 4)) {
          holder.style.top = Math.round(top) + "px";
          holder.style.bottom = "auto";
          return;
        }
      }
      holder.classList.add("wsp-notice-holder-inflow"); // no free band: above the portal
    }

    function schedule() {
      if (scheduled) return;
      scheduled = true;
      window.requestAnimationFrame(place);
    }

    function watch(on) {
      if (on && !stopWatching) {
        stopWatching = viewport.onChange(schedule);
        if (typeof ResizeObserver === "function") {
          resizeObserver = new ResizeObserver(schedule); // re-rendered content moves controls
          resizeObserver.observe(ctx.root);
        }
      } else if (!on && stopWatching) {
        stopWatching();
        stopWatching = null;
        if (resizeObserver) resizeObserver.disconnect();
        resizeObserver = null;
      }
    }

    function show(message, kind) {
      if (!message) return;
      var region = kind === "error" ? assertive : polite;
      var notice = h("div", { class: "wsp-notice wsp-notice-" + (kind || "success") },
        h("span", { class: "wsp-notice-icon", "aria-hidden": "true",
          text: kind === "error" || kind === "warning" ? "!" : "\u2713" }),
        h("p", { text: message }),
        h("button", { type: "button", class: "wsp-icon-btn", "aria-label": ctx.t("Dismiss"),
          on: { click: function () { remove(); } } }, "\u00d7"));
      function remove() {
        if (notice.parentNode) notice.parentNode.removeChild(notice);
        if (!shown()) watch(false);
      }
      dom.clear(region).appendChild(notice);
      watch(true);
      place();
      if (kind !== "error") setTimeout(remove, 8000);
    }

    return { node: holder, show: show, place: place };
  }

  /**
   * A keyboard-operable actions menu (menu button pattern): Enter/Space/ArrowDown open it,
   * arrows/Home/End move, Escape closes and returns focus, Tab leaves it.
   * items: [{text, onSelect(trigger), variant}]
   */
  function actionMenu(ctx, label, items) {
    var menuId = dom.uid("wsp-menu");
    var trigger = h("button", { type: "button", class: "wsp-btn wsp-btn-secondary wsp-menu-trigger",
      "aria-haspopup": "menu", "aria-expanded": "false", "aria-controls": menuId },
      label, h("span", { class: "wsp-chevron", "aria-hidden": "true" }));
    var menu = h("div", { class: "wsp-menu", role: "menu", id: menuId, hidden: true,
      "aria-label": label });
    var entries = items.map(function (item) {
      var entry = h("button", { type: "button", role: "menuitem", tabindex: "-1",
        class: "wsp-menu-item" + (item.variant === "danger" ? " wsp-menu-item-danger" : ""),
        text: item.text,
        on: { click: function () { closeMenu(false); item.onSelect(trigger); } } });
      menu.appendChild(entry);
      return entry;
    });

    function onOutside(event) {
      if (!wrapper.contains(event.target)) closeMenu(false);
    }

    function openMenu(index) {
      menu.hidden = false;
      trigger.setAttribute("aria-expanded", "true");
      focusEntry(index);
      document.addEventListener("pointerdown", onOutside, true);
    }

    function closeMenu(returnFocus) {
      menu.hidden = true;
      trigger.setAttribute("aria-expanded", "false");
      document.removeEventListener("pointerdown", onOutside, true);
      if (returnFocus) trigger.focus();
    }

    function focusEntry(index) {
      var count = entries.length;
      if (!count) return;
      entries[((index % count) + count) % count].focus();
    }

    trigger.addEventListener("click", function () {
      if (menu.hidden) openMenu(0); else closeMenu(false);
    });
    trigger.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown" || event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        openMenu(0);
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        openMenu(entries.length - 1);
      }
    });
    menu.addEventListener("keydown", function (event) {
      var current = entries.indexOf(menu.getRootNode().activeElement);
      if (event.key === "ArrowDown") { event.preventDefault(); focusEntry(current + 1); }
      else if (event.key === "ArrowUp") { event.preventDefault(); focusEntry(current - 1); }
      else if (event.key === "Home") { event.preventDefault(); focusEntry(0); }
      else if (event.key === "End") { event.preventDefault(); focusEntry(entries.length - 1); }
      else if (event.key === "Escape") { event.preventDefault(); closeMenu(true); }
      else if (event.key === "Tab") { closeMenu(false); }
    });

    var wrapper = h("div", { class: "wsp-menu-wrap" }, trigger, menu);
    return wrapper;
  }

  parts.dialogs = { openDialog: openDialog, createNotices: createNotices, actionMenu: actionMenu,
    framed: framed };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
