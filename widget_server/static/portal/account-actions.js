/* widget-server portal: customer-level flows: update card (Stripe.js) and billing details. */
(function (parts) {
  "use strict";
  var dom = parts.dom;
  var h = dom.h;

  var COUNTRIES = ("AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL " +
    "BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH CI CK CL CM CN CO CR CU CV CW CX CY CZ DE " +
    "DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN GP GQ " +
    "GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM " +
    "KN KP KR KW KY KZ LA LB LC LI LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ " +
    "MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM PA PE PF PG PH PK PL PM PN " +
    "PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY " +
    "SZ TC TD TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF " +
    "WS YE YT ZA ZM ZW").split(" ");
  var TAX_ID_TYPES = ["eu_vat", "gb_vat", "ch_vat", "no_vat", "us_ein", "ca_bn", "ca_gst_hst",
    "au_abn", "nz_gst", "in_gst", "jp_cn", "br_cnpj", "br_cpf", "mx_rfc", "za_vat", "sg_gst",
    "il_vat", "ae_trn", "sa_vat", "kr_brn", "pl_nip"];

  var stripeScript = null;

  /** Load Stripe.js once, from the URL the portal JSON names. */
  function loadStripe(url) {
    if (window.Stripe) return Promise.resolve(window.Stripe);
    if (stripeScript) return stripeScript;
    var src = dom.safeUrl(url);
    if (!src) return Promise.reject(new Error("no Stripe.js URL"));
    stripeScript = new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = src;
      script.async = true;
      script.onload = function () {
        if (window.Stripe) resolve(window.Stripe); else reject(new Error("Stripe.js missing"));
      };
      script.onerror = function () { stripeScript = null; reject(new Error("Stripe.js failed")); };
      document.head.appendChild(script);
    });
    return stripeScript;
  }

  function taxTypeLabel(type) {
    return String(type || "").replace(/_/g, " ").toUpperCase();
  }

  function flows(ctx) {
    var t = function (msgid, vars) { return ctx.t(msgid, vars); };

    /** Stripe.js's confirmCardPayment for a payment that needs 3-D Secure, with the dialog
     *  stepped aside so the challenge on top of the page can be reached. */
    ctx.authenticatePayment = function (clientSecret, dlg) {
      var portal = ctx.state.portal;
      return loadStripe(portal.stripe && portal.stripe.js_url).then(function (Stripe) {
        var stripe = Stripe(portal.stripe.publishable_key, { locale: ctx.locale });
        var run = function () { return stripe.confirmCardPayment(clientSecret); };
        return dlg ? dlg.aside(run) : run();
      });
    };

    function updateCard(sub, opener) {
      var portal = ctx.state.portal;
      var dlg = parts.dialogs.openDialog(ctx, { title: t("Update card"), opener: opener });
      var labelId = dom.uid("wsp-card-label");
      var mountPoint = h("div", { class: "wsp-card-element", role: "group", "aria-labelledby": labelId });
      var status = h("p", { class: "wsp-muted", role: "status", text: t("Loading…") });
      var card = null;
      var stripe = null;
      var clientSecret = null;
      var loaded = false;
      dlg.step([h("p", { class: "wsp-field-label", id: labelId, text: t("Card details") }), mountPoint,
        status, h("p", { class: "wsp-hint", text: t("Your card details are sent securely to Stripe.") })],
      [{ text: t("Cancel"), variant: "secondary", onClick: dlg.close },
        { text: t("Save card"), variant: "primary", submit: true, onClick: save }]);
      dlg.onClose(function () { if (card && card.destroy) card.destroy(); });

      Promise.all([loadStripe(portal.stripe && portal.stripe.js_url),
        ctx.api.post("/v1/portal/payment_method/setup_intent", {},
          { idempotencyKey: "portal-setup-intent-" + dlg.nonce })]).then(function (results) {
        if (!dlg.isOpen()) return;
        var key = results[1].publishable_key || portal.stripe.publishable_key;
        if (!key) throw new Error("no publishable key");
        stripe = results[0](key, { locale: ctx.locale });
        clientSecret = results[1].client_secret;
        card = stripe.elements({ locale: ctx.locale }).create("card", { hidePostalCode: false });
        card.mount(mountPoint);
        if (card.on) {
          card.on("change", function (event) { dlg.error(event.error ? event.error.message : null); });
        }
        status.hidden = true;
        loaded = true;
      }).catch(function (error) {
        status.hidden = true;
        dlg.error(error && error.status !== undefined ? ctx.errorMessage(error)
          : t("The card form could not be loaded. Please try again later."));
        ctx.emit("error", { event: "update_card", code: "stripe_js_unavailable",
          message: t("The card form could not be loaded. Please try again later.") });
      });

      function save() {
        if (!loaded) return;
        dlg.busy(true);
        dlg.error(null);
        ctx.emit("pre_update_card", {}).then(function (allowed) {
          if (!allowed) { dlg.busy(false); dlg.close(); return null; }
          var customer = portal.customer || {};
          return dlg.aside(function () {
            return stripe.confirmCardSetup(clientSecret, { payment_method: { card: card,
              billing_details: { name: customer.name || undefined,
                email: customer.email || undefined } } });
          }).then(function (result) {
              if (result.error) {
                dlg.busy(false);
                dlg.error(result.error.message || t("Your card could not be saved."));
                ctx.emit("error", { event: "update_card", code: result.error.code || "card_error",
                  message: result.error.message });
                return null;
              }
              return ctx.perform({ event: "update_card", pre: false, dialog: dlg,
                path: "/v1/portal/payment_method",
                body: { payment_method: result.setupIntent.payment_method } });
            });
        }).catch(function () {
          dlg.busy(false);
          dlg.error(t("Your card could not be saved."));
        });
      }
    }

    function countrySelect(current) {
      var names = COUNTRIES.map(function (code) {
        return { code: code, name: parts.render.countryName(ctx, code) };
      }).sort(function (a, b) { return a.name.localeCompare(b.name, ctx.locale); });
      return h("select", { class: "wsp-input", autocomplete: "country" },
        h("option", { value: "", text: "\u2014" }),
        names.map(function (c) {
          return h("option", { value: c.code, text: c.name, selected: c.code === current });
        }));
    }

    function updateCustomer(sub, opener) {
      var dlg = parts.dialogs.openDialog(ctx, { title: t("Billing details"), opener: opener });
      var customer = ctx.state.portal.customer || {};
      var address = customer.address || {};
      function input(type, value, autocomplete, extra) {
        var props = { type: type, class: "wsp-input", value: value || "", autocomplete: autocomplete };
        for (var key in extra || {}) props[key] = extra[key];
        return h("input", props);
      }
      var fields = {
        name: input("text", customer.name, "name", { maxlength: "256" }),
        email: input("email", customer.email, "email",
          { required: true, maxlength: "512", dir: "ltr" }),
        phone: input("tel", customer.phone, "tel", { maxlength: "20", dir: "ltr" }),
        line1: input("text", address.line1, "address-line1", { maxlength: "200" }),
        line2: input("text", address.line2, "address-line2", { maxlength: "200" }),
        postal_code: input("text", address.postal_code, "postal-code", { maxlength: "20" }),
        city: input("text", address.city, "address-level2", { maxlength: "200" }),
        state: input("text", address.state, "address-level1", { maxlength: "200" }),
        country: countrySelect(address.country)
      };
      var taxList = h("ul", { class: "wsp-tax-list" });
      var taxType = h("select", { class: "wsp-input", "aria-label": t("Tax ID type") },
        TAX_ID_TYPES.map(function (type) { return h("option", { value: type, text: taxTypeLabel(type) }); }));
      var taxValue = h("input", { type: "text", class: "wsp-input", maxlength: "50",
        "aria-label": t("Tax ID"), placeholder: t("Tax ID") });

      function drawTaxIds() {
        var ids = (ctx.state.portal.customer || {}).tax_ids || [];
        dom.replaceChildren(taxList, ids.map(function (tax) {
          return h("li", {}, h("span", { text: tax.value + " \u00b7 " + taxTypeLabel(tax.type) }),
            dom.button(t("Remove"), function () {
              ctx.perform({ event: "update_customer", method: "DELETE", dialog: dlg, keepOpen: true,
                path: "/v1/portal/customer/tax_ids/" + encodeURIComponent(tax.id),
                payload: { remove_tax_id: tax.id } }).then(function (result) {
                if (result) drawTaxIds();
              });
            }, "link", { "aria-label": t("Remove tax ID %(value)s", { value: tax.value }) }));
        }));
      }

      function addTaxId() {
        if (!taxValue.value.trim()) return;
        var body = { type: taxType.value, value: taxValue.value.trim() };
        ctx.perform({ event: "update_customer", dialog: dlg, keepOpen: true, body: body,
          path: "/v1/portal/customer/tax_ids", payload: { add_tax_id: body } }).then(function (result) {
          if (result) { taxValue.value = ""; drawTaxIds(); }
        });
      }

      drawTaxIds();
      dlg.step([
        dom.field(t("Name"), fields.name), dom.field(t("Email"), fields.email),
        dom.field(t("Phone"), fields.phone),
        h("fieldset", { class: "wsp-fieldset wsp-address" }, h("legend", { text: t("Address") }),
          dom.field(t("Address line 1"), fields.line1), dom.field(t("Address line 2"), fields.line2),
          h("div", { class: "wsp-field-row" }, dom.field(t("Postal code"), fields.postal_code),
            dom.field(t("City"), fields.city)),
          h("div", { class: "wsp-field-row" }, dom.field(t("State or region"), fields.state),
            dom.field(t("Country"), fields.country))),
        h("fieldset", { class: "wsp-fieldset" }, h("legend", { text: t("Tax IDs") }), taxList,
          h("div", { class: "wsp-tax-add" }, taxType, taxValue,
            dom.button(t("Add"), addTaxId, "secondary")))
      ], [{ text: t("Cancel"), variant: "secondary", onClick: dlg.close },
        { text: t("Save"), variant: "primary", submit: true, onClick: function () {
          var body = {
            name: fields.name.value.trim(), email: fields.email.value.trim(),
            phone: fields.phone.value.trim(),
            address: { line1: fields.line1.value.trim(), line2: fields.line2.value.trim(),
              city: fields.city.value.trim(), postal_code: fields.postal_code.value.trim(),
              state: fields.state.value.trim(), country: fields.country.value }
          };
          ctx.perform({ event: "update_customer", method: "PATCH", path: "/v1/portal/customer",
            body: body, dialog: dlg });
        } }]);
      taxValue.addEventListener("keydown", function (event) {
        if (event.key === "Enter") { event.preventDefault(); addTaxId(); }
      });
    }

    return { update_card: updateCard, update_customer: updateCustomer };
  }

  parts.accountActions = { flows: flows };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
