/* widget-server portal: boots the hosted full-page portal from the page's #portal-boot JSON. */
(function () {
  "use strict";
  var boot = JSON.parse(document.getElementById("portal-boot").textContent);
  var logo = document.getElementById("portal-logo");

  function emit(event, response) {
    var flow = boot.flow;
    if (event === "flow_completed" && flow && flow.after_completion === "redirect" &&
      typeof flow.return_url === "string" && /^https?:\/\//i.test(flow.return_url)) {
      window.location.assign(flow.return_url); // checked by the server, never from the event
    }
    if (event === "post_load" && response && response.settings && logo && logo.hidden) {
      var url = response.settings.logo_url;
      if (typeof url === "string" && /^https?:\/\//i.test(url)) {
        logo.src = url;
        logo.hidden = false;
      }
    }
    return Promise.resolve(true);
  }

  window.WidgetServerPortal.mount(document.getElementById("portal"), {
    apiBase: boot.apiBase || window.location.origin,
    token: boot.token,
    locale: boot.locale,
    debug: false,
    strings: boot.strings,
    flow: boot.flow || null,
    emit: emit
  });
})();
