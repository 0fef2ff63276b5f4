"""How numbers become text, in one place: SNR labels, "mean ± std", markdown tables, a training epoch's
metrics. Reports, progress lines and the benchmark scripts all use these, so a table or a progress line
reads the same everywhere (and changing a format is one edit). No torch, no numpy: the command line's
--help imports this."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

__all__ = ["epoch_metrics", "markdown_table", "mean_std", "mean_std_text", "snr_text", "table_cells"]


def snr_text(snr_db: float | Sequence[float] | None) -> str:
    """ "-5 dB", "2.5 dB", a (low, high) range "-10..5 dB"; None (no noise added) is "clean"."""
    if snr_db is None:
        return "clean"
    if isinstance(snr_db, (tuple, list)):
        return f"{float(snr_db[0]):g}..{float(snr_db[1]):g} dB"
    return f"{float(snr_db):g} dB"


def mean_std(values: Sequence[float] | Any) -> tuple[float, float]:
    """(mean, sample standard deviation; 0 for one value; NaN for none)."""
    vals = [float(v) for v in values]
    if not vals:
        return math.nan, math.nan
    mean = sum(vals) / len(vals)
    var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1) if len(vals) > 1 else 0.0
    return mean, math.sqrt(var)


def mean_std_text(mean: float, std: float, n: int, digits: int = 1) -> str:
    """ "84.2 ± 1.3" over n > 1 values, "84.2" for one, "-" for none (a NaN mean)."""
    if mean != mean:
        return "-"
    return f"{mean:.{digits}f}" if n < 2 else f"{mean:.{digits}f} ± {std:.{digits}f}"


def table_cells(header: Sequence[Any], rows: Sequence[Sequence[Any]]) -> tuple[list[str], list[list[str]]]:
    """The one table of the package, as text: the header and every row's cells str()-ed (None is empty),
    each row as long as the header (ValueError naming the row otherwise). `markdown_table` writes it for
    files, `cli._common.print_table` for the terminal."""
    n = len(header)
    for i, row in enumerate(rows):
        if len(row) != n:
            raise ValueError(f"row {i}: {len(row)} cells for {n} columns")

    def text(cells: Sequence[Any]) -> list[str]:
        return ["" if c is None else str(c) for c in cells]

    return text(header), [text(r) for r in rows]


def markdown_table(header: Sequence[Any], rows: Sequence[Sequence[Any]], align: str | None = None) -> str:
    """A markdown table. `align` has one letter per column: l (left, `---`) or r (right, `---:`); default:
    the first column left, the others right (names, then numbers). Cells are str()-ed; None is empty."""
    n = len(header)
    align = align if align is not None else "l" + "r" * (n - 1)
    if len(align) != n or set(align) - {"l", "r"}:
        raise ValueError(f"align: one of l/r per column ({n}), got {align!r}")
    head, body = table_cells(header, rows)

    def line(cells: list[str]) -> str:
        return "| " + " | ".join(cells) + " |"

    sep = "|" + "|".join("---:" if a == "r" else "---" for a in align) + "|"
    return "\n".join([line(head), sep, *(line(r) for r in body)])


# what a progress line shows of a training epoch's metrics row, and the unit each is printed in
_EPOCH_KEYS = (("train_loss", ""), ("val_loss", ""), ("val_acc", "%"), ("val_psnr", " dB"))


def epoch_metrics(row: Mapping[str, Any] | None) -> list[str]:
    """["train_loss 0.412", "val_acc 83.1 %", ...] of one epoch's metrics row (missing or NaN ones left
    out): what `deepshrink train`'s progress line and the benchmark's show after every epoch."""
    parts = []
    for key, unit in _EPOCH_KEYS:
        value = (row or {}).get(key)
        try:
            v = float(value)
        except (TypeError, ValueError):
            continue
        if not math.isfinite(v):
            continue
        parts.append(f"{key} {100 * v:.1f} %" if unit == "%" else f"{key} {v:.3g}{unit}")
    return parts
