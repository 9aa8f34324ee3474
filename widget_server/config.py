"""Every setting of the service, declared once: name, default, help.

Settings come from the environment (``WIDGET_SERVER_*``, ``DATABASE_URL``, ``REDIS_URL``) or
from a mapping passed to ``create_app``. The README's configuration table is checked against
this declaration by a test, so a setting cannot go undocumented.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any


class ConfigError(ValueError):
    """A setting is missing or malformed; the message says which and how to fix it."""


def _to_bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off", ""}:
        return False
    raise ValueError(f"expected true/false, got {raw!r}")


def _to_int(raw: str) -> int:
    return int(raw.strip())


def _to_list(raw: str) -> list[str]:
    return [part.strip() for part in raw.split(",") if part.strip()]


@dataclass(frozen=True)
class Setting:
    """One configuration setting: the Flask config key, its env variable, type and help."""

    key: str
    env: str
    default: Any
    help: str
    parse: Callable[[str], Any] = str
    secret: bool = False


def _to_security(raw: str) -> str:
    value = raw.strip().lower()
    if value not in {"starttls", "ssl", "none"}:
        raise ValueError(f"expected starttls, ssl or none, got {raw!r}")
    return value


# The sign-in codes of the login and profile pages (widget_server/login, docs/login.md).
LOGIN_SETTINGS: tuple[Setting, ...] = (
    Setting("SMTP_HOST", "WIDGET_SERVER_SMTP_HOST", None,
            "SMTP server that sends sign-in codes (login and profile pages). Unset: those "
            "pages are unavailable and owners cannot turn `login_page` on."),
    Setting("SMTP_PORT", "WIDGET_SERVER_SMTP_PORT", 587, "SMTP server port (587 with "
            "STARTTLS, 465 with SSL).", parse=_to_int),
    Setting("SMTP_SECURITY", "WIDGET_SERVER_SMTP_SECURITY", "starttls",
            "`starttls` (upgrade the connection, certificate checked), `ssl` (TLS from the "
            "start) or `none` (plain text: a relay on the same machine only).",
            parse=_to_security),
    Setting("SMTP_USERNAME", "WIDGET_SERVER_SMTP_USERNAME", None,
            "SMTP login; unset: no authentication."),
    Setting("SMTP_PASSWORD", "WIDGET_SERVER_SMTP_PASSWORD", None, "SMTP password.",
            secret=True),
    Setting("SMTP_FROM", "WIDGET_SERVER_SMTP_FROM", None,
            "The From address of sign-in emails (`Billing <billing@example.com>`); required "
            "with SMTP_HOST."),
    Setting("SMTP_TIMEOUT", "WIDGET_SERVER_SMTP_TIMEOUT", 15,
            "Seconds before a connection to the SMTP server times out.", parse=_to_int),
    Setting("LOGIN_CODE_TTL", "WIDGET_SERVER_LOGIN_CODE_TTL", 600,
            "Lifetime in seconds of an emailed sign-in code.", parse=_to_int),
    Setting("LOGIN_CODE_ATTEMPTS", "WIDGET_SERVER_LOGIN_CODE_ATTEMPTS", 5,
            "Wrong entries a sign-in code survives; then it is void.", parse=_to_int),
    Setting("RATELIMIT_LOGIN_CODE_EMAIL", "WIDGET_SERVER_RATELIMIT_LOGIN_CODE_EMAIL",
            "5 per 15 minutes",
            "Sign-in codes requested per email address and page (known or not)."),
    Setting("RATELIMIT_LOGIN_CODE_IP", "WIDGET_SERVER_RATELIMIT_LOGIN_CODE_IP",
            "20 per 15 minutes",
            "Sign-in code requests and code entries per client IP on the login and profile "
            "pages."),
    Setting("RATELIMIT_LOGIN_CODE_FAILURES", "WIDGET_SERVER_RATELIMIT_LOGIN_CODE_FAILURES",
            "10 per hour",
            "Wrong sign-in codes per email address and page, whatever the code and the IP (a "
            "new code does not reset it); then even a right code is refused until the window "
            "passes."),
    Setting("PROFILE_PAGE", "WIDGET_SERVER_PROFILE_PAGE", False,
            "Serve `/profile`: a customer signs in by emailed code and sees their "
            "subscriptions in every account that turned `shared_profile` on.",
            parse=_to_bool),
)


SETTINGS: tuple[Setting, ...] = (
    Setting("ENV", "WIDGET_SERVER_ENV", "production",
            "`production`, `development` or `demo`. Production refuses to start without "
            "SECRET_KEY and ENCRYPTION_KEYS."),
    Setting("SECRET_KEY", "WIDGET_SERVER_SECRET_KEY", None,
            "Signs portal tokens and dashboard sessions. At least 32 characters.", secret=True),
    Setting("ENCRYPTION_KEYS", "WIDGET_SERVER_ENCRYPTION_KEYS", None,
            "Comma-separated Fernet keys that encrypt Stripe keys and HMAC secrets at rest; "
            "the first encrypts, all decrypt. Generate one with `widget-server keys generate`. "
            "To retire a key: prepend a new one, run `widget-server keys rotate` (re-encrypts "
            "every stored secret under the first key), then remove the old one.",
            parse=_to_list, secret=True),
    Setting("DATABASE_URL", "DATABASE_URL", None,
            "SQLAlchemy URL. Default: SQLite in the instance folder. For production: "
            "`postgresql+psycopg://user:pass@host/db`."),
    Setting("REDIS_URL", "REDIS_URL", None,
            "Redis for rate limits and shared caches when running several instances. "
            "Default: in-process memory."),
    Setting("STRIPE_API_BASE", "WIDGET_SERVER_STRIPE_API_BASE", None,
            "Override Stripe's API address (e.g. a local Stripe emulator). Leave unset in "
            "production."),
    Setting("STRIPE_JS_URL", "WIDGET_SERVER_STRIPE_JS_URL", "https://js.stripe.com/v3/",
            "Where the portal loads Stripe.js from (the sandbox serves a stand-in)."),
    Setting("STRIPE_TIMEOUT", "WIDGET_SERVER_STRIPE_TIMEOUT", 20,
            "Seconds before a Stripe request times out.", parse=_to_int),
    Setting("STRIPE_MAX_RETRIES", "WIDGET_SERVER_STRIPE_MAX_RETRIES", 2,
            "Automatic retries of failed Stripe requests (idempotent ones only).", parse=_to_int),
    Setting("CATALOG_CACHE_SECONDS", "WIDGET_SERVER_CATALOG_CACHE_SECONDS", 300,
            "How long an account's product/price catalog is cached.", parse=_to_int),
    Setting("VIEW_CACHE_SECONDS", "WIDGET_SERVER_VIEW_CACHE_SECONDS", 900,
            "Longest a customer's portal view snapshot is kept (accounts with a Stripe webhook "
            "only; webhooks and our own writes replace it sooner). 0 turns snapshots off.",
            parse=_to_int),
    Setting("VIEW_CACHE_SIZE", "WIDGET_SERVER_VIEW_CACHE_SIZE", 2000,
            "Most view snapshots one process keeps in memory (least recently used dropped "
            "first); with REDIS_URL they live in Redis instead, shared by every instance.",
            parse=_to_int),
    Setting("WEBHOOK_SECRET_OVERLAP", "WIDGET_SERVER_WEBHOOK_SECRET_OVERLAP", 86400,
            "Seconds the previous Stripe webhook signing secret is still accepted after a new "
            "one is set (Stripe signs with both while it rolls a secret).", parse=_to_int),
    Setting("CATALOG_CACHE_MAX_ACCOUNTS", "WIDGET_SERVER_CATALOG_CACHE_MAX_ACCOUNTS", 1000,
            "Most accounts whose catalog is cached (in each process, or in Redis when "
            "`REDIS_URL` is set); the least recently used is dropped first. About 64 KiB "
            "each.", parse=_to_int),
    Setting("PORTAL_TOKEN_TTL", "WIDGET_SERVER_PORTAL_TOKEN_TTL", 3600,
            "Lifetime in seconds of a portal token issued to the embedded portal.", parse=_to_int),
    Setting("HOSTED_SESSION_TTL", "WIDGET_SERVER_HOSTED_SESSION_TTL", 300,
            "Lifetime in seconds of a one-time hosted portal URL.", parse=_to_int),
    Setting("SECRET_ROTATION_OVERLAP", "WIDGET_SERVER_SECRET_ROTATION_OVERLAP", 86400,
            "Seconds the previous HMAC secret keeps working after a rotation.", parse=_to_int),
    Setting("REVOKE_TOKENS_ON_ROTATION", "WIDGET_SERVER_REVOKE_TOKENS_ON_ROTATION", False,
            "When true, rotating an account's identity secret also ends every portal token "
            "issued before (open portals then need a new session from the page).",
            parse=_to_bool),
    Setting("RATELIMIT_DEFAULT", "WIDGET_SERVER_RATELIMIT_DEFAULT", "300 per minute",
            "Default rate limit per client IP (Flask-Limiter syntax)."),
    Setting("RATELIMIT_SESSION", "WIDGET_SERVER_RATELIMIT_SESSION", "30 per minute",
            "Rate limit per IP for identity checks (`POST /v1/embed/session`)."),
    Setting("RATELIMIT_IDENTITY_FAILURES_IP", "WIDGET_SERVER_RATELIMIT_IDENTITY_FAILURES_IP",
            "10 per minute",
            "Failed identity checks one IP may make; then its identity checks are refused."),
    Setting("RATELIMIT_IDENTITY_FAILURES", "WIDGET_SERVER_RATELIMIT_IDENTITY_FAILURES",
            "5 per minute",
            "Failed identity checks per (account, identifier); then further failures for it "
            "answer 429. A correct hash still works, so nobody can lock a user out."),
    Setting("RATELIMIT_IDENTITY_VERIFIED", "WIDGET_SERVER_RATELIMIT_IDENTITY_VERIFIED",
            "60 per minute",
            "Verified identity checks per (account, identifier): bounds the Stripe calls one "
            "identity's hash can cause."),
    Setting("RATELIMIT_API", "WIDGET_SERVER_RATELIMIT_API", "120 per minute",
            "Requests per account API key and endpoint to the account API (`/v1/account/…`, "
            "`POST /v1/portal_sessions`)."),
    Setting("RATELIMIT_WEBHOOKS", "WIDGET_SERVER_RATELIMIT_WEBHOOKS", "600 per minute",
            "Stripe webhook deliveries accepted per account (`POST /v1/stripe/webhooks/…`); "
            "refused deliveries also count against the sender's RATELIMIT_DEFAULT."),
    Setting("RATELIMIT_LOGIN_FAILURES", "WIDGET_SERVER_RATELIMIT_LOGIN_FAILURES",
            "10 per 15 minutes",
            "Failed dashboard sign-ins per owner email; then sign-ins for it are refused until "
            "the window passes (on top of the per-IP limit)."),
    Setting("TRUSTED_PROXIES", "WIDGET_SERVER_TRUSTED_PROXIES", 0,
            "How many reverse proxies in front of the service to believe about the client "
            "(`X-Forwarded-For`, `-Proto`, `-Host`). Behind one load balancer: 1, or every "
            "client shares the balancer's address and its per-IP limits. 0: the connection's "
            "address.", parse=_to_int),
    Setting("RATELIMIT_ENABLED", "WIDGET_SERVER_RATELIMIT_ENABLED", True,
            "Turn rate limiting off (tests and local development only).", parse=_to_bool),
    Setting("SETUP_CODE", "WIDGET_SERVER_SETUP_CODE", None,
            "The one-time code the dashboard's first-run page asks for before creating the "
            "first owner. Unset: derived from SECRET_KEY; `serve` logs it while no owner exists "
            "and `widget-server owners setup-code` prints it."),
    Setting("PUBLIC_URL", "WIDGET_SERVER_PUBLIC_URL", None,
            "The service's public base URL (`https://portal.example.com`), used in hosted-portal "
            "links and snippets. Required in production, so no link is ever built from a "
            "request's Host header; development and demo fall back to the request."),
    Setting("HSTS_SECONDS", "WIDGET_SERVER_HSTS_SECONDS", 0,
            "When above 0, every response carries `Strict-Transport-Security: max-age=N; "
            "includeSubDomains` (only behind HTTPS; try a small value first).", parse=_to_int),
    Setting("DASHBOARD_URL", "WIDGET_SERVER_DASHBOARD_URL", None,
            "Serve the owner dashboard on its own origin (`https://admin.example.com`, routed "
            "to this service): it then answers only there and the portal pages never do. "
            "Recommended, since every tenant's portal shares the service's origin."),
    Setting("DEFAULT_LOCALE", "WIDGET_SERVER_DEFAULT_LOCALE", "en",
            "Locale used when neither the page nor the browser asks for a supported one."),
    Setting("LOG_LEVEL", "WIDGET_SERVER_LOG_LEVEL", "INFO", "Python logging level."),
    Setting("STRIPE_LOG_LEVEL", "WIDGET_SERVER_STRIPE_LOG_LEVEL", "WARNING",
            "Level of stripe-python's own logger. At INFO it writes two lines per Stripe "
            "call, with request parameters; leave it at WARNING in production."),
    Setting("LOG_FORMAT", "WIDGET_SERVER_LOG_FORMAT", "json",
            "`json` (one object per line, with the request id) or `text`. Secrets, one-time "
            "codes, client secrets and card numbers are redacted and emails masked in both."),
    *LOGIN_SETTINGS,
)

SETTINGS_BY_KEY: dict[str, Setting] = {s.key: s for s in SETTINGS}
MIN_SECRET_KEY_LENGTH = 32


def load_config(
    environ: Mapping[str, str] | None = None, overrides: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Build the config dict: defaults, then environment, then explicit overrides."""
    environ = os.environ if environ is None else environ
    overrides = overrides or {}
    unknown = sorted(set(overrides) - set(SETTINGS_BY_KEY) - _FLASK_PASSTHROUGH)
    if unknown:
        raise ConfigError(f"unknown setting(s): {', '.join(unknown)}")
    config: dict[str, Any] = {}
    for setting in SETTINGS:
        value = setting.default
        raw = environ.get(setting.env)
        if raw is not None and raw != "":
            try:
                value = setting.parse(raw)
            except ValueError as exc:
                raise ConfigError(f"{setting.env} is invalid: {exc}") from None
        if setting.key in overrides:
            value = overrides[setting.key]
        config[setting.key] = value
    for key in _FLASK_PASSTHROUGH & set(overrides):
        config[key] = overrides[key]
    return config


