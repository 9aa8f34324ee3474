"""`widget-server stripe check`: the portal's Stripe calls, run for real, checked for shape.

Every read and write the portal makes runs through the production gateway (`StripeGateway`,
`StripeWriter`) against whatever Stripe the key reaches: Stripe's test mode, or the sandbox in
CI. The run creates its own objects (marked with `metadata[widget_server_check]`), refuses
live keys, records every HTTP exchange, checks each response against the fields the pinned
stripe-python declares, lists the permissions a restricted key lacks, and cleans up.
"""

from __future__ import annotations

import json
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import stripe

from widget_server.billing.catalog import Catalog, MemoryCatalogStore
from widget_server.billing.contract_interval import INTERVAL_STEPS
from widget_server.billing.contract_optional import OPTIONAL_STEPS
from widget_server.billing.contract_steps import STEPS, CheckFailed
from widget_server.billing.errors import BillingError
from widget_server.billing.gateway import StripeGateway
from widget_server.billing.writes import StripeWriter
from widget_server.stripe_schema.endpoints import match_path
from widget_server.stripe_schema.objects import check_response

MARK = "widget_server_check"
LIVE_PREFIXES = ("sk_live_", "rk_live_")
TEST_PREFIXES = ("sk_test_", "rk_test_")


class LiveKeyRefused(ValueError):
    """The check creates and deletes objects: it never runs with a live key."""


@dataclass
class Exchange:
    method: str
    path: str
    status: int
    body: dict[str, Any] | None


class RecordingHttpClient(stripe.RequestsClient):
    """The SDK's own requests client, keeping a copy of every exchange for the shape check."""

    def __init__(self, timeout: float = 30) -> None:
        super().__init__(timeout=timeout)
        self.exchanges: list[Exchange] = []
        self._lock = threading.Lock()

    def request(self, method: str, url: str, headers: Any, post_data: Any = None,
                *args: Any, **kwargs: Any) -> Any:
        content, status, response_headers = super().request(method, url, headers, post_data,
                                                            *args, **kwargs)
        try:
            body = json.loads(content)
        except ValueError:
            body = None
        path = urllib.parse.urlsplit(url).path
        with self._lock:
            self.exchanges.append(Exchange(method.upper(), path, status,
                                           body if isinstance(body, dict) else None))
        return content, status, response_headers

    def since(self, start: int) -> list[Exchange]:
        with self._lock:
            return list(self.exchanges[start:])


@dataclass
class Row:
    """One Stripe call made by one step of the check."""

    step: str
    method: str
    path: str
    status: int
    problems: list[str] = field(default_factory=list)
    # a probe with a made-up id: Stripe's "no such object" proves the permission
    expected_missing: bool = False

    @property
    def ok(self) -> bool:
        answered = 200 <= self.status < 300 or (self.expected_missing
                                                 and self.status in (400, 404))
        return answered and not self.problems


@dataclass
class Report:
    rows: list[Row] = field(default_factory=list)
    failed_steps: list[tuple[str, str]] = field(default_factory=list)  # (step, why)
    missing_permissions: set[str] = field(default_factory=set)
    # the optional settings checked (stripe check --feature), with the steps of each
    features: dict[str, list[str]] = field(default_factory=dict)

    def feature_problems(self, feature: str) -> list[str]:
        """Why an optional setting's calls failed (empty: they all answered as needed)."""
        steps = self.features.get(feature, [])
        found = [p for row in self.rows if row.step in steps for p in row.problems]
        if not found:  # no row names it (a 403 does): the step's own failure
            found = [why for step, why in self.failed_steps if step in steps]
        return list(dict.fromkeys(found))

    @property
    def ok(self) -> bool:
        return not self.failed_steps and not self.missing_permissions and all(
            r.ok for r in self.rows)


def shape_problems(exchange: Exchange) -> list[str]:
    """Fields missing from or not declared for the response, by the SDK's result type."""
    if exchange.body is None or not 200 <= exchange.status < 300:
        return []
    endpoint = match_path(exchange.method, exchange.path)
    if endpoint is None:
        return [f"no stripe-python method calls {exchange.method} {exchange.path}"]
    report = check_response(exchange.body, endpoint.result)
    return [f"missing {p}" for p in report.missing] + [
        f"undeclared {p}" for p in report.undeclared]


def _permission(exchange: Exchange) -> str | None:
    if exchange.status != 403 or exchange.body is None:
        return None
    error = exchange.body.get("error") or {}
    message = str(error.get("message") or "")
    start = message.find("'rak_")
    if start >= 0:
        return message[start + 1:message.index("'", start + 1)]
    segment = exchange.path.removeprefix("/v1/").split("/", 1)[0]
    return f"{segment} {'read' if exchange.method == 'GET' else 'write'}"


