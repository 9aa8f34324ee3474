/* widget-server portal: DOM and text helpers shared by the other portal scripts.
 *
 * Everything Stripe-sourced is untrusted: nodes are built with createElement/textContent,
 * never innerHTML, and links are kept only when they are http(s) URLs.
 */
(function (parts) {
  "use strict";

  var PROPERTY_KEYS = { value: true, checked: true, disabled: true, hidden: true, selected: true };

  /** h("button", {class: "x", on: {click: fn}, "aria-label": "…"}, child, [children], "text") */
  function h(tag, props) {
    var node = document.createElement(tag);
    var key, value;
    props = props || {};
    for (key in props) {
      if (!Object.prototype.hasOwnProperty.call(props, key)) continue;
      value = props[key];
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key === "text") node.textContent = String(value);
      else if (key === "on") {
        for (var name in value) node.addEventListener(name, value[name]);
      } else if (key === "style") {
        for (var prop in value) node.style.setProperty(prop, value[prop]);
      } else if (PROPERTY_KEYS[key]) node[key] = value;
      else node.setAttribute(key, value === true ? "" : String(value));
    }
    for (var i = 2; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  function append(node, child) {
    if (child === null || child === undefined || child === false) return node;
    if (Array.isArray(child)) {
      child.forEach(function (c) { append(node, c); });
    } else if (typeof child === "string" || typeof child === "number") {
      node.appendChild(document.createTextNode(String(child)));
    } else {
      node.appendChild(child);
    }
    return node;
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
    return node;
  }

  function replaceChildren(node) {
    clear(node);
    for (var i = 1; i < arguments.length; i++) append(node, arguments[i]);
    return node;
  }

  /** Keep only absolute http(s) URLs (Stripe's hosted invoice pages, PDFs, logos). */
  function safeUrl(url) {
    if (typeof url !== "string") return null;
    return /^https?:\/\//i.test(url) ? url : null;
  }

  /** A link that opens in a new tab without giving the new page a handle on this one. */
  function externalLink(url, text, label) {
    var href = safeUrl(url);
    if (!href) return null;
    return h("a", { href: href, target: "_blank", rel: "noopener noreferrer", "aria-label": label },
      text);
  }

  /** t(msgid, {name: value}): the translated string (English msgid fallback), %(name)s filled. */
  function translator(strings) {
    strings = strings || {};
    return function t(msgid, vars) {
      var text = Object.prototype.hasOwnProperty.call(strings, msgid) && strings[msgid]
        ? strings[msgid] : msgid;
      if (!vars) return text;
      return text.replace(/%\((\w+)\)s/g, function (match, name) {
        return Object.prototype.hasOwnProperty.call(vars, name) && vars[name] !== null &&
          vars[name] !== undefined ? String(vars[name]) : match;
      });
    };
  }

  /**
   * A name, date, range or amount from Stripe or the owner, set in a sentence: the <bdi> keeps
   * it in its own direction, so in Arabic "Team" and "28/11/2026 – 28/12/2026" stay whole.
   */
  function isolate(value) {
    return h("bdi", { text: value === null || value === undefined ? "" : String(value) });
  }

  /** sentence(t(msgid), vars): the translated sentence as nodes (text, never markup), each
   *  variable isolated (a node passed as a variable is used as it is). */
  function sentence(template, vars) {
    template = String(template);
    var out = [];
    var last = 0;
    template.replace(/%\((\w+)\)s/g, function (match, name, offset) {
      var value = Object.prototype.hasOwnProperty.call(vars, name) ? vars[name] : null;
      out.push(template.slice(last, offset));
      out.push(value === null || value === undefined ? match
        : value.nodeType ? value : isolate(value));
      last = offset + match.length;
      return match;
    });
    out.push(template.slice(last));
    return out.filter(function (part) { return part !== ""; });
  }

  /**
   * Server text whose values are wrapped in Unicode isolates (FSI ... PDI, see
   * portal/previews.py) as nodes: each isolate becomes a <bdi>, so it also wraps as one unit.
   */
  function bidiText(text) {
    var stack = [[]];
    String(text || "").split(/([\u2068\u2069])/).forEach(function (part) {
      if (part === "\u2068") {
        stack.push([]);
      } else if (part === "\u2069" && stack.length > 1) {
        var inner = append(h("bdi"), stack.pop());
        // like FSI: the first strong letter decides, nested isolates included (else ltr)
        var strong = /[A-Za-z\u00c0-\u02af\u0370-\u058f\u200e\u0590-\u08ff\u200f\u3040-\u9fff]/
          .exec(inner.textContent);
        inner.dir = strong && /[\u0590-\u08ff\u200f]/.test(strong[0]) ? "rtl" : "ltr";
        stack[stack.length - 1].push(inner);
      } else if (part && part !== "\u2069") {
        stack[stack.length - 1].push(part);
      }
    });
    while (stack.length > 1) { // an isolate left open: keep its text
      var rest = stack.pop();
      stack[stack.length - 1].push(append(h("bdi"), rest));
    }
    return stack[0];
  }

  /** A date for a Unix timestamp, in the portal's locale (used when the server sent none). */
  function formatDate(timestamp, locale) {
    if (!timestamp) return "";
    var date = new Date(timestamp * 1000);
    try {
      return new Intl.DateTimeFormat(locale || undefined, { dateStyle: "medium", timeZone: "UTC" })
        .format(date);
    } catch (e) {
      return date.toISOString().slice(0, 10);
    }
  }

  var counter = 0;
  function uid(prefix) {
    counter += 1;
    return (prefix || "wsp") + "-" + counter + "-" + Math.random().toString(36).slice(2, 7);
  }

  /** A random nonce for idempotency keys: one per opened dialog, reused by its retries. */
  function nonce() {
    if (window.crypto && window.crypto.randomUUID) return window.crypto.randomUUID();
    var bytes = new Uint8Array(16);
    window.crypto.getRandomValues(bytes);
    return Array.prototype.map.call(bytes, function (b) {
      return ("0" + b.toString(16)).slice(-2);
    }).join("");
  }

  /** A labelled form field: label + control (+ optional hint), wired with for/id. */
  function field(label, control, hint) {
    var id = control.id || uid("field");
    control.id = id;
    var hintNode = null;
    if (hint) {
      hintNode = h("p", { class: "wsp-hint", id: id + "-hint", text: hint });
      control.setAttribute("aria-describedby", id + "-hint");
    }
    return h("div", { class: "wsp-field" }, h("label", { for: id, text: label }), control, hintNode);
  }

  function button(text, onClick, variant, extra) {
    var props = { type: "button", class: "wsp-btn" + (variant ? " wsp-btn-" + variant : ""),
      text: text, on: onClick ? { click: onClick } : null };
    for (var key in extra || {}) props[key] = extra[key];
    return h("button", props);
  }

  /** Marks a string for translation where it is defined (t() translates it where shown). */
  function N_(msgid) { return msgid; }

  parts.dom = {
    h: h, append: append, clear: clear, replaceChildren: replaceChildren, safeUrl: safeUrl,
    externalLink: externalLink, translator: translator, formatDate: formatDate, uid: uid,
    nonce: nonce, field: field, button: button, N_: N_, isolate: isolate, sentence: sentence,
    bidiText: bidiText
  };
})(window.WidgetServerPortalParts = window.WidgetServerPortalParts || {});
