"""Coverage over time, as pure data: which snapshot days to show, and the geometry of a
server-rendered SVG step chart (no Flask, no SQLAlchemy)."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date

MAX_POINTS = 62  # more snapshot days than this: one point per week, then per month

DAY, WEEK, MONTH = "day", "week", "month"


@dataclass(frozen=True)
class Point:
    """Coverage of a group of requirements on one snapshot day."""

    day: date
    requirements: int
    covered: int
    counts: dict[str, int] = field(default_factory=dict, compare=False)  # status → requirements

    @property
    def coverage(self) -> float | None:
        """Covered ÷ requirements as a percentage; None when there were none."""
        return 100.0 * self.covered / self.requirements if self.requirements else None


def step_of(days: list[date]) -> str:
    """The coarsest step needed to show at most MAX_POINTS points: day, week or month."""
    if len(days) <= MAX_POINTS:
        return DAY
    if len({d.isocalendar()[:2] for d in days}) <= MAX_POINTS:
        return WEEK
    return MONTH


def thin(days: list[date], step: str) -> list[date]:
    """The last snapshot day of each step (day, ISO week or month), in date order."""
    last: dict[object, date] = {}
    for d in sorted(days):
        key = d if step == DAY else d.isocalendar()[:2] if step == WEEK else (d.year, d.month)
        last[key] = d
    return sorted(last.values())


# --- the SVG chart ------------------------------------------------------------------------------

WIDTH, HEIGHT = 640, 220
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 10, 30


@dataclass(frozen=True)
class Tick:
    position: float
    text: str


@dataclass(frozen=True)
class Chart:
    """A step chart of coverage (0–100 %) against time, in SVG user units."""

    width: int
    height: int
    path: str  # the step line ("M x y H x V y …"); empty when there is nothing to draw
    dots: tuple[tuple[float, float], ...]
    x_ticks: tuple[Tick, ...]
    y_ticks: tuple[Tick, ...]
    plot: tuple[float, float, float, float]  # left, top, right, bottom of the plot area


def chart(
    points: list[Point],
    label_day: Callable[[date], str] = lambda d: d.isoformat(),
    x_ticks: int = 6,
) -> Chart:
    """The step chart of these points: coverage holds from one snapshot until the next. Days
    without requirements (coverage None) break the line."""
    left, top, right, bottom = LEFT, TOP, WIDTH - RIGHT, HEIGHT - BOTTOM
    y_ticks = tuple(Tick(_y(v, top, bottom), f"{v}%") for v in (0, 25, 50, 75, 100))
    # (day, coverage) of the days with requirements: the dots.
    shown = [(p.day, coverage) for p in points if (coverage := p.coverage) is not None]
    if not points:
        return Chart(WIDTH, HEIGHT, "", (), (), y_ticks, (left, top, right, bottom))
    first, last = points[0].day, points[-1].day
    span = max((last - first).days, 1)

    def x(d: date) -> float:
        if first == last:
            return round((left + right) / 2, 1)
        return round(left + (right - left) * (d - first).days / span, 1)

    parts: list[str] = []
    previous: tuple[float, float] | None = None
    for p in points:
        coverage = p.coverage
        if coverage is None:
            previous = None
            continue
        px, py = x(p.day), _y(coverage, top, bottom)
        if previous is None:
            parts.append(f"M{px} {py}")
        else:
            parts.append(f"H{px} V{py}")
        previous = (px, py)
    dots = tuple((x(day), _y(coverage, top, bottom)) for day, coverage in shown)
    step = max(1, -(-len(points) // x_ticks))
    chosen = points[::step]
    if chosen[-1] is not points[-1]:
        chosen = chosen[:-1] + [points[-1]] if len(chosen) > 1 else chosen + [points[-1]]
    ticks = tuple(Tick(x(p.day), label_day(p.day)) for p in chosen)
    return Chart(WIDTH, HEIGHT, " ".join(parts), dots, ticks, y_ticks, (left, top, right, bottom))


def _y(value: float, top: float, bottom: float) -> float:
    return round(bottom - (bottom - top) * value / 100.0, 1)