class ContractCheck:
    """Runs the steps of `contract_steps.STEPS`, one `Row` per Stripe call."""

    def __init__(self, stripe_key: str, api_base: str | None = None,
                 features: Sequence[str] = ()) -> None:
        if stripe_key.startswith(LIVE_PREFIXES):
            raise LiveKeyRefused("stripe check creates and deletes objects; it refuses live "
                                 "keys. Use a test-mode key (sk_test_… or rk_test_…).")
        if not stripe_key.startswith(TEST_PREFIXES):
            raise LiveKeyRefused("stripe check needs a test-mode secret or restricted key "
                                 "(sk_test_… or rk_test_…).")
        self.http = RecordingHttpClient()
        self.client = stripe.StripeClient(
            stripe_key, base_addresses={"api": api_base} if api_base else None,
            max_network_retries=1, http_client=self.http)
        catalog = Catalog(self.client, MemoryCatalogStore(), cache_key=secrets.token_hex(8),
                          ttl_seconds=0)
        self.gateway = StripeGateway(self.client, catalog)
        self.writer = StripeWriter(self.client, catalog)
        self.run_id = secrets.token_hex(6)
        self.mark = {MARK: self.run_id}
        self.report = Report()
        self.state: dict[str, Any] = {}
        self.cleanups: list[tuple[str, Callable[[], object]]] = []
        unknown = [f for f in features if f not in OPTIONAL_STEPS]
        if unknown:
            raise ValueError(f"no optional calls for {', '.join(unknown)}")
        self.features = list(dict.fromkeys(features))
        self._missing_from: int | None = None
        self._expected_missing: set[int] = set()  # indexes in self.http.exchanges

    def expect_missing(self, expected: bool = True) -> None:
        """The calls until ``expect_missing(False)`` use a made-up id: "no such object" is
        their right answer."""
        if expected:
            self._missing_from = len(self.http.exchanges)
        elif self._missing_from is not None:
            self._expected_missing.update(range(self._missing_from, len(self.http.exchanges)))
            self._missing_from = None

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        start = len(self.http.exchanges)
        try:
            yield
        except (BillingError, stripe.StripeError, LookupError, CheckFailed) as exc:
            self.report.failed_steps.append((name, _why(exc)))
        finally:
            for index, exchange in enumerate(self.http.since(start), start):
                row = Row(name, exchange.method, exchange.path, exchange.status,
                          shape_problems(exchange),
                          expected_missing=index in self._expected_missing)
                permission = _permission(exchange)
                if permission:
                    self.report.missing_permissions.add(permission)
                    row.problems.append(f"needs {permission}")
                self.report.rows.append(row)

    def on_cleanup(self, name: str, undo: Callable[[], object]) -> None:
        self.cleanups.append((name, undo))

    def run(self) -> Report:
        steps = list(STEPS) + INTERVAL_STEPS
        for feature in self.features:
            optional = OPTIONAL_STEPS[feature]
            self.report.features[feature] = [name for name, _action in optional]
            steps += optional
        try:
            for name, action in steps:
                with self.step(name):
                    action(self)
        finally:
            for name, undo in reversed(self.cleanups):
                with self.step(f"cleanup: {name}"):
                    try:
                        undo()
                    except stripe.InvalidRequestError as exc:
                        if exc.http_status != 404:  # already gone is fine
                            raise
        return self.report


def _why(exc: BaseException) -> str:
    if isinstance(exc, BillingError):
        return f"{type(exc).__name__}: {getattr(exc, 'stripe_message', None) or exc}"
    if isinstance(exc, stripe.StripeError):
        return f"{type(exc).__name__}: {exc.user_message or exc}"
    return f"{type(exc).__name__}: {exc}"


def format_report(report: Report) -> str:
    """The table `widget-server stripe check` prints: one row per Stripe call."""
    lines = [f"{'step':<34} {'call':<52} {'status':>6}  result"]
    for row in report.rows:
        call = f"{row.method} {row.path}"
        result = ("ok" if row.ok and not row.expected_missing
                  else "ok (no such object: the key may read it)" if row.ok
                  else "; ".join(row.problems) or "error")
        lines.append(f"{row.step[:34]:<34} {call[:52]:<52} {row.status:>6}  {result}")
    calls, good = len(report.rows), sum(1 for r in report.rows if r.ok)
    lines.append("")
    endpoints = {e.key for r in report.rows if (e := match_path(r.method, r.path))}
    lines.append(f"{good} of {calls} calls ok, {len(endpoints)} distinct endpoints")
    for step, why in report.failed_steps:
        lines.append(f"FAILED {step}: {why}")
    if report.missing_permissions:
        lines.append("The key lacks these permissions: "
                     + ", ".join(sorted(report.missing_permissions)))
    for feature in report.features:
        problems = report.feature_problems(feature)
        lines.append(f"{feature}: " + ("its calls work with this key" if not problems else
                                       "its calls fail with this key (" + "; ".join(problems)
                                       + "); the portal would show an error in its place"))
    lines.append("PASSED" if report.ok else "FAILED")
    return "\n".join(lines)
