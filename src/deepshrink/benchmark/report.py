"""Tables and the markdown report of a noise-robustness benchmark (`results.json` -> `report.md`)."""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable

from deepshrink.benchmark.paper import PAPER_ACCURACY, PAPER_SNRS, PAPER_TABLE3, PAPER_TABLE4


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


def mean_std(values: Iterable[float]) -> tuple[float, float]:
    vals = [float(v) for v in values]
    if not vals:
        return math.nan, math.nan
    mean = sum(vals) / len(vals)
    var = sum((v - mean) ** 2 for v in vals) / (len(vals) - 1) if len(vals) > 1 else 0.0
    return mean, math.sqrt(var)


def group_accuracy(records: list[dict]) -> dict[tuple[str, str, float | None], list[float]]:
    """{(model, noise, snr_db or None for clean): [accuracy per seed]} from successful records."""
    out: dict[tuple[str, str, float | None], list[float]] = defaultdict(list)
    for r in records:
        if r.get("accuracy") is None:
            continue
        snr = None if r.get("snr_db") is None else float(r["snr_db"])
        out[(r["model"], r["noise"], snr)].append(float(r["accuracy"]))
    return out


def _fmt(mean: float, std: float, n: int) -> str:
    if math.isnan(mean):
        return "-"
    return f"{mean:.1f}" if n < 2 else f"{mean:.1f} ± {std:.1f}"


def _models_in(records: list[dict]) -> list[str]:
    seen: list[str] = []
    for r in records:
        if r["model"] not in seen:
            seen.append(r["model"])
    return seen


def accuracy_tables(records: list[dict]) -> str:
    """One markdown table per noise kind: models x SNR, mean ± std over seeds (like the paper's Figs. 6-8)."""
    grouped = group_accuracy(records)
    models = _models_in(records)
    noises = sorted({r["noise"] for r in records if r.get("snr_db") is not None})
    parts = []
    for noise in noises:
        snrs = sorted({k[2] for k in grouped if k[1] == noise and k[2] is not None})
        head = "| model | " + " | ".join(f"{s:g} dB" for s in snrs) + " |"
        rows = [head, "|---|" + "---:|" * len(snrs)]
        for m in models:
            cells = [
                _fmt(*mean_std(grouped.get((m, noise, s), [])), len(grouped.get((m, noise, s), [])))
                for s in snrs
            ]
            rows.append(f"| {m} | " + " | ".join(cells) + " |")
        reference = paper_reference(noise)
        for m in models:
            key = paper_key(m)
            if key in reference:
                cells = [f"{reference[key][s]:.1f}" if s in reference[key] else "" for s in snrs]
                rows.append(f"| *paper: {key}* | " + " | ".join(cells) + " |")
                reference.pop(key)
        parts.append(f"### {noise} noise: test accuracy (%)\n\n" + "\n".join(rows))
    return "\n\n".join(parts)


def band_mean(records: list[dict], model: str, lo: float, hi: float) -> tuple[tuple[float, float], int]:
    """((mean, std over seeds), number of seeds) of `model`'s accuracy averaged over noisy conditions with
    lo <= SNR <= hi (every noise kind)."""
    per_seed = defaultdict(list)
    for r in records:
        if (
            r["model"] == model
            and r.get("snr_db") is not None
            and r.get("accuracy") is not None
            and lo <= float(r["snr_db"]) <= hi
        ):
            per_seed[r["seed"]].append(float(r["accuracy"]))
    return mean_std([sum(v) / len(v) for v in per_seed.values() if v]), len(per_seed)


def summary_table(
    records: list[dict], low_band: tuple[float, float] = (-10, -4), main_band: tuple[float, float] = (-5, 5)
) -> str:
    """Averages over noisy conditions (like the paper's Table III), the low-SNR band and clean data."""
    grouped = group_accuracy(records)
    models = _models_in(records)
    rows = [
        f"| model | mean {main_band[0]:g}..{main_band[1]:g} dB (all kinds) "
        f"| mean {low_band[0]:g}..{low_band[1]:g} dB | clean | paper Table III | paper Table IV (clean) |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for m in models:
        (mm, ms), n_main = band_mean(records, m, *main_band)
        (lm, ls), n_low = band_mean(records, m, *low_band)
        clean = [
            acc
            for (model, _noise, snr), accs in grouped.items()
            if model == m and snr is None
            for acc in accs
        ]
        cm, cs = mean_std(clean)
        key = paper_key(m)
        rows.append(
            f"| {m} | {_fmt(mm, ms, n_main)} | {_fmt(lm, ls, n_low)} | {_fmt(cm, cs, len(clean))} | "
            f"{PAPER_TABLE3.get(key, '-')} | {PAPER_TABLE4.get(key, '-')} |"
        )
    return "\n".join(rows)


def render_report(results: dict, figures: list[str], elapsed_s: float | None = None) -> str:
    """The whole `report.md` of a benchmark folder."""
    records = results["records"]
    failed = [r for r in records if r.get("error")]
    lines = [
        "# Noise-robustness benchmark",
        "",
        f"- dataset: `{results.get('dataset')}`; protocol: `{results.get('protocol')}`; "
        f"models: {', '.join(f'`{m}`' for m in _models_in(records))}",
        f"- seeds: {sorted({r['seed'] for r in records})}; epochs per model: "
        f"{sorted({r.get('epochs') for r in records if r.get('epochs') is not None})}; "
        f"test windows per condition: {sorted({r.get('n_test') for r in records if r.get('n_test')})}",
    ]
    if results.get("command"):
        lines.append(f"- command: `{results['command']}`")
    if elapsed_s is not None:
        trained = results.get("cells_trained")
        total = len(results.get("cells") or {}) + len(results.get("failed") or [])
        if trained is not None and total and trained < total:
            lines.append(
                f"- wall time: {elapsed_s / 60:.1f} min for the {trained} training{'s' * (trained != 1)} "
                "of the last invocation "
                f"(the other {total - trained} of {total} were kept from an earlier one)"
            )
        else:
            lines.append(f"- wall time: {elapsed_s / 60:.1f} min")
    lines += [
        "",
        "The paper's numbers (Zhao et al. 2020, Figs. 6-8 and Tables III-IV) are shown for orientation only:",
        "they come from the authors' drivetrain simulator (8 classes, 12.8 kHz), not from this dataset.",
        "",
        "## Summary",
        "",
        summary_table(records),
        "",
        accuracy_tables(records),
    ]
    if failed:
        lines += ["", "## Failed cells", ""] + [
            f"- {r['model']} / {r['noise']} / {r.get('snr_db')} / seed {r['seed']}: {r['error']}"
            for r in failed
        ]
    if figures:
        lines += ["", "## Figures", ""] + [f"![{f}]({f})" for f in figures]
    return "\n".join(lines) + "\n"