# Flask/extension keys a caller (tests, the demo) may pass straight through.
_FLASK_PASSTHROUGH = {
    "TESTING", "SERVER_NAME", "PREFERRED_URL_SCHEME", "DEMO_PORTAL_ORIGIN", "DEMO_ACCOUNT_ID",
}


_PUBLIC_URL = re.compile(r"\Ahttps?://[A-Za-z0-9.\-\[\]:]+(/[A-Za-z0-9._~\-/]*)?\Z")
_LIMIT_KEYS = ("RATELIMIT_DEFAULT", "RATELIMIT_SESSION", "RATELIMIT_IDENTITY_FAILURES_IP",
               "RATELIMIT_IDENTITY_FAILURES", "RATELIMIT_IDENTITY_VERIFIED",
               "RATELIMIT_LOGIN_FAILURES", "RATELIMIT_API", "RATELIMIT_LOGIN_CODE_EMAIL",
               "RATELIMIT_LOGIN_CODE_IP", "RATELIMIT_LOGIN_CODE_FAILURES")


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def check_settings(config: Mapping[str, Any]) -> None:
    """Refuse malformed values now, in one line, rather than at the first request."""
    from limits import parse_many

    for key in _LIMIT_KEYS:
        try:
            parse_many(str(config[key]))
        except ValueError:
            raise ConfigError(
                f"{SETTINGS_BY_KEY[key].env} is invalid: {config[key]!r} is not a rate limit "
                "like '30 per minute'") from None
    for key in ("PUBLIC_URL", "DASHBOARD_URL"):
        value = config.get(key)
        if value and not _PUBLIC_URL.match(str(value)):
            raise ConfigError(
                f"{SETTINGS_BY_KEY[key].env} is invalid: {value!r} is not a URL like "
                "https://portal.example.com")
    if int(config.get("TRUSTED_PROXIES") or 0) < 0:
        raise ConfigError("WIDGET_SERVER_TRUSTED_PROXIES must be 0 or more")
    if config.get("LOG_FORMAT") not in {"json", "text"}:
        raise ConfigError("WIDGET_SERVER_LOG_FORMAT must be json or text")
    if int(config.get("HSTS_SECONDS") or 0) < 0:
        raise ConfigError("WIDGET_SERVER_HSTS_SECONDS must be 0 or more")
    if int(config.get("CATALOG_CACHE_MAX_ACCOUNTS", 1)) < 1:
        raise ConfigError("WIDGET_SERVER_CATALOG_CACHE_MAX_ACCOUNTS must be 1 or more")
    if str(config.get("STRIPE_LOG_LEVEL", "WARNING")).upper() not in _LOG_LEVELS:
        raise ConfigError("WIDGET_SERVER_STRIPE_LOG_LEVEL must be one of "
                          + ", ".join(_LOG_LEVELS))


