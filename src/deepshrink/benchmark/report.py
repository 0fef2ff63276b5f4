"""Tables and the markdown report of a noise-robustness benchmark (`results.json` -> `report.md`).

Every "mean ± std" is over seeds (and folds: one value per trained pair of seed and fold); with one such
unit only the mean is shown. Claims about models are stated as paired differences with 95 % intervals
(`deepshrink.benchmark.stats`), never from two means.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from deepshrink.benchmark.shortcut import FEATURES, SHORTCUT_MODEL
from deepshrink.benchmark.stats import BANDS, band_values, paired_table
from deepshrink.errors import DataError
from deepshrink.formatting import markdown_table, mean_std, mean_std_text, snr_text
from deepshrink.paper import PAPER_ACCURACY, PAPER_SNRS, PAPER_TABLE3, PAPER_TABLE4

__all__ = [
    "accuracy_tables",
    "band_mean",
    "group_accuracy",
    "load_results",
    "mean_std",
    "paper_key",
    "render_report",
    "row_label",
    "shortcut_warnings",
    "summary_table",
]


def load_results(path: str | Path) -> dict:
    """A benchmark's results.json (any schema) with its records as a list; DataError, one line naming the
    file, when it is missing or is not a benchmark's results (the benchmark scripts exit 2 on it)."""
    try:
        results = json.loads(Path(path).read_text())
        results["records"] = list(results["records"])
    except (OSError, ValueError, KeyError, TypeError) as e:
        raise DataError(
            f"{path}: not a readable benchmark results.json ({e.__class__.__name__}: {e})"
        ) from None
    odd = next((r for r in results["records"] if not isinstance(r, dict) or "model" not in r), None)
    if odd is not None:  # another script's records (a DAE or monitoring benchmark): not a grid of models
        raise DataError(f"{path}: not a benchmark grid's results (a record without a model: {str(odd)[:60]})")
    return results


SHORTCUT_MARGIN = 10.0  # points: a shortcut this close to a network is worth a warning


def paper_key(model: str) -> str | None:
    """The paper's network a registered model corresponds to ("drsn_cw_paper" -> "drsn_cw")."""
    for key in ("drsn_cw", "drsn_cs", "resnet", "convnet"):
        if model.startswith(key):
            return key
    return None


def paper_reference(noise: str) -> dict[str, dict[float, float]]:
    """{paper model: {snr: accuracy}} for one noise kind (empty for kinds the paper did not test)."""
    table = PAPER_ACCURACY.get(noise, {})
    return {m: dict(zip(map(float, PAPER_SNRS), accs, strict=True)) for m, accs in table.items()}


def group_accuracy(records: list[dict]) -> dict[tuple[str, str, float | None], list[float]]:
    """{(model, noise, snr_db or None for clean): [accuracy per seed and fold]} from successful records;
    clean records of one unit (one per noise kind the model was trained on) are averaged first."""
    units: dict[tuple, list[float]] = defaultdict(list)
    for r in records:
        if r.get("accuracy") is None:
            continue
        snr = None if r.get("snr_db") is None else float(r["snr_db"])
        noise = "none" if snr is None else r["noise"]
        units[(r["model"], noise, snr, r.get("seed"), r.get("fold"))].append(float(r["accuracy"]))
    out: dict[tuple[str, str, float | None], list[float]] = defaultdict(list)
    for (model, noise, snr, _seed, _fold), vals in units.items():
        out[(model, noise, snr)].append(sum(vals) / len(vals))
    return out


def _models_in(records: list[dict]) -> list[str]:
    seen: list[str] = []
    for r in records:
        if r["model"] not in seen:
            seen.append(r["model"])
    return seen


def row_label(model: str, records: list[dict]) -> str:
    """A table row's name: the model, and for the amplitude shortcut what it was trained on. It is trained
    like the networks, on noisy windows of the whole SNR range, so its clean accuracy is far below what a
    window's level gives when trained and tested on clean windows (`benchmarks/level_cues.py`)."""
    if model != SHORTCUT_MODEL:
        return model
    mine = [r for r in records if r["model"] == model]
    kinds = sorted({str(r.get("train_noise")) for r in mine})
    if kinds == ["none"]:
        return f"{model} (trained on clean windows)"
    ranges = sorted({str(r.get("train_snr_db")) for r in mine})
    if len(ranges) == 1 and ":" in ranges[0]:
        return f"{model} (trained on noisy windows, {snr_text([float(v) for v in ranges[0].split(':')])})"
    return f"{model} (trained at each SNR)"


