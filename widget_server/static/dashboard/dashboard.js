// Owner dashboard: copy buttons and confirmations. Text only; never innerHTML.
"use strict";
document.addEventListener("click", function (event) {
  var button = event.target.closest("button[data-copy]");
  if (!button) return;
  var source = document.getElementById(button.getAttribute("data-copy"));
  if (source && navigator.clipboard) {
    navigator.clipboard.writeText(source.textContent);
  }
});
document.addEventListener("submit", function (event) {
  var message = event.target.getAttribute("data-confirm");
  if (message && !window.confirm(message)) {
    event.preventDefault();
  }
});
// A message answering what the owner just did takes the focus, so it is seen and read out.
// Again after load: following the URL's #fragment moves the focus away in Chromium.
function focusNotice() {
  var target = document.querySelector("[data-focus]");
  if (target && document.activeElement !== target) target.focus();
}
document.addEventListener("DOMContentLoaded", focusNotice);
window.addEventListener("load", function () { setTimeout(focusNotice, 0); });
