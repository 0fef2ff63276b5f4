"""Figures of evaluation results: confusion matrix, accuracy vs SNR, learned thresholds vs SNR."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from deepshrink.errors import ConfigError, DataError

# the paper's per-SNR accuracy, re-exported for the `reference=` argument of `plot_accuracy_vs_snr`
from deepshrink.paper import PAPER_ACCURACY_VS_SNR as PAPER_ACCURACY_VS_SNR
from deepshrink.plots._common import check_names, model_sort_key, model_style, new_axes, to_numpy


def plot_confusion_matrix(
    cm: Any,
    classes: Sequence[Any] | None,
    ax: Any = None,
    *,
    normalize: bool = True,
    title: str | None = None,
    colorbar: bool = True,
) -> Any:
    """Confusion matrix (rows: true class, columns: predicted class) with the value of each cell as text.

    `cm` is a (K, K) matrix of counts (numpy or torch); `classes` K names (None: 0..K-1). With `normalize`
    each row is shown as percentages of its true class (a row with no examples shows "-"), else raw counts.
    The default title gives the overall accuracy and the number of examples. Returns the Figure.
    """
    counts = to_numpy(cm, "cm", ndim=2)
    k = counts.shape[0]
    if counts.shape[1] != k:
        raise ConfigError(f"cm: expected a square (K, K) matrix, got shape {tuple(counts.shape)}")
    if np.any(counts < 0):
        raise DataError("cm: counts must be non-negative")
    names = check_names(classes, k, "classes")
    totals = counts.sum(axis=1)
    if normalize:
        safe = np.where(totals > 0, totals, 1.0)
        values = np.where(totals[:, None] > 0, 100.0 * counts / safe[:, None], 0.0)
        vmax = 100.0
    else:
        values = counts
        vmax = max(float(counts.max()), 1.0)

    size = max(4.0, min(12.0, 1.6 + 0.62 * k))
    fig, (axis,) = new_axes(ax, figsize=(size + (1.2 if colorbar else 0.0), size))
    image = axis.imshow(values, cmap="Blues", vmin=0.0, vmax=vmax, interpolation="nearest", aspect="equal")
    fontsize = max(5.0, min(11.0, 110.0 / k))
    integer_counts = bool(np.all(counts == np.round(counts)))
    for i in range(k):
        for j in range(k):
            if normalize and totals[i] == 0:
                text = "-"
            elif normalize:
                text = "0" if values[i, j] == 0 else f"{values[i, j]:.1f}"
            else:
                text = f"{int(counts[i, j])}" if integer_counts else f"{counts[i, j]:.3g}"
            dark = values[i, j] > 0.55 * vmax
            axis.text(
                j,
                i,
                text,
                ha="center",
                va="center",
                fontsize=fontsize,
                color="white" if dark else ("#9a9a9a" if text in ("0", "-") else "black"),
            )
    axis.set_xticks(
        range(k),
        names,
        rotation=45 if max(map(len, names)) > 3 else 0,
        ha="right" if max(map(len, names)) > 3 else "center",
        rotation_mode="anchor",
    )
    axis.set_yticks(range(k), names)
    axis.set_xlabel("Predicted class")
    axis.set_ylabel("True class")
    total = float(counts.sum())
    if title is None:
        if total > 0:
            acc = 100.0 * float(np.trace(counts)) / total
            title = f"Confusion matrix: accuracy {acc:.1f}% (n={total:g})"
        else:
            title = "Confusion matrix (no examples)"
    axis.set_title(title)
    if colorbar:
        bar = fig.colorbar(image, ax=axis, shrink=0.8, fraction=0.05)
        bar.set_label("Share of the true class (%)" if normalize else "Count")
    return fig


def _check_records(records: Any) -> list[dict[str, Any]]:
    if isinstance(records, Mapping) or not isinstance(records, Sequence) or isinstance(records, str):
        raise ConfigError(f"records: expected a list of dicts, got {type(records).__name__}")
    if not records:
        raise DataError("records: the list is empty")
    out = []
    for i, rec in enumerate(records):
        if not isinstance(rec, Mapping):
            raise ConfigError(f"records[{i}]: expected a dict, got {type(rec).__name__}")
        missing = [key for key in ("model", "snr_db", "accuracy") if key not in rec]
        if missing:
            raise ConfigError(f"records[{i}]: missing key(s) {', '.join(missing)}")
        try:
            snr, acc = float(rec["snr_db"]), float(rec["accuracy"])
        except (TypeError, ValueError):
            raise DataError(f"records[{i}]: snr_db and accuracy must be numbers") from None
        if not (math.isfinite(snr) and math.isfinite(acc)):
            raise DataError(
                f"records[{i}]: snr_db={rec['snr_db']!r}, accuracy={rec['accuracy']!r} is not finite"
            )
        noise = rec.get("noise")
        out.append(
            {
                "model": str(rec["model"]),
                "noise": None if noise is None else str(noise),
                "snr_db": snr,
                "accuracy": acc,
            }
        )
    return out


def _reference_for(reference: Mapping[str, Any] | None, noise: str | None) -> dict[str, dict[float, float]]:
    """{model: {snr: acc}} for one noise kind from a flat or a per-noise reference mapping."""
    if not reference:
        return {}
    if not isinstance(reference, Mapping):
        raise ConfigError(f"reference: expected a dict, got {type(reference).__name__}")
    first = next(iter(reference.values()))
    per_noise = isinstance(first, Mapping) and first and isinstance(next(iter(first.values())), Mapping)
    table = reference.get(noise, {}) if per_noise else reference
    out: dict[str, dict[float, float]] = {}
    for model, curve in table.items():
        if not isinstance(curve, Mapping):
            raise ConfigError(f"reference[{model!r}]: expected a dict {{snr_db: accuracy}}")
        try:
            out[str(model)] = {float(s): float(a) for s, a in curve.items()}
        except (TypeError, ValueError):
            raise ConfigError(f"reference[{model!r}]: SNRs and accuracies must be numbers") from None
    return out


def _draw_snr_panel(axis: Any, recs: list[dict[str, Any]], reference: dict[str, dict[float, float]]) -> None:
    models = sorted({r["model"] for r in recs}, key=model_sort_key)
    for model in models:
        style = model_style(model)
        by_snr: dict[float, list[float]] = {}
        for r in recs:
            if r["model"] == model:
                by_snr.setdefault(r["snr_db"], []).append(r["accuracy"])
        snrs = np.array(sorted(by_snr))
        mean = np.array([np.mean(by_snr[s]) for s in snrs])
        seeds = [len(by_snr[s]) for s in snrs]
        label = (
            model
            if max(seeds) == 1
            else f"{model} ({min(seeds)}" + (f"-{max(seeds)}" if max(seeds) != min(seeds) else "") + " seeds)"
        )
        axis.plot(snrs, mean, color=style["color"], marker=style["marker"], ms=5, lw=1.8, label=label)
        if max(seeds) > 1:
            std = np.array([np.std(by_snr[s], ddof=1) if len(by_snr[s]) > 1 else 0.0 for s in snrs])
            axis.fill_between(snrs, mean - std, mean + std, color=style["color"], alpha=0.18, lw=0)
    for model in sorted(reference, key=model_sort_key):
        curve = reference[model]
        if not curve:
            continue
        snrs = sorted(curve)
        axis.plot(
            snrs,
            [curve[s] for s in snrs],
            color=model_style(model)["color"],
            ls="--",
            lw=1.2,
            alpha=0.85,
            label=f"{model} (paper, its own data)",
        )
    axis.set_xlabel("Input SNR (dB)")
    axis.set_ylabel("Test accuracy (%)")
    axis.grid(True, alpha=0.3)


def plot_accuracy_vs_snr(
    records: Sequence[Mapping[str, Any]],
    ax: Any = None,
    *,
    noise: str | None = None,
    reference: Mapping[str, Any] | None = None,
) -> Any:
    """Test accuracy against input SNR, one line per model, mean over seeds with a +-1 std band.

    `records` are dicts with keys model, snr_db, accuracy (percent) and optionally noise and seed. Models keep
    the same colour in every figure (convnet grey, resnet blue, drsn_cs orange, drsn_cw red). When several
    noise kinds are present and `noise` is None, each gets its own panel (sharing the accuracy axis); pass
    `noise` to draw one kind only (required when drawing on a given `ax`). The band appears only where
    several seeds exist. `reference` adds dashed curves, either {model: {snr: acc}} (drawn on every panel)
    or {noise: {model: {snr: acc}}} like `PAPER_ACCURACY_VS_SNR`. Returns the Figure.
    """
    recs = _check_records(records)
    kinds = sorted({r["noise"] for r in recs}, key=lambda n: (n is None, n or ""))
    if noise is not None:
        if str(noise) not in kinds:
            raise ConfigError(
                f"noise={noise!r} is not in the records (they hold {', '.join(map(str, kinds))})"
            )
        kinds = [str(noise)]
    if ax is not None and len(kinds) > 1:
        raise ConfigError(
            f"records hold several noise kinds ({', '.join(map(str, kinds))}); "
            "pass noise=... to draw one of them on the given ax"
        )
    ncols = len(kinds)
    beside = ax is None and ncols == 1  # one panel of our own: its legend goes to the right, widen for it
    fig, axes = new_axes(ax, ncols=ncols, figsize=(5.0 * ncols + 0.6 + 2.8 * beside, 4.2), sharey=True)
    for axis, kind in zip(axes, kinds, strict=True):
        _draw_snr_panel(axis, [r for r in recs if r["noise"] == kind], _reference_for(reference, kind))
        axis.set_title("Accuracy vs SNR" + (f": {kind} noise" if kind is not None else ""))
    if len(axes) > 1:
        for axis in axes[1:]:
            axis.set_ylabel("")
        # One legend for the whole figure: the models are the same in every panel.
        handles, labels = _union_legend(axes)
        fig.legend(handles, labels, fontsize="small", loc="outside lower center", ncols=min(len(labels), 4))
    elif beside:
        # beside the axes, never on a curve (a shortcut or a paper curve runs through every corner)
        axes[0].legend(fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0)
    else:  # the caller's axes: where the fewest points are
        axes[0].legend(fontsize="small", loc="best")
    return fig


def _union_legend(axes: list[Any]) -> tuple[list[Any], list[str]]:
    seen: dict[str, Any] = {}
    for axis in axes:
        for handle, label in zip(*axis.get_legend_handles_labels(), strict=True):
            seen.setdefault(label, handle)
    return list(seen.values()), list(seen.keys())


_MARKERS = ("o", "s", "^", "D", "v", "P", "X", "<", ">", "*", "h", "p")


def plot_thresholds_vs_snr(
    snr_db: Any,
    thresholds: Mapping[str, Any],
    ax: Any = None,
    *,
    bins: int | None = None,
    normalize: bool = False,
    points: bool | None = None,
) -> Any:
    """Mean learned threshold tau of each shrinkage block against the input SNR of each example.

    `snr_db` (N,) holds the input SNR of each example, `thresholds` {block name: (N,) mean tau per example}
    (what `deepshrink.layers.collect_thresholds` returns, concatenated over batches). Each block gets faint
    per-example points and its binned mean +-1 std (`bins` SNR bins; default: one bin per distinct SNR when
    there are at most 25, else 12 equal-width bins). `normalize` divides each block's taus by their overall
    mean so blocks of very different scale share one axis. `points` draws the per-example taus (default: only
    for at most 6 blocks, where they stay readable). The DRSN claim is that tau grows as SNR falls.
    Returns the Figure.
    """
    snr = to_numpy(snr_db, "snr_db", ndim=1)
    if not isinstance(thresholds, Mapping) or not thresholds:
        raise ConfigError("thresholds: expected a non-empty dict {block name: array (N,)}")
    taus: dict[str, np.ndarray] = {}
    for name, value in thresholds.items():
        tau = to_numpy(value, f"thresholds[{name!r}]", ndim=1)
        if tau.shape != snr.shape:
            raise ConfigError(
                f"thresholds[{name!r}]: shape {tuple(tau.shape)} does not match "
                f"snr_db shape {tuple(snr.shape)}"
            )
        if normalize:
            scale = float(np.mean(np.abs(tau)))
            tau = tau / scale if scale > 0 else tau
        taus[str(name)] = tau
    if bins is not None and (not isinstance(bins, int) or isinstance(bins, bool) or bins < 1):
        raise ConfigError(f"bins must be a positive integer, got {bins!r}")

    distinct = np.unique(snr)
    if bins is None and len(distinct) <= 25:
        centers = distinct
        index = np.searchsorted(distinct, snr)
    else:
        nb = bins or 12
        lo, hi = float(snr.min()), float(snr.max())
        edges = np.linspace(lo, hi, nb + 1) if hi > lo else np.array([lo - 0.5, hi + 0.5])
        index = np.clip(np.searchsorted(edges, snr, side="right") - 1, 0, len(edges) - 2)
        centers = 0.5 * (edges[:-1] + edges[1:])

    fig, (axis,) = new_axes(ax, figsize=(8.6, 4.4))
    # Jitter is deterministic (fixed seed) and only moves the faint points off the exact SNR grid.
    jitter_width = 0.15 * (float(np.min(np.diff(centers))) if len(centers) > 1 else 1.0)
    rng = np.random.default_rng(0)
    if points is None:
        points = len(taus) <= 6
    band_alpha = 0.2 if len(taus) <= 6 else 0.1
    # every unit its own colour, marker and line style: neighbouring shades of one colour map (12 units in the
    # paper's network) cannot be told apart; ten qualitative colours, then dashed lines, and distinct markers
    styles = [
        (f"C{i % 10}", _MARKERS[i % len(_MARKERS)], "-" if (i // 10) % 2 == 0 else "--")
        for i in range(len(taus))
    ]
    for (color, marker, line), (name, tau) in zip(styles, taus.items(), strict=True):
        jitter = rng.uniform(-jitter_width, jitter_width, size=snr.shape) if len(distinct) <= 25 else 0.0
        if points:
            axis.scatter(snr + jitter, tau, s=5, color=color, alpha=0.15, lw=0, rasterized=True)
        used = np.array([np.any(index == b) for b in range(len(centers))])
        mean = np.array([tau[index == b].mean() if used[b] else np.nan for b in range(len(centers))])[used]
        counts = np.array([np.sum(index == b) for b in range(len(centers))])[used]
        std = np.array(
            [
                tau[index == b].std(ddof=1) if c > 1 else 0.0
                for b, c in zip(np.flatnonzero(used), counts, strict=True)
            ]
        )
        x = centers[used]
        axis.plot(x, mean, color=color, marker=marker, ls=line, ms=5, lw=1.8, label=name)
        if np.any(counts > 1):
            axis.fill_between(x, mean - std, mean + std, color=color, alpha=band_alpha, lw=0)
    axis.set_xlabel("Input SNR (dB)")
    axis.set_ylabel("τ relative to the unit's mean over all SNRs" if normalize else "Mean threshold τ")
    axis.set_title("Learned thresholds vs input SNR")
    axis.grid(True, alpha=0.3)
    # beside the axes, never on the data (12 units make a tall legend)
    axis.legend(
        title="unit", fontsize="small", loc="upper left", bbox_to_anchor=(1.01, 1.0), borderaxespad=0.0
    )
    return fig
