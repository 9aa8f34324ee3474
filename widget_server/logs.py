"""Structured logs: one JSON object per line, with the request id, and nothing secret in them.

Every record passes through ``redact`` on its way out, whatever logger it came from (ours,
stripe-python, urllib3, werkzeug, gunicorn's access log): Stripe keys, client secrets, API keys,
webhook secrets, bearer tokens, identity hashes, hosted one-time codes and card numbers never
reach a log line, and emails are masked (owners see the full address in their audit log).
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import sys
import time
from typing import Any

from flask import Flask, Response, g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
_INCOMING_ID = re.compile(r"\A[A-Za-z0-9._-]{8,64}\Z")
_HANDLER_NAME = "widget_server.json"

_PATTERNS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"\b((?:seti|pi|cs|src)_[A-Za-z0-9]+)_secret_[A-Za-z0-9]+"),
     r"\1_secret_[redacted]"),
    (re.compile(r"\b(sk|rk|pk)_(live|test)_[A-Za-z0-9_]+"), r"\1_\2_[redacted]"),
    (re.compile(r"\b(whsec|wsk)_[A-Za-z0-9_\-]+"), r"\1_[redacted]"),
    (re.compile(r"(?i)\bbearer\s+[^\s\"',]+"), "Bearer [redacted]"),
    (re.compile(r"(/portal/session/)[A-Za-z0-9_\-]+"), r"\1[redacted]"),
    (re.compile(r"\b[0-9a-f]{64}\b"), "[hash redacted]"),
    (re.compile(r"([\"']?(?:token|hash|password|secret|client_secret)[\"']?\s*[:=]\s*)"
                r"[\"']?[^\s\"',&}]+", re.IGNORECASE), r"\1[redacted]"),
)
_EMAIL = re.compile(r"([A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]*(@|%40)([A-Za-z0-9.\-]+\.[A-Za-z]{2,})")
_CARD = re.compile(r"(?<![\d])(?:\d[ -]?){12,18}\d(?![\d])")


def _luhn(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return "[card redacted]" if 13 <= len(digits) <= 19 and _luhn(digits) else match.group(0)


def redact(text: str) -> str:
    """The text with every secret-looking value replaced and emails masked."""
    for pattern, replacement in _PATTERNS:
        text = pattern.sub(replacement, text)
    text = _CARD.sub(_card, text)
    return _EMAIL.sub(r"\1***\2\3", text)


class RedactingFilter(logging.Filter):
    """Resolves the message, redacts it (and any traceback), and adds the request id."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id()
        return True


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        body: dict[str, Any] = {
            "time": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            body["request_id"] = request_id
        if record.exc_text:
            body["exception"] = record.exc_text
        return json.dumps(body, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s")


def current_request_id() -> str | None:
    if not has_request_context():
        return None
    found: str | None = g.get("request_id")
    return found


def make_handler(fmt: str = "json", stream: Any = None) -> logging.Handler:
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.set_name(_HANDLER_NAME)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonFormatter() if fmt == "json" else TextFormatter())
    return handler


def configure_logging(level: str, fmt: str, stripe_level: str = "WARNING") -> None:
    """One redacting handler on the root logger (replacing ours from an earlier app).

    stripe-python logs every call at INFO and urllib3 (its transport here) at DEBUG, with the
    method, path and query (an email lookup's address among them): below WARNING only when
    asked (``STRIPE_LOG_LEVEL``)."""
    root = logging.getLogger()
    for existing in list(root.handlers):
        if existing.get_name() == _HANDLER_NAME:
            root.removeHandler(existing)
    root.addHandler(make_handler(fmt))
    root.setLevel(level)
    logging.getLogger("alembic").setLevel(logging.WARNING)  # migration chatter, every start
    for name in ("stripe", "urllib3"):
        logging.getLogger(name).setLevel(stripe_level.upper())


def _assign_request_id() -> None:
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    g.request_id = incoming if _INCOMING_ID.match(incoming) else secrets.token_hex(12)


def _echo_request_id(response: Response) -> Response:
    request_id = g.get("request_id")
    if request_id:
        response.headers[REQUEST_ID_HEADER] = request_id
    return response


def init_app(app: Flask) -> None:
    configure_logging(app.config["LOG_LEVEL"], app.config["LOG_FORMAT"],
                      app.config["STRIPE_LOG_LEVEL"])
    app.before_request(_assign_request_id)
    app.after_request(_echo_request_id)
