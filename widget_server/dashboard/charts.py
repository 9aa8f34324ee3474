"""Chart geometry for server-rendered SVG (templates/dashboard/_charts.html draws it).

No chart framework and no script: a chart is a list of bars with coordinates computed here,
and its labels. In a right-to-left language the x axis is mirrored (time and bar lengths run
from the right), so a chart reads in the same direction as the page around it.
"""

from __future__ import annotations

from dataclasses import dataclass

WIDTH = 640
COLUMN_HEIGHT = 220
ROW_HEIGHT = 28
LABEL_WIDTH = 300  # room for a row's label in a bar-per-row chart
VALUE_ROOM = 80  # room for the value written after a row's bar
AXIS_ROOM = 24  # under the columns, for the first and last labels
TOP_ROOM = 20  # above the columns, for the highest value
MAX_LABEL = 38  # characters of a row label drawn in the chart (the table has it whole)


def short(label: str) -> str:
    return label if len(label) <= MAX_LABEL else label[:MAX_LABEL - 1].rstrip() + "…"


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    label: str
    value: str  # as shown (formatted in the page's language)
    label_x: float = 0.0
    label_y: float = 0.0
    value_x: float = 0.0
    tone: str = "a"


@dataclass(frozen=True)
class Chart:
    width: int
    height: int
    bars: tuple[Bar, ...]
    baseline_y: float
    rtl: bool
    anchor_label: str  # text-anchor of row labels: "end" next to the bar
    anchor_value: str
    axis_labels: tuple[tuple[float, str, str], ...] = ()  # x, text, anchor
    peak: str = ""  # the highest value, written at the top of a column chart
    peak_y: float = 0.0

    @property
    def empty(self) -> bool:
        return not self.bars


def _mirror(x: float, width: float, rtl: bool) -> float:
    return WIDTH - x - width if rtl else x


def columns(points: list[tuple[str, float, str]], *, rtl: bool) -> Chart:
    """One column per (label, value, shown value): actions over time."""
    top, bottom = float(TOP_ROOM), COLUMN_HEIGHT - AXIS_ROOM
    highest = max(points, key=lambda p: p[1], default=None)
    peak = (highest[1] if highest else 0.0) or 1.0
    slot = WIDTH / max(len(points), 1)
    width = max(slot * 0.7, 1.0)
    bars = []
    for index, (label, value, shown) in enumerate(points):
        height = (bottom - top) * value / peak
        x = _mirror(index * slot + (slot - width) / 2, width, rtl)
        bars.append(Bar(round(x, 2), round(bottom - height, 2), round(width, 2),
                        round(height, 2), label, shown))
    axis: tuple[tuple[float, str, str], ...] = ()
    if points:
        first, last = points[0][0], points[-1][0]
        start, end = ("end", "start") if rtl else ("start", "end")
        axis = ((WIDTH if rtl else 0.0, first, start), (0.0 if rtl else WIDTH, last, end))
    return Chart(WIDTH, COLUMN_HEIGHT, tuple(bars), bottom, rtl, "end" if rtl else "start",
                 "middle", axis, highest[2] if highest and highest[1] else "", top)


def rows(points: list[tuple[str, float, str]], *, rtl: bool,
         tones: list[str] | None = None) -> Chart:
    """One horizontal bar per (label, value, shown value): reasons, offers, MRR."""
    room = WIDTH - LABEL_WIDTH - VALUE_ROOM
    peak = max((v for _l, v, _s in points), default=0.0) or 1.0
    bars = []
    for index, (label, value, shown) in enumerate(points):
        length = max(room * value / peak, 0.0)
        y = index * ROW_HEIGHT + 4
        x = _mirror(LABEL_WIDTH, length, rtl)
        label_x = WIDTH - LABEL_WIDTH + 8 if rtl else LABEL_WIDTH - 8
        value_x = x - 6 if rtl else x + length + 6
        bars.append(Bar(round(x, 2), y, round(length, 2), ROW_HEIGHT - 8, short(label), shown,
                        label_x, y + ROW_HEIGHT / 2 - 1, round(value_x, 2),
                        (tones[index] if tones else "a")))
    height = max(len(points), 1) * ROW_HEIGHT + 8
    return Chart(WIDTH, height, tuple(bars), height, rtl,
                 "start" if rtl else "end", "end" if rtl else "start")
