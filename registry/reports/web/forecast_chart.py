"""The geometry of the forecast's step chart (a server-rendered SVG, no JavaScript): where the
line of qualified people runs over the window, and where the minimum lies. Pure arithmetic on
a forecast row; the template draws it and shows the same figures as a table."""

from dataclasses import dataclass
from datetime import date, timedelta

WIDTH, HEIGHT = 560, 140
LEFT, RIGHT, TOP, BOTTOM = 36, 12, 10, 26


@dataclass(frozen=True)
class StepChart:
    width: int
    height: int
    path: str  # the step line of q(T)
    minimum_y: float  # where the dashed minimum line runs
    y_ticks: list[tuple[float, int]]  # (y, number of people)
    x_ticks: list[tuple[float, date]]  # (x, first day of a month, or the window's ends)
    left: int
    right: float
    top: int
    bottom: float
    periods: list[tuple[date, date, int]]  # (from, until, q): the same figures as a table


def step_chart(row, as_of: date, days: int) -> StepChart:
    """The step chart of one forecast row over [as_of, as_of + days]."""
    span = max(days, 1)
    top_q = max([row.holders_now, row.min_holders, *(q for _d, q in row.steps)]) or 1
    right, bottom = WIDTH - RIGHT, HEIGHT - BOTTOM

    def x(day: date) -> float:
        return round(LEFT + (right - LEFT) * (day - as_of).days / span, 1)

    def y(q: int) -> float:
        return round(bottom - (bottom - TOP) * q / top_q, 1)

    parts = [f"M{LEFT} {y(row.holders_now)}"]
    for day, q in row.steps:
        parts.append(f"H{x(day)} V{y(q)}")
    parts.append(f"H{right}")
    end = as_of + timedelta(days=days)
    months, day = [], (as_of.replace(day=1) + timedelta(days=32)).replace(day=1)
    while day <= end:
        months.append((x(day), day))
        day = (day + timedelta(days=32)).replace(day=1)
    step = max(1, len(months) // 6)  # at most about six labels
    numbers = range(top_q + 1) if top_q <= 6 else (0, row.min_holders, top_q)
    y_ticks = sorted({(y(q), q) for q in numbers})
    periods, start, q = [], as_of, row.holders_now
    for day, new_q in row.steps:
        periods.append((start, day - timedelta(days=1), q))
        start, q = day, new_q
    periods.append((start, end, q))
    return StepChart(
        WIDTH,
        HEIGHT,
        " ".join(parts),
        y(row.min_holders),
        y_ticks,
        months[::step],
        LEFT,
        right,
        TOP,
        bottom,
        periods,
    )