def accuracy_tables(records: list[dict], *, paper: bool = True) -> str:
    """One markdown table per noise kind: models x SNR, mean ± std over seeds and folds (the paper's Figs.
    6-8); `paper=True` adds the paper's own rows (for orientation; its data are not these)."""
    grouped = group_accuracy(records)
    models = _models_in(records)
    noises = sorted({r["noise"] for r in records if r.get("snr_db") is not None})
    parts = []
    for noise in noises:
        snrs = sorted({k[2] for k in grouped if k[1] == noise and k[2] is not None})
        rows = []
        for m in models:
            values = [grouped.get((m, noise, s), []) for s in snrs]
            rows.append([row_label(m, records), *(mean_std_text(*mean_std(v), len(v)) for v in values)])
        reference = paper_reference(noise) if paper else {}
        for m in models:
            key = paper_key(m)
            if key in reference:
                cells = [f"{reference[key][s]:.1f}" if s in reference[key] else "" for s in snrs]
                rows.append([f"*paper: {key}*", *cells])
                reference.pop(key)
        table = markdown_table(["model", *map(snr_text, snrs)], rows)
        parts.append(f"### {noise} noise: test accuracy (%)\n\n" + table)
    return "\n\n".join(parts)


def band_mean(records: list[dict], model: str, lo: float, hi: float) -> tuple[tuple[float, float], int]:
    """((mean, std over seeds and folds), number of them) of `model`'s accuracy averaged over noisy
    conditions with lo <= SNR <= hi (every noise kind)."""
    values = band_values(records, model, (lo, hi))
    return mean_std(values.values()), len(values)


def summary_table(records: list[dict], *, paper: bool = True) -> str:
    """Band averages (every noise kind) and clean accuracy per model, mean ± std over seeds and folds;
    `paper=True` adds the paper's Table III/IV (its own data: for orientation only)."""
    head = ["model", *(f"mean {name}" if band else name for name, band in _ordered_bands())]
    if paper:
        head += ["paper Table III", "paper Table IV (clean)"]
    rows = []
    for m in _models_in(records):
        cells = [row_label(m, records)]
        for _name, band in _ordered_bands():
            values = band_values(records, m, band)
            cells.append(mean_std_text(*mean_std(values.values()), len(values)))
        if paper:
            key = paper_key(m)
            cells += [PAPER_TABLE3.get(key, "-"), PAPER_TABLE4.get(key, "-")]
        rows.append(cells)
    return markdown_table(head, rows)


def _ordered_bands():
    # the paper's -5..5 band first (it is what Table III averages), then the low band, then clean
    return [BANDS[1], BANDS[0], BANDS[2]]


_SHORTCUT_MEANING = {
    False: "labels are largely readable from the windows' level, so these accuracies say little about fault "
    "signatures",
    True: "level predicts the labels in this split (often one recording per class, an easier test than "
    "deployment); the networks see z-scored windows and cannot read it",
}


def shortcut_warnings(records: list[dict], normalize: str | None = None) -> list[str]:
    """One line per band where the amplitude shortcut comes within SHORTCUT_MARGIN points of a network
    (or beats it).

    `normalize` is the networks' input normalisation (the run's config). Without it the networks can read
    the level the shortcut reads; with per-window z-score they cannot (RMS is removed, peak becomes crest
    factor), so the warning then speaks of the split, not of what the networks learnt."""
    nets = [m for m in _models_in(records) if m != SHORTCUT_MODEL]
    if SHORTCUT_MODEL not in _models_in(records):
        return []
    out = []
    for name, band in BANDS:
        short = band_values(records, SHORTCUT_MODEL, band)
        if not short:
            continue
        s = sum(short.values()) / len(short)
        above, close = [], []
        for m in nets:
            vals = band_values(records, m, band)
            if not vals:
                continue
            net = sum(vals.values()) / len(vals)
            if s > net:
                above.append(m)
            elif s >= net - SHORTCUT_MARGIN:
                close.append(m)
        where = ([f"above {', '.join(above)}"] if above else []) + (
            [f"within {SHORTCUT_MARGIN:g} points of {', '.join(close)}"] if close else []
        )
        if where:
            out.append(
                f"{name}: the amplitude shortcut ({', '.join(FEATURES)}) reaches {s:.1f} %, "
                + " and ".join(where)
                + ": "
                + _SHORTCUT_MEANING[normalize == "zscore"]
            )
    return out


