"""Time left of a benchmark grid, from measured durations only (so it settles as cells finish and is never
negative): `Eta` for cells one after another, `parallel_left` for cells on several workers."""

from __future__ import annotations

__all__ = ["Eta", "fmt_left", "fraction", "parallel_left"]


class Eta:
    """Time left: the running cell from its own epochs so far (models differ in speed: a DRSN epoch is
    slower than a ResNet one), the waiting cells from the mean duration of the finished ones. It only uses
    measured durations, so it settles as cells finish, and it is never negative."""

    def __init__(self, total: int) -> None:
        self.total, self.done_times = total, []

    def left(self, finished: int, running_fraction: float = 0.0, running_spent: float = 0.0) -> float:
        running = running_fraction > 0
        projected = running_spent / running_fraction if running else float("nan")
        if self.done_times:
            per_cell = sum(self.done_times) / len(self.done_times)
        elif running:
            per_cell = projected
        else:
            return float("nan")
        current = max(0.0, projected - running_spent) if running else 0.0
        waiting = self.total - finished - (1 if running else 0)
        return max(0.0, current + max(0, waiting) * per_cell)


def fmt_left(seconds: float) -> str:
    if seconds != seconds:  # NaN: nothing measured yet
        return ""
    return f", about {seconds / 60:.1f} min left"


def fraction(epoch: tuple[int, int] | None) -> float:
    return epoch[0] / epoch[1] if epoch and epoch[1] else 0.0


def parallel_left(
    done_times: list[float], running: list[tuple[float, float]], waiting: int, workers: int
) -> float:
    """Seconds left of a parallel grid (NaN before anything is measured).

    `running`: (fraction of its epochs done, seconds spent) per running cell, each projected from its own
    pace (models differ in speed); a waiting cell costs the mean finished one, or the mean projection before
    any has finished. The work left is spread over the workers, but the grid cannot end before its slowest
    running cell: the last cell of a grid runs alone, and its own pace is the estimate."""
    projected = [spent / f for f, spent in running if f > 0]
    if done_times:
        per_cell = sum(done_times) / len(done_times)
    elif projected:
        per_cell = sum(projected) / len(projected)
    else:
        return float("nan")
    rest = [max(0.0, (spent / f if f > 0 else per_cell) - spent) for f, spent in running]
    work = sum(rest) + waiting * per_cell
    return max(max(rest, default=0.0), work / max(1, workers))
