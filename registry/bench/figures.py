"""A benchmark figure and the timing helper every part of `registry bench` uses."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")


@dataclass
class Figure:
    label: str
    times_ms: list[float]
    goal_ms: float | None = None
    note: str = ""

    @property
    def best(self) -> float:
        return min(self.times_ms)

    @property
    def median(self) -> float:
        return statistics.median(self.times_ms)


def timings(
    fn: Callable[[], T], repeat: int, before: Callable[[], object] | None = None
) -> tuple[list[float], T]:
    """`repeat` timings of `fn` after one untimed warm-up run (statement compilation), and
    the result of the last run."""
    times: list[float] = []
    if before:
        before()
    result = fn()
    for _ in range(repeat):
        if before:
            before()
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return times, result
