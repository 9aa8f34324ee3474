// Unit tests of the loader with a tiny fake DOM: `node --test embed/` (also run by pytest).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import vm from "node:vm";

const SOURCE = readFileSync(new URL("./portal.js", import.meta.url), "utf8");
const ORIGIN = "https://portal.example.com";

function fakeNode(tag) {
  return {
    tagName: tag, children: [], style: {}, attrs: {}, textContent: "", parentNode: null,
    appendChild(c) { c.parentNode = this; this.children.push(c); return c; },
    removeChild(c) { this.children = this.children.filter((x) => x !== c); c.parentNode = null; },
    setAttribute(k, v) { this.attrs[k] = v; },
    getBoundingClientRect() { return this.rect || { top: 0, height: 0 }; },
    querySelector(sel) {
      const cls = sel.replace(/^\./, "");
      const walk = (n) => n.children.flatMap((c) => [c, ...walk(c)]);
      return walk(this).find((c) => c.className === cls) || null;
    },
    attachShadow() { this.shadowRoot = fakeNode("#shadow"); this.shadowRoot.replaceChildren = function () { this.children = []; }; return this.shadowRoot; },
  };
}

function load({ response, globals = {}, ids = [] } = {}) {
  const byId = { target: fakeNode("div"), "servicebot-subscription-portal": fakeNode("div") };
  for (const id of ids) byId[id] = fakeNode("div");
  const requests = [];
  const document = {
    readyState: "complete", head: fakeNode("head"),
    currentScript: { src: ORIGIN + "/embed/v1/portal.js" },
    createElement: fakeNode,
    querySelector: (sel) => byId[sel.replace(/^#/, "")] || null,
    getElementById: (id) => byId[id] || null,
    addEventListener() {},
  };
  const window = {
    ...globals, listeners: [], innerHeight: 800, scrolled: [],
    requestAnimationFrame: (fn) => setTimeout(fn, 0),
    scrollBy(x, y) { this.scrolled.push(y); },
    addEventListener(type, fn) { this.listeners.push(fn); },
    removeEventListener(type, fn) { this.listeners = this.listeners.filter((f) => f !== fn); },
  };
  const context = {
    window, document, URL, Promise, JSON, Math, console,
    location: { href: "https://app.example.com/billing", origin: "https://app.example.com" },
    navigator: { languages: ["de-DE", "en"] },
    fetch: (url, init) => {
      requests.push({ url, body: JSON.parse(init.body) });
      const r = response || { status: 200, body: { token: "tok", expires_at: 1, locale: "de" } };
      return Promise.resolve({ ok: r.status < 400, json: () => Promise.resolve(r.body) });
    },
  };
  vm.runInNewContext(SOURCE, context);
  return { window, byId, requests };
}

const tick = () => new Promise((r) => setTimeout(r, 10));

test("the service origin comes from the script's own URL", () => {
  const { window } = load();
  assert.equal(window.WidgetServer.origin, ORIGIN);
});

test("iframe mode posts the identity and never puts the token in a URL", async () => {
  const { window, byId, requests } = load();
  window.WidgetServer.mount("#target", { account: "acct_1", customerId: "cus_1", hash: "h" });
  await tick();
  assert.equal(requests[0].url, ORIGIN + "/v1/embed/session");
  assert.deepEqual(requests[0].body.customer_id, "cus_1");
  assert.deepEqual(requests[0].body.browser_locales, ["de-DE", "en"]);
  const frame = byId.target.children[0];
  assert.equal(frame.src, ORIGIN + "/portal/frame?account=acct_1");
  assert.ok(!frame.src.includes("tok"));
});

test("a refused session shows the server's message as text and emits error", async () => {
  const events = [];
  const message = "<b>We couldn't verify your identity</b>";
  const { window, byId } = load({
    response: { status: 401, body: { error: { code: "identity_rejected", message } } },
  });
  window.WidgetServer.mount("#target", {
    account: "acct_1", email: "a@x", hash: "h", handleResponse: (e) => { events.push(e); },
  });
  await tick();
  const box = byId.target.children.find((c) => c.className === "widget-server-error");
  assert.equal(box.textContent, message); // text, never parsed as HTML
  assert.equal(box.attrs.role, "alert");
  assert.equal(events[0].event, "error");
  assert.equal(events[0].response.code, "identity_rejected");
});

test("messages from another origin or window are ignored; the frame's are handled", async () => {
  const events = [];
  const { window, byId } = load();
  window.WidgetServer.mount("#target", {
    account: "acct_1", email: "a@x", hash: "h", maxHeight: 500,
    handleResponse: (e) => { events.push(e.event); return e.event !== "pre_cancel"; },
  });
  await tick();
  const frame = byId.target.children[0];
  const posted = [];  // plain copies: the loader's objects come from another realm
  frame.contentWindow = {
    postMessage: (msg, target) => posted.push(JSON.parse(JSON.stringify([msg, target]))),
  };
  const send = (data, origin = ORIGIN, source = frame.contentWindow) =>
    window.listeners.forEach((fn) => fn({ data, origin, source }));

  send({ type: "resize", height: 300 }, "https://evil.example");
  send({ type: "resize", height: 300 }, ORIGIN, {});
  assert.notEqual(frame.style.height, "300px");

  send({ type: "ready" });
  assert.deepEqual(posted[0],
    [{ type: "init", token: "tok", locale: "de", debug: false, flow: null }, ORIGIN]);
  send({ type: "resize", height: 9000 });
  assert.equal(frame.style.height, "500px");
  send({ type: "pre_event", id: "7", event: "pre_cancel", response: {} });
  await tick();
  assert.deepEqual(posted.find((m) => m[0].type === "veto_result"),
    [{ type: "veto_result", id: "7", allow: false }, ORIGIN]);
  assert.deepEqual(events, ["pre_cancel"]);
});

test("the frame learns where the host's viewport is and may ask the host to scroll", async () => {
  const { window, byId } = load();
  window.WidgetServer.mount("#target", { account: "acct_1", email: "a@x", hash: "h" });
  await tick();
  const frame = byId.target.children[0];
  frame.rect = { top: 150, height: 1200 };
  const posted = [];
  frame.contentWindow = {
    postMessage: (msg, target) => posted.push(JSON.parse(JSON.stringify([msg, target]))),
  };
  const send = (data, origin = ORIGIN) =>
    window.listeners.forEach((fn) => fn({ data, origin, source: frame.contentWindow }));
  send({ type: "ready" });
  await tick();
  assert.deepEqual(posted.at(-1), [{ type: "viewport", top: -150, height: 800 }, ORIGIN]);

  // the challenge Stripe.js centres in the frame: frame y 456..744 is host y 606..894
  send({ type: "reveal", top: 456, bottom: 744 }, "https://evil.example");
  assert.deepEqual(window.scrolled, []);
  send({ type: "reveal", top: 456, bottom: 744 });
  assert.deepEqual(window.scrolled, [350]); // its middle (750) to the window's middle (400)
  send({ type: "reveal", top: 0, bottom: 300 }); // already in view: no scroll
  assert.deepEqual(window.scrolled, [350]);
});

test("Servicebot settings auto-mount on their element", async () => {
  const { requests, byId } = load({
    globals: { servicebotSettings: { servicebot_id: "acct_old", email: "a@x", hash: "h" } },
  });
  await tick();
  assert.equal(requests[0].body.account, "acct_old");
  assert.equal(requests[0].body.email, "a@x");
  assert.equal(byId["servicebot-subscription-portal"].children.length, 1);
});

test("Billflow settings with billing_page_id mount on #billflow-embed", async () => {
  const { requests, byId } = load({
    globals: { billflowSettings: { billing_page_id: "bf_page", email: "b@x", hash: "h2" } },
    ids: ["billflow-embed"],
  });
  await tick();
  assert.equal(requests.length, 1);
  assert.equal(requests[0].body.account, "bf_page");
  assert.equal(requests[0].body.hash, "h2");
  assert.equal(byId["billflow-embed"].children.length, 1);
});

test("servicebotSettings with billing_page_id and email_hash (Billflow's own snippet)", async () => {
  const { requests, byId } = load({
    globals: { servicebotSettings: { billing_page_id: "bf_2", email: "c@x", email_hash: "h3" } },
    ids: ["billflow-embed"],
  });
  await tick();
  assert.equal(requests[0].body.account, "bf_2");
  assert.equal(requests[0].body.hash, "h3");
  assert.equal(byId["billflow-embed"].children.length, 1);
  assert.equal(byId["servicebot-subscription-portal"].children.length, 0);
});

test("no settings global: nothing mounts by itself", async () => {
  const { requests } = load({ ids: ["billflow-embed"] });
  await tick();
  assert.equal(requests.length, 0);
});

test("unmount removes the frame and stops listening", async () => {
  const { window, byId } = load();
  const handle = window.WidgetServer.mount("#target", { account: "a", email: "e", hash: "h" });
  await tick();
  handle.unmount();
  assert.equal(byId.target.children.length, 0);
  assert.equal(window.listeners.length, 0);
});

test("a deep link's flow goes to the frame; on completion the host goes to the checked URL",
  async () => {
    const flow = { type: "subscription_cancel", subscription: "sub_1", invoice: null,
      after_completion: "redirect", return_url: "https://app.example.com/done" };
    const assigned = [];
    const { window, byId, requests } = load({
      response: { status: 200, body: { token: "tok", expires_at: 1, locale: "de", flow } },
      globals: { location: { assign: (url) => assigned.push(url) } },
    });
    const flowData = { type: "subscription_cancel", subscription_cancel: { subscription: "sub_1" } };
    window.WidgetServer.mount("#target", { account: "acct_1", email: "a@x", hash: "h", flowData });
    await tick();
    assert.deepEqual(requests[0].body.flow_data, flowData);
    const frame = byId.target.children[0];
    const posted = [];
    frame.contentWindow = {
      postMessage: (msg, target) => posted.push(JSON.parse(JSON.stringify([msg, target]))),
    };
    const send = (data) =>
      window.listeners.forEach((fn) => fn({ data, origin: ORIGIN, source: frame.contentWindow }));
    send({ type: "ready" });
    assert.deepEqual(posted[0][0].flow, flow);
    // the event's own URL is ignored: only the one the server returned is followed
    send({ type: "event", event: "flow_completed",
      response: { return_url: "https://evil.example/" } });
    await tick();
    assert.deepEqual(assigned, ["https://app.example.com/done"]);
  });

test("the host may veto a deep link's redirect", async () => {
  const flow = { type: "payment_method_update", after_completion: "redirect",
    return_url: "https://app.example.com/done" };
  const assigned = [];
  const { window, byId } = load({
    response: { status: 200, body: { token: "tok", expires_at: 1, locale: "de", flow } },
    globals: { location: { assign: (url) => assigned.push(url) } },
  });
  window.WidgetServer.mount("#target", { account: "acct_1", email: "a@x", hash: "h",
    flowData: { type: "payment_method_update" }, handleResponse: () => false });
  await tick();
  const frame = byId.target.children[0];
  frame.contentWindow = { postMessage() {} };
  window.listeners.forEach((fn) => fn({ data: { type: "event", event: "flow_completed" },
    origin: ORIGIN, source: frame.contentWindow }));
  await tick();
  assert.deepEqual(assigned, []);
});
