"""What the /admin/ page shows, made from `gateway.services.statistics`: the yearly report's table
(one line per library), the monthly table, the bar charts' geometry (SVG drawn on the server, no
script, no CDN) and the CSV rows (docs/architecture.md, "The municipality's statistics page").
"""

from __future__ import annotations

from dataclasses import dataclass

from common.desk_counters import COLUMNS, PAYMENTS
from common.money import format_eur
from common.schema import Statistics, StatisticsRow

# The yearly report's columns, in its order; payment sums follow the number of payments.
REPORT_COLUMNS: tuple[str, ...] = COLUMNS
SUM_COLUMNS: tuple[str, ...] = ("card_cents", "cash_cents")


@dataclass(frozen=True)
class Bar:
    label: str
    value: int
    x: float
    y: float
    width: float
    height: float


@dataclass(frozen=True)
class Chart:
    """A bar chart in a `width` x `height` viewBox; `horizontal`: one bar per line (long labels)."""

    title: str
    bars: tuple[Bar, ...]
    width: int
    height: int
    horizontal: bool
    label_width: int
    top: int

    @property
    def max_value(self) -> int:
        return max((b.value for b in self.bars), default=0)


def _scale_max(values: list[int]) -> int:
    top = max(values, default=0)
    return top if top > 0 else 1


def vertical_chart(title: str, items: list[tuple[str, int]], *, width: int = 720, height: int = 280) -> Chart:
    """One bar per item left to right (months), values above the bars, labels under them."""
    top, bottom, left = 24, 40, 8
    plot_h = height - top - bottom
    slot = (width - 2 * left) / max(len(items), 1)
    peak = _scale_max([v for _, v in items])
    bars = []
    for i, (label, value) in enumerate(items):
        h = plot_h * value / peak
        bars.append(Bar(label, value, left + i * slot + slot * 0.15, top + plot_h - h, slot * 0.7, h))
    return Chart(title, tuple(bars), width, height, False, 0, top)


def horizontal_chart(title: str, items: list[tuple[str, int]], *, width: int = 720, line: int = 30) -> Chart:
    """One bar per line (libraries, whose names are long), value at the bar's end."""
    label_width, right, top = 230, 70, 8
    plot_w = width - label_width - right
    peak = _scale_max([v for _, v in items])
    bars = []
    for i, (label, value) in enumerate(items):
        w = plot_w * value / peak
        bars.append(Bar(label, value, label_width, top + i * line + 4, w, line - 8))
    return Chart(title, tuple(bars), width, top * 2 + line * len(items), True, label_width, top)


def measure_value(row: StatisticsRow, measure: str) -> int:
    if measure in SUM_COLUMNS:
        return int(getattr(row.payments, measure))
    return row.counts.get(measure, 0)


def by_month(stats: Statistics, measure: str) -> list[tuple[str, int]]:
    """The measure per month over every location in the answer (they are summed); a month is
    labelled `03` within one year, `30-03` across years (the bars are narrow)."""
    sums: dict[str, int] = {}
    for row in stats.rows:
        sums[row.period] = sums.get(row.period, 0) + measure_value(row, measure)
    one_year = len({p[:4] for p in sums}) == 1
    return [(p[5:] if one_year else p[2:], v) for p, v in sums.items()]


def by_location(stats: Statistics, measure: str) -> list[tuple[str, int]]:
    return [(stats.locations.get(t.location, t.location), measure_value(t, measure)) for t in stats.totals]


def grand_total(rows: list[StatisticsRow]) -> StatisticsRow:
    counts = dict.fromkeys(COLUMNS, 0)
    payments = {f: 0 for f in ("card_count", "card_cents", "cash_count", "cash_cents")}
    for row in rows:
        for k in COLUMNS:
            counts[k] += row.counts.get(k, 0)
        for f in payments:
            payments[f] += getattr(row.payments, f)
    return StatisticsRow.model_validate({"location": "", "period": "total", "counts": counts, "payments": payments})


def csv_header() -> list[str]:
    return ["location", "location_name", "period", *COLUMNS, "card_count", "card_eur", "cash_count", "cash_eur"]


def csv_rows(stats: Statistics) -> list[list[str]]:
    """One line per location and period; euros as `12,50` (Latvian spreadsheets)."""
    out = []
    for row in stats.rows:
        p = row.payments
        out.append([row.location, stats.locations.get(row.location, row.location), row.period,
                    *(str(row.counts.get(c, 0)) for c in COLUMNS),
                    str(p.card_count), format_eur(p.card_cents, symbol=False, group=""),
                    str(p.cash_count), format_eur(p.cash_cents, symbol=False, group="")])
    return out


def is_measure(name: str) -> bool:
    return name in COLUMNS or name in SUM_COLUMNS


DEFAULT_MEASURE = PAYMENTS
