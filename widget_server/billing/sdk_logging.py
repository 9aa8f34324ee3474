"""stripe-python's log calls, made free when nobody listens.

The pinned stripe-python formats every log line before the logger decides whether to keep it:
``log_debug("API response body", body=...)`` decodes each response body, searches it for
whitespace and ``repr``s it whole, on every call, even with the ``stripe`` logger at WARNING
(our default, ``STRIPE_LOG_LEVEL``). For a 480 KB subscription page that is ~1.7 ms of CPU per
view for a line no one reads. ``quiet_unheard_logs`` wraps the two functions its requestor
calls so that they format only when the ``stripe`` logger, or stripe-python's console switch
(``stripe.log`` / ``STRIPE_LOG``), would emit the line: what is logged does not change.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from stripe import _api_requestor, _util

_MARK = "_widget_server_gated"
_lock = threading.Lock()


def _gated(original: Callable[..., None], level: int, console: tuple[str, ...]
           ) -> Callable[..., None]:
    def log(message: str, **params: Any) -> None:
        if (_util.logger.isEnabledFor(level)
                or _util._console_log_level() in console):  # type: ignore[no-untyped-call]
            original(message, **params)

    setattr(log, _MARK, True)
    return log


def quiet_unheard_logs() -> None:
    """Install the gates (once per process; later calls do nothing)."""
    with _lock:
        for name, level, console in (("log_debug", logging.DEBUG, ("debug",)),
                                     ("log_info", logging.INFO, ("debug", "info"))):
            original = getattr(_api_requestor, name, None)
            if original is None or getattr(original, _MARK, False):
                continue  # another stripe-python layout, or already gated
            setattr(_api_requestor, name, _gated(original, level, console))