def check_production_ready(config: Mapping[str, Any]) -> None:
    """Refuse to run with malformed settings, or in production with missing or weak ones."""
    if config["ENV"] not in {"production", "development", "demo"}:
        raise ConfigError("WIDGET_SERVER_ENV must be production, development or demo")
    check_settings(config)
    if config["ENV"] != "production":
        return
    key = config.get("SECRET_KEY")
    if not key or len(key) < MIN_SECRET_KEY_LENGTH:
        raise ConfigError(
            "WIDGET_SERVER_SECRET_KEY must be set to a random string of at least "
            f"{MIN_SECRET_KEY_LENGTH} characters in production "
            "(generate one: python -c 'import secrets; print(secrets.token_urlsafe(48))')"
        )
    if not config.get("ENCRYPTION_KEYS"):
        raise ConfigError(
            "WIDGET_SERVER_ENCRYPTION_KEYS must be set in production "
            "(generate one: widget-server keys generate)"
        )
    if not config.get("PUBLIC_URL"):
        raise ConfigError(
            "WIDGET_SERVER_PUBLIC_URL must be set in production (e.g. "
            "https://portal.example.com): hosted-portal links are never built from a request's "
            "Host header")


def settings_markdown_table() -> str:
    """The README's configuration table, generated from SETTINGS."""
    rows = ["| variable | default | what it does |", "|---|---|---|"]
    for s in SETTINGS:
        default = "(none)" if s.default is None else f"`{s.default}`"
        rows.append(f"| `{s.env}` | {default} | {s.help} |")
    return "\n".join(rows)
