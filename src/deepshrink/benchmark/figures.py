"""The PNGs of a benchmark folder: accuracy vs SNR, confusion matrices at low SNR, thresholds vs SNR."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import numpy as np

from deepshrink.benchmark.config import noise_key
from deepshrink.data.sets.registry import dataset
from deepshrink.paper import PAPER_ACCURACY_VS_SNR
from deepshrink.plots import plot_accuracy_vs_snr, plot_confusion_matrix, plot_thresholds_vs_snr, save_figure


def paper_curves_shown(results: dict) -> bool:
    """Whether the accuracy figure overlays the paper's curves: when the config asks (`paper_curves`), else
    only on the simulator. The paper's numbers come from the authors' own drivetrain data; beside real
    data they would read as a target the same data should reach."""
    asked = (results.get("config") or {}).get("paper_curves")
    if asked is not None:
        return bool(asked)
    entry = dataset(str(results.get("dataset") or "").split(":")[0])
    return entry is not None and entry.builtin and entry.kind == "signals"


def write_figures(results: dict, out: str | Path, *, confusion_snr: float = -5.0) -> list[str]:
    """Render the benchmark figures into `out`; returns their file names (relative to `out`)."""
    out = Path(out)
    records = [r for r in results["records"] if r.get("accuracy") is not None]
    noisy = [r for r in records if r.get("snr_db") is not None]
    names: list[str] = []
    if not noisy:
        return names
    # the paper's curves are labelled by network family; map them onto our model names
    ours = sorted({r["model"] for r in noisy})
    mapped: dict[str, dict] = {}
    for noise, models in PAPER_ACCURACY_VS_SNR.items() if paper_curves_shown(results) else ():
        mapped[noise] = {}
        for model in ours:
            for key, table in models.items():
                if model.startswith(key):
                    mapped[noise][key] = table  # drawn dashed as "<key> (paper, its own data)"
    fig = plot_accuracy_vs_snr(noisy, reference=mapped)
    save_figure(fig, out / "accuracy_vs_snr.png")
    names.append("accuracy_vs_snr.png")

    classes = None
    for cell in results.get("cells", {}).values():
        classes = cell.get("classes") or classes
    snrs = sorted({float(r["snr_db"]) for r in noisy})
    target = min(snrs, key=lambda s: abs(s - confusion_snr))
    for noise in sorted({r["noise"] for r in noisy}):
        for model in ours:
            cms = [
                np.asarray(r["confusion"])
                for r in noisy
                if r["model"] == model
                and r["noise"] == noise
                and float(r["snr_db"]) == target
                and r.get("confusion") is not None
            ]
            if not cms:
                continue
            cm = np.sum(cms, axis=0)
            units = len(cms)
            summed = f", summed over {units} trainings" if units > 1 else ""
            fig = plot_confusion_matrix(
                cm,
                classes or [str(i) for i in range(len(cm))],
                title=f"{model}, {noise} noise, {target:g} dB{summed}",
            )
            name = f"confusion_{model}_{noise_key(noise)}_{target:+g}dB.png"
            save_figure(fig, out / name)
            names.append(name)

    for model in ours:
        recs = [r for r in noisy if r["model"] == model and r.get("thresholds")]
        if not recs:
            continue
        by_block: dict[str, list[float]] = defaultdict(list)
        snr_axis = []
        for r in recs:
            snr_axis.append(float(r["snr_db"]))
            for block, tau in r["thresholds"].items():
                by_block[block].append(float(tau))
        fig = plot_thresholds_vs_snr(
            np.asarray(snr_axis), {b: np.asarray(v) for b, v in by_block.items()}, normalize=True
        )
        fig.axes[0].set_title(f"{model}: learned threshold per unit vs input SNR")
        name = f"thresholds_vs_snr_{model}.png"
        save_figure(fig, out / name)
        names.append(name)
    return names