def _wall_time(results: dict, elapsed_s: float | None) -> list[str]:
    if elapsed_s is None:
        return []
    trained = results.get("cells_trained")
    # the throughput is what compares machines and worker counts (docs/benchmarks.md, the Ray section)
    rate = f" ({trained / elapsed_s * 3600:.1f} trainings per hour)" if trained and elapsed_s > 0 else ""
    total = len(results.get("cells") or {}) + len(results.get("failed") or [])
    if trained is not None and total and trained < total:
        return [
            f"- wall time: {elapsed_s / 60:.1f} min for the {trained} training{'s' * (trained != 1)} of the "
            f"last invocation{rate} (the other {total - trained} of {total} were kept from an earlier one)"
        ]
    return [f"- wall time: {elapsed_s / 60:.1f} min{rate}"]


def render_report(results: dict, figures: list[str], elapsed_s: float | None = None) -> str:
    """The whole `report.md` of a benchmark folder."""
    records = results["records"]
    cfg = results.get("config") or {}
    nets = [m for m in _models_in(records) if m != SHORTCUT_MODEL]
    units = sorted({(r.get("seed"), r.get("fold")) for r in records if r["model"] in nets}, key=str)
    lines = [
        "# Noise-robustness benchmark",
        "",
        f"- dataset: `{results.get('dataset')}`; scenario: `{cfg.get('scenario', 'within')}`; protocol: "
        f"`{results.get('protocol')}`; normalisation: `{cfg.get('normalize', 'none')}`; models: "
        + ", ".join(f"`{m}`" for m in nets),
        f"- seeds: {sorted({r['seed'] for r in records})}; folds: "
        f"{sorted({r.get('fold') for r in records}, key=str)}; epochs per model: "
        f"{sorted({r.get('epochs') for r in records if r.get('epochs') is not None})}; test windows per "
        f"condition: {sorted({r.get('n_test') for r in records if r.get('n_test')})}",
    ]
    if cfg.get("train_noise"):
        kind = cfg["train_noise"]
        trained = "clean windows" if kind == "none" else f"{kind} noise only"
        lines.append(
            f"- every model (and the shortcut) was trained on {trained} and is tested on every noise kind "
            "of the grid: the deployment case of noise it never saw in training"
        )
    if results.get("command"):
        lines.append(f"- command: `{results['command']}`")
    lines += _wall_time(results, elapsed_s)
    lines += [
        f"- every ± is the standard deviation over {len(units)} trained unit(s) (one per seed and fold); "
        "bands are disjoint: -10..-6 dB, -5..5 dB (the paper's Table III range), clean",
        "",
        "The paper's numbers (Zhao et al. 2020, Figs. 6-8 and Tables III-IV) are shown for orientation only:",
        "they come from the authors' drivetrain simulator (8 classes, 12.8 kHz), not from this dataset.",
        "",
        "## Summary",
        "",
        summary_table(records),
        "",
    ]
    warnings = shortcut_warnings(records, cfg.get("normalize"))
    if warnings:
        lines += ["**Shortcut warning.**", ""] + [f"- {w}" for w in warnings] + [""]
    if len(nets) > 1:
        table, _ = paired_table(records, nets)
        lines += [
            "## Paired differences",
            "",
            "First model minus second, in accuracy points averaged over each band and every noise kind; "
            "pairs share seed, split and fold; 95 % t-interval over the pairs.",
            "",
            table,
            "",
        ]
    lines.append(accuracy_tables(records))
    failed = results.get("failed") or []
    if failed:
        lines += ["", "## Failed cells", ""] + [
            f"- {f.get('model')} / {f.get('noise')} / {f.get('train_snr')} / seed {f.get('seed')} / fold "
            f"{f.get('fold')}: {f.get('error')}"
            for f in failed
        ]
    if figures:
        lines += ["", "## Figures", ""] + [f"![{f}]({f})" for f in figures]
    return "\n".join(lines) + "\n"
