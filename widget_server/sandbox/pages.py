"""Non-API pages: the Stripe.js stand-in and each invoice's hosted page and PDF."""

from __future__ import annotations

import time
from importlib import resources

from flask import Blueprint, Response, abort, render_template_string

from widget_server.sandbox.api import store_of_app
from widget_server.sandbox.render import render

_HOSTED = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Invoice {{ inv.number or inv.id }}</title>
<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
table{width:100%;border-collapse:collapse}td,th{padding:.4rem;border-bottom:1px solid #ddd;
text-align:left}td.n{text-align:right}</style></head>
<body><h1>Invoice {{ inv.number or inv.id }}</h1>
<p>Status: <strong>{{ inv.status }}</strong> · Issued {{ issued }}
 · {{ inv.customer_email or inv.customer }}</p>
<table><thead><tr><th>Description</th><th>Qty</th><th class="n">Amount</th></tr></thead>
<tbody>{% for line in inv.lines.data %}<tr><td>{{ line.description }}</td>
<td>{{ line.quantity }}</td><td class="n">{{ money(line.amount) }}</td></tr>{% endfor %}
</tbody></table>
<p>Subtotal {{ money(inv.subtotal) }} · Total {{ money(inv.total) }}
 · Amount due {{ money(inv.amount_due) }} · Paid {{ money(inv.amount_paid) }}</p>
<p><a href="{{ inv.invoice_pdf }}">Download PDF</a></p></body></html>"""


def _money(amount: int, currency: str) -> str:
    sign = "-" if amount < 0 else ""
    return f"{sign}{abs(amount) // 100}.{abs(amount) % 100:02d} {currency.upper()}"


def minimal_pdf(lines: list[str]) -> bytes:
    """A small, valid one-page PDF showing `lines` of ASCII text."""
    def escape(text: str) -> str:
        text = text.encode("ascii", "replace").decode()
        return text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")

    stream = "BT /F1 12 Tf 72 760 Td 16 TL " + " ".join(
        f"({escape(line)}) '" for line in lines) + " ET"
    objects = [
        "<< /Type /Catalog /Pages 2 0 R >>",
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        "/Resources << /Font << /F1 5 0 R >> >> >>",
        f"<< /Length {len(stream)} >>\nstream\n{stream}\nendstream",
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n{body}\nendobj\n".encode()
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    for offset in offsets:
        out += f"{offset:010d} 00000 n \n".encode()
    out += (f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n").encode()
    return bytes(out)


def build_pages_blueprint() -> Blueprint:
    blueprint = Blueprint("sandbox_pages", __name__)

    @blueprint.get("/js/v3/")
    @blueprint.get("/js/v3/stripe.js")
    def stripe_js() -> Response:
        source = resources.files("widget_server.sandbox").joinpath("static/stripe.js")
        response = Response(source.read_text(encoding="utf-8"),
                            mimetype="application/javascript")
        response.headers["Cache-Control"] = "no-cache"
        return response

    def invoice_json(invoice_id: str) -> dict[str, object]:
        store = store_of_app()
        with store.lock:
            invoice = store.get("invoice", invoice_id)
            if invoice is None or invoice["status"] == "draft":
                abort(404)
            return render(store, "invoice", invoice)

    @blueprint.get("/invoices/<invoice_id>")
    def hosted_invoice(invoice_id: str) -> str:
        inv = invoice_json(invoice_id)
        currency = str(inv["currency"])
        return render_template_string(
            _HOSTED, inv=inv, issued=time.strftime("%Y-%m-%d", time.gmtime(int(
                str(inv["created"])))), money=lambda a: _money(int(a), currency))

    @blueprint.get("/invoices/<invoice_id>/pdf")
    def invoice_pdf(invoice_id: str) -> Response:
        inv = invoice_json(invoice_id)
        currency = str(inv["currency"])
        lines = [f"Invoice {inv['number']}", f"Status: {inv['status']}",
                 f"Customer: {inv.get('customer_email') or inv['customer']}", ""]
        lines += [f"{line['description']}: {_money(int(line['amount']), currency)}"
                  for line in inv["lines"]["data"]]  # type: ignore[index]
        lines += ["", f"Total: {_money(int(str(inv['total'])), currency)}",
                  f"Amount due: {_money(int(str(inv['amount_due'])), currency)}"]
        response = Response(minimal_pdf(lines), mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{inv["number"]}.pdf"'
        return response

    return blueprint
