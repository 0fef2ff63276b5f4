"""Paired statistics: is model A better than model B on this data, or is the difference noise?

Models trained with the same seed on the same split and fold form a pair (they saw the same data, the same
training noise stream and the same noisy test windows). For each pair the accuracy averaged over an SNR band
(every noise kind) gives one difference; the mean difference over pairs gets a 95 % t-interval. When the
interval contains 0 the report says "no significant difference". Seeds and folds both count as pairs.
"""

from __future__ import annotations

import warnings
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from scipy import stats as sps

from deepshrink.formatting import markdown_table

__all__ = [
    "BANDS",
    "PairedDifference",
    "band_values",
    "gain_row",
    "paired_difference",
    "paired_row",
    "paired_table",
    "paired_table_head",
]

# disjoint SNR bands (dB, inclusive); None is the clean band. -5..5 is the paper's Table III range.
BANDS: tuple[tuple[str, tuple[float, float] | None], ...] = (
    ("-10..-6 dB", (-10.0, -6.0)),
    ("-5..5 dB", (-5.0, 5.0)),
    ("clean", None),
)


def band_values(records: Iterable[dict], model: str, band: tuple[float, float] | None) -> dict[tuple, float]:
    """{(seed, fold): accuracy of `model` averaged over the band's conditions (every noise kind)}."""
    per_unit: dict[tuple, list[float]] = defaultdict(list)
    for r in records:
        if r.get("model") != model or r.get("accuracy") is None:
            continue
        snr = r.get("snr_db")
        if band is None:
            if snr is not None:
                continue
        elif snr is None or not band[0] <= float(snr) <= band[1]:
            continue
        per_unit[(r.get("seed"), r.get("fold"))].append(float(r["accuracy"]))
    return {k: sum(v) / len(v) for k, v in per_unit.items() if v}


@dataclass
class PairedDifference:
    """Mean of A - B over pairs, its 95 % interval (None with one pair) and the number of pairs."""

    mean: float
    low: float | None
    high: float | None
    pairs: int

    @property
    def significant(self) -> bool:
        """True when the 95 % interval excludes 0 (never with fewer than two pairs)."""
        return self.low is not None and self.high is not None and (self.low > 0 or self.high < 0)

    def text(self) -> str:
        """ "+1.9 [+0.8, +3.0]" or "no significant difference (+0.2 [-0.3, +0.7])" or "+0.4 (1 pair)"."""
        if self.low is None or self.high is None:
            return f"{self.mean:+.1f} ({self.pairs} pair{'s' * (self.pairs != 1)}: no interval)"
        interval = f"{self.mean:+.1f} [{self.low:+.1f}, {self.high:+.1f}]"
        return interval if self.significant else f"no significant difference ({interval})"


def paired_difference(a: dict[tuple, float], b: dict[tuple, float], *, confidence: float = 0.95):
    """The paired difference of two `band_values` (None when they share no pair)."""
    keys = sorted(set(a) & set(b), key=str)
    if not keys:
        return None
    d = [a[k] - b[k] for k in keys]
    n = len(d)
    mean = sum(d) / n
    if n < 2:
        return PairedDifference(mean, None, None, n)
    with warnings.catch_warnings():
        # equal differences (two models both at 100 % on every seed) are a valid, zero-width interval;
        # scipy warns about "catastrophic cancellation" for them
        warnings.simplefilter("ignore", RuntimeWarning)
        interval = sps.ttest_rel([a[k] for k in keys], [b[k] for k in keys]).confidence_interval(
            confidence_level=confidence
        )
    return PairedDifference(mean, float(interval.low), float(interval.high), n)


def paired_row(records_a: list[dict], a: str, records_b: list[dict], b: str) -> tuple[list[str], int, dict]:
    """Model `a` of `records_a` minus model `b` of `records_b`, per band: the cells' text ("-" where no unit
    pairs), the most pairs of any band, and the numbers as results.json keeps them. One run (two models) or
    two runs (one model, `benchmarks/compare_runs.py`)."""
    return _band_row(
        a, b, lambda band: band_values(records_a, a, band), lambda band: band_values(records_b, b, band)
    )


def gain_row(records_a: list[dict], records_b: list[dict], a: str, b: str) -> tuple[list[str], int, dict]:
    """Does model `a` gain more than model `b` from what differs between run A and run B? Per band and pair,
    (A − B of `a`) − (A − B of `b`); the same cells, pairs and numbers as `paired_row`."""

    def gains(model: str, band) -> dict[tuple, float]:
        va, vb = band_values(records_a, model, band), band_values(records_b, model, band)
        return {k: va[k] - vb[k] for k in va.keys() & vb.keys()}

    return _band_row(a, b, lambda band: gains(a, band), lambda band: gains(b, band))


def _band_row(a: str, b: str, values_a, values_b) -> tuple[list[str], int, dict]:
    """The paired difference per band of two {(seed, fold): value} sources (callables of the band)."""
    cells, n = [], 0
    entry: dict = {"a": a, "b": b}
    for name, band in BANDS:
        diff = paired_difference(values_a(band), values_b(band))
        cells.append("-" if diff is None else diff.text())
        if diff is not None:
            n = max(n, diff.pairs)
            entry[name] = {"mean": diff.mean, "low": diff.low, "high": diff.high, "pairs": diff.pairs}
    return cells, n, entry


# a paired-difference table's columns: the pair (or model), one per band, the number of pairs; the band
# cells are text ("+1.9 [+0.8, +3.0]"), so only the count is right-aligned
_ALIGN = "l" * (1 + len(BANDS)) + "r"


def _columns(first: str) -> list[str]:
    return [first, *(name for name, _ in BANDS), "pairs"]


def paired_table_head(first: str = "difference") -> list[str]:
    """The two header lines of a paired-difference table whose first column is `first` (for a script that
    prints its rows as it computes them, like `benchmarks/compare_runs.py`)."""
    return markdown_table(_columns(first), [], _ALIGN).split("\n")


def paired_table(records: list[dict], models: list[str]) -> tuple[str, list[dict]]:
    """A markdown table of every pair of models (later model minus earlier one) per band, and the same as
    data for results.json."""
    rows, data = [], []
    for i, a in enumerate(models):
        for b in models[:i]:
            cells, n, entry = paired_row(records, a, records, b)
            rows.append([f"{a} − {b}", *cells, n])
            data.append(entry)
    return markdown_table(_columns("difference"), rows, _ALIGN), data
