// Owner dashboard: the live preview follows the settings, plans and appearance forms as the
// owner edits them (a debounced POST of every form marked data-preview-form). Text only.
"use strict";
(function () {
  var panel = document.getElementById("preview-form");
  var frame = document.getElementById("preview-frame");
  var status = document.getElementById("preview-status");
  var empty = document.getElementById("preview-empty");
  if (!panel || !frame || !status || !window.fetch) return;
  var timer = null;
  var sent = 0;
  // The customer and language previewed, kept for this tab: after a save the page reloads
  // and the preview comes back with the saved settings.
  var memoryKey = "widget-server.preview:" + window.location.pathname;

  function remember() {
    try {
      window.sessionStorage.setItem(memoryKey, JSON.stringify({
        customer: panel.elements.preview_customer.value,
        locale: panel.elements.preview_locale.value
      }));
    } catch (e) { /* storage may be disabled: the preview still works */ }
  }

  function recalled() {
    try {
      return JSON.parse(window.sessionStorage.getItem(memoryKey) || "null");
    } catch (e) {
      return null;
    }
  }

  function say(lines, isError) {
    status.textContent = "";
    lines.forEach(function (line) {
      var p = document.createElement("p");
      p.className = isError ? "error" : "hint";
      p.textContent = line;
      status.appendChild(p);
    });
  }

  function body(submitter) {
    var data = new FormData();
    var seen = {};
    document.querySelectorAll("form[data-preview-form]").forEach(function (form) {
      new FormData(form).forEach(function (value, name) {
        if (name === "csrf_token" || name === "preview_draft") return;
        data.append(name, value);
      });
    });
    data.append("csrf_token", panel.elements.csrf_token.value);
    data.append("preview_draft", panel.elements.preview_draft.value);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    return data;
  }

  function send(submitter) {
    timer = null;
    if (!submitter && !panel.elements.preview_customer.value.trim() &&
        !panel.elements.preview_draft.value) return;
    var mine = ++sent;
    fetch(panel.action.split("#")[0], {
      method: "POST", body: body(submitter), credentials: "same-origin",
      headers: {"Accept": "application/json"}
    }).then(function (response) {
      return response.json();
    }).then(function (answer) {
      if (mine !== sent) return;  // a newer edit is on its way
      if (answer.frame_url) {
        panel.elements.preview_draft.value = answer.draft;
        // every form's own "Preview without saving" continues this draft (and its customer)
        document.querySelectorAll('input[name="preview_draft"]').forEach(function (input) {
          input.value = answer.draft;
        });
        if (answer.customer) panel.elements.preview_customer.value = answer.customer;
        frame.setAttribute("src", answer.frame_url);
        remember();
        if (empty) empty.hidden = true;
        say([answer.message || ""], false);
      } else {
        say(answer.errors || [], true);
      }
    }).catch(function () {
      if (mine === sent) say([status.getAttribute("data-offline") || ""], true);
    });
  }

  function schedule(event) {
    var form = event.target && event.target.form;
    if (!form || !form.hasAttribute("data-preview-form")) return;
    if (timer) window.clearTimeout(timer);
    timer = window.setTimeout(function () { send(null); }, 400);
  }

  document.addEventListener("input", schedule);
  document.addEventListener("change", schedule);
  panel.addEventListener("submit", function (event) {
    event.preventDefault();
    if (timer) window.clearTimeout(timer);
    send(event.submitter || null);
  });

  var last = recalled();
  if (last && typeof last.customer === "string" && !panel.elements.preview_customer.value &&
      !panel.elements.preview_draft.value) {
    panel.elements.preview_customer.value = last.customer;
    if (typeof last.locale === "string") panel.elements.preview_locale.value = last.locale;
    send(null);
  }
})();
