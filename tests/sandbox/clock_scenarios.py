"""Fidelity-walk scenarios (see test_fidelity.py) for test clocks."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

Call = tuple[str, dict[str, Any]]
DAY = 86400
FROZEN = int(time.time()) - 30 * DAY


def _clock(api: Any) -> str:
    return str(api.ok("POST", "/test_helpers/test_clocks",
                      {"frozen_time": FROZEN, "name": "walk"})["id"])


CLOCK_SCENARIOS: dict[str, Callable[[Any], Call]] = {
    "POST /test_helpers/test_clocks": lambda a: (
        "/test_helpers/test_clocks", {"frozen_time": FROZEN, "name": "walk"}),
    "GET /test_helpers/test_clocks/<test_clock>": lambda a: (
        f"/test_helpers/test_clocks/{_clock(a)}", {}),
    "GET /test_helpers/test_clocks": lambda a: (
        _clock(a) and "/test_helpers/test_clocks", {"limit": 3}),
    "POST /test_helpers/test_clocks/<test_clock>/advance": lambda a: (
        f"/test_helpers/test_clocks/{_clock(a)}/advance", {"frozen_time": FROZEN + DAY}),
    "DELETE /test_helpers/test_clocks/<test_clock>": lambda a: (
        f"/test_helpers/test_clocks/{_clock(a)}", {}),
}
