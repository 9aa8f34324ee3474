"""The 3-D Secure challenge page the Stripe.js stand-in shows in an iframe over the page.

Like Stripe's, it is a page of its own (here on the sandbox's origin) framed on top of the
merchant's page. Its two buttons report the outcome to the sandbox, then tell the framing page
over ``postMessage`` (only the intent id and the outcome; the stand-in re-reads the intent).
The client secret travels in the URL fragment, which is never sent to a server.
"""

from __future__ import annotations

from flask import Blueprint, Response, render_template_string

_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<title>3D Secure authentication (test)</title>
<style>
body{margin:0;font:16px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1a1f36;
background:#fff}
main{padding:1.5rem 1.5rem 1.25rem}
.bank{display:flex;align-items:center;gap:.6rem;margin-bottom:1rem;font-weight:600}
.logo{width:2rem;height:2rem;border-radius:.4rem;background:#635bff;color:#fff;display:flex;
align-items:center;justify-content:center;font-size:.8rem}
h1{font-size:1.15rem;margin:0 0 .5rem}
p{margin:0 0 1rem;color:#425466}
.actions{display:flex;gap:.6rem;flex-wrap:wrap}
button{font:inherit;border-radius:.45rem;padding:.6rem 1rem;cursor:pointer;border:1px solid #c7cdd6;
background:#fff;color:#1a1f36}
button.primary{background:#635bff;border-color:#635bff;color:#fff}
button:focus-visible{outline:3px solid #a5a0ff;outline-offset:2px}
</style></head>
<body><main>
<div class="bank"><span class="logo" aria-hidden="true">3DS</span><span>Test bank</span></div>
<h1>Authenticate this {{ what }}</h1>
<p>This is a test authentication page of the Stripe sandbox. Choose the outcome to
simulate.</p>
<div class="actions">
<button type="button" class="primary" id="complete" autofocus>Complete authentication</button>
<button type="button" id="fail">Fail authentication</button>
</div></main>
<script>
(function () {
  var kind = {{ kind|tojson }}, id = {{ intent_id|tojson }};
  var secret = decodeURIComponent(location.hash.slice(1));
  function finish(outcome) {
    document.getElementById("complete").disabled = true;
    document.getElementById("fail").disabled = true;
    fetch("/_sandbox/" + kind + "/" + encodeURIComponent(id) + "/authenticate", {
      method: "POST", headers: {"Content-Type": "application/json"},
      body: JSON.stringify({client_secret: secret, outcome: outcome})
    }).then(function () {
      parent.postMessage({type: "widget-server-sandbox-3ds", intent: id, outcome: outcome}, "*");
    });
  }
  document.getElementById("complete").addEventListener("click", function () {
    finish("complete");
  });
  document.getElementById("fail").addEventListener("click", function () { finish("fail"); });
})();
</script></body></html>"""


def build_challenge_blueprint() -> Blueprint:
    blueprint = Blueprint("sandbox_challenge", __name__)

    @blueprint.get("/js/v3/authenticate/<intent_id>")
    def challenge(intent_id: str) -> Response:
        kind = "setup_intents" if intent_id.startswith("seti_") else "payment_intents"
        what = "card" if kind == "setup_intents" else "payment"
        page = render_template_string(_PAGE, kind=kind, intent_id=intent_id, what=what)
        response = Response(page, mimetype="text/html")
        response.headers["Cache-Control"] = "no-store"
        return response

    return blueprint
