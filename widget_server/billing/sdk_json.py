"""A Stripe GET whose body is returned as plain JSON, parsed once, as cheaply as possible.

``StripeClient.raw_request`` parses every body with ``json.loads(..., object_pairs_hook=
OrderedDict)``: twice the CPU of a plain ``json.loads``, which on the portal's largest read
(a page of subscriptions with their invoices expanded, ~480 KB) is the biggest single cost
of a view. ``get_json`` sends the request through the same client's requestor (so its key,
API version, retries, headers and telemetry are exactly ``raw_request``'s), parses a 2xx
body with orjson (about 3 times faster again than plain ``json.loads``), and hands anything
else to the SDK's own response interpretation, which raises the same ``stripe.StripeError``
as the typed calls.

The subscription pages go one step further: ``billing/wire.py`` lists the keys a view reads,
and msgspec builds only those (a 50-subscription page: about a third of the objects, ~1.7
times faster to parse, and less for the collector to walk).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from typing import Any

import msgspec
import orjson
import stripe

from widget_server.billing.wire import Decoder

JSON = dict[str, Any]
log = logging.getLogger(__name__)
_misfits: set[tuple[object, str]] = set()  # (shape, where) misfits already logged


def get_json(client: stripe.StripeClient, path: str, params: Mapping[str, object],
             decoder: Decoder | None = None) -> JSON:
    """`decoder`: one of ``wire``'s, which builds only the keys the caller reads (a body that
    does not fit its shape is parsed in full instead, so a change on Stripe's side costs CPU,
    never a view)."""
    requestor: Any = client._requestor  # pinned stripe-python: what raw_request itself uses
    body, code, headers = requestor.request_raw(
        "get", path, params=dict(params), options={}, base_address="api", api_mode="V1",
        usage=["raw_request"])
    if 200 <= code < 300:
        found = _parse(body, decoder)
        if isinstance(found, dict):
            return found
    # an error status (or a body that is not an object): the SDK's own interpretation raises
    response = requestor._interpret_response(body, code, headers, "V1")
    data: JSON = response.data
    return data


def _parse(body: bytes | str, decoder: Decoder | None) -> object:
    if decoder is not None:
        try:
            return decoder.decode(body)
        except msgspec.ValidationError as exc:
            found = _full(body)
            if isinstance(found, dict):  # a misfit, not a body that is no object at all
                _say_misfit(decoder, exc)
            return found
        except msgspec.DecodeError:
            return None
    return _full(body)


def _full(body: bytes | str) -> object:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def _say_misfit(decoder: Decoder, exc: msgspec.ValidationError) -> None:
    """Once per shape and place per process (every page would say the same), at WARNING;
    every time at DEBUG."""
    place = re.search(r"at `([^`]*)`", str(exc))
    where = re.sub(r"\[\d+\]", "[]", place.group(1) if place else str(exc))  # any item
    key = (decoder.type, where)
    if key in _misfits:
        log.debug("a Stripe answer did not fit the pruned shape of %s (%s)", decoder.type, exc)
        return
    _misfits.add(key)
    log.warning("a Stripe answer did not fit the pruned shape of %s (%s); such answers are "
                "parsed in full", decoder.type, exc)
