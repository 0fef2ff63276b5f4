"""Render every figure of `deepshrink.plots` from synthetic data, to look at them.

    python benchmarks/plots_gallery.py OUT_DIR

Writes one PNG per figure (and a combined figure that uses the ``ax=`` convention) into OUT_DIR. The data
are made up (seeded) and only shaped like real results; the accuracy-vs-SNR figure draws noisy copies of the
paper's numbers next to the numbers themselves.
"""

from __future__ import annotations

import argparse
import csv
import tempfile
import time
from pathlib import Path

import numpy as np
from matplotlib.figure import Figure

from deepshrink.plots import (
    PAPER_ACCURACY_VS_SNR,
    plot_accuracy_vs_snr,
    plot_confusion_matrix,
    plot_embedding,
    plot_error_histogram,
    plot_reconstructions,
    plot_signal,
    plot_thresholds_vs_snr,
    plot_training_curves,
    save_figure,
)

CWRU_CLASSES = ["normal", "IR007", "IR014", "IR021", "B007", "B014", "B021", "OR007", "OR014", "OR021"]


def lightning_csv(path: Path, rng: np.random.Generator, epochs: int = 60) -> None:
    """metrics.csv laid out like Lightning's CSVLogger: step rows, a train row and a val row per epoch."""
    header = [
        "epoch",
        "step",
        "lr-SGD",
        "train_loss_step",
        "train_loss_epoch",
        "train_acc",
        "val_loss",
        "val_acc",
    ]
    rows, step = [], 0
    for e in range(epochs):
        lr = 0.1 * (0.1 ** (e >= 30)) * (0.1 ** (e >= 50))
        base = 2.0 * np.exp(-e / 10) + 0.05
        for _ in range(3):
            step += 10
            rows.append(
                {"epoch": e, "step": step, "lr-SGD": lr, "train_loss_step": base * rng.uniform(0.8, 1.2)}
            )
        acc = 1 - 0.88 * np.exp(-e / 8) - 0.01
        rows.append({"epoch": e, "step": step, "train_loss_epoch": base, "train_acc": acc})
        rows.append(
            {"epoch": e, "step": step, "val_loss": base * 1.2 + 0.05, "val_acc": acc - 0.03 * rng.random()}
        )
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=header)
        writer.writeheader()
        writer.writerows(rows)


def snr_records(rng: np.random.Generator) -> list[dict]:
    """Per-seed accuracies scattered around the paper's per-SNR numbers (3 seeds, 3 noise kinds)."""
    out = []
    for noise, models in PAPER_ACCURACY_VS_SNR.items():
        for model, curve in models.items():
            for snr, acc in curve.items():
                for seed in range(3):
                    noisy = float(np.clip(acc - 1.0 + rng.normal(0, 1.5), 0, 100))
                    out.append(
                        {
                            "model": f"{model}_paper",
                            "noise": noise,
                            "snr_db": snr,
                            "accuracy": noisy,
                            "seed": seed,
                        }
                    )
    return out


def bearing_signal(rng: np.random.Generator, fs: float = 12_000.0, n: int = 2048) -> np.ndarray:
    """Decaying 3 kHz resonances excited at a 105 Hz fault rate, on a 30 Hz shaft tone."""
    t = np.arange(n) / fs
    x = 0.3 * np.sin(2 * np.pi * 30 * t)
    for start in np.arange(0.002, t[-1], 1 / 105):
        tau = np.clip(t - start, 0, None)
        x += (t >= start) * np.exp(-tau * 900) * np.sin(2 * np.pi * 3000 * tau)
    return x + 0.02 * rng.standard_normal(n)


def toy_images(rng: np.random.Generator, n: int = 12, size: int = 28) -> np.ndarray:
    """Rings and bars, (n, 1, size, size) in [0, 1]."""
    yy, xx = np.mgrid[:size, :size] / (size - 1) - 0.5
    imgs = []
    for i in range(n):
        if i % 2:
            r = np.hypot(xx - rng.uniform(-0.1, 0.1), yy - rng.uniform(-0.1, 0.1))
            img = np.exp(-(((r - rng.uniform(0.2, 0.3)) / 0.05) ** 2))
        else:
            angle = rng.uniform(0, np.pi)
            img = np.exp(-(((np.cos(angle) * xx + np.sin(angle) * yy) / 0.06) ** 2)) * (
                np.hypot(xx, yy) < 0.4
            )
        imgs.append(img)
    return np.clip(np.stack(imgs)[:, None], 0, 1)


def main() -> None:
    """Render the gallery into the folder given on the command line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("out", type=Path)
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    figures: dict[str, Figure] = {}
    timings: dict[str, float] = {}

    def render(name: str, make) -> None:
        start = time.perf_counter()
        fig = make()
        save_figure(fig, args.out / f"{name}.png")
        timings[name] = time.perf_counter() - start
        figures[name] = fig

    with tempfile.TemporaryDirectory() as tmp:
        csv_path = Path(tmp) / "metrics.csv"
        lightning_csv(csv_path, rng)
        render("training_curves", lambda: plot_training_curves(csv_path))

    cm = np.diag(rng.integers(80, 120, size=10)).astype(float)
    for _ in range(60):
        i, j = rng.integers(0, 10, size=2)
        cm[i, j] += rng.integers(1, 8)
    render("confusion_matrix", lambda: plot_confusion_matrix(cm, CWRU_CLASSES))

    records = snr_records(rng)
    render("accuracy_vs_snr", lambda: plot_accuracy_vs_snr(records, reference=PAPER_ACCURACY_VS_SNR))
    render(
        "accuracy_vs_snr_gaussian",
        lambda: plot_accuracy_vs_snr(records, noise="gaussian", reference=PAPER_ACCURACY_VS_SNR),
    )

    snr = rng.choice(np.arange(-5, 6), size=2000).astype(float)
    blocks = {
        f"unit{i}": (0.05 * (i + 1)) * (1 + 0.08 * (5 - snr)) * rng.lognormal(0, 0.15, size=snr.size)
        for i in range(12)
    }
    render("thresholds_vs_snr", lambda: plot_thresholds_vs_snr(snr, blocks))
    render(
        "thresholds_vs_snr_normalized",
        lambda: plot_thresholds_vs_snr(snr, dict(list(blocks.items())[::4]), normalize=True),
    )

    clean = bearing_signal(rng)
    noise = rng.standard_normal(clean.size) * np.sqrt(np.mean(clean**2))  # 0 dB
    denoised = clean + 0.25 * noise
    render("signal", lambda: plot_signal(clean, clean + noise, 12_000.0, denoised=denoised, duration_ms=60))

    imgs = toy_images(rng)
    corrupted = np.clip(imgs + rng.normal(0, 0.35, imgs.shape), 0, 1)
    recon = np.clip(0.85 * imgs + 0.05 + rng.normal(0, 0.03, imgs.shape), 0, 1)
    render("reconstructions", lambda: plot_reconstructions(imgs, corrupted, recon, n=10))

    centers = rng.normal(0, 3, size=(10, 32))
    labels = np.repeat(np.arange(10), 80)
    codes = centers[labels] + rng.normal(0, 1.5, size=(labels.size, 32))
    render("embedding_pca", lambda: plot_embedding(codes, labels, class_names=CWRU_CLASSES))
    render("embedding_tsne", lambda: plot_embedding(codes, labels, method="tsne", class_names=CWRU_CLASSES))

    scores = np.concatenate([rng.lognormal(-4, 0.4, 900), rng.lognormal(-2.6, 0.5, 100)])
    is_anomaly = np.r_[np.zeros(900), np.ones(100)]
    render("error_histogram", lambda: plot_error_histogram(scores, is_anomaly, threshold=0.04, log_x=True))

    # The ax= convention: four figures drawn into one report page (an epoch table with percent accuracies).
    epoch_rows = [
        {
            "epoch": e,
            "train_loss": 1 / (e + 1),
            "train_acc": 80 + e,
            "val_loss": 1.2 / (e + 1),
            "val_acc": 78 + 0.9 * e,
        }
        for e in range(20)
    ]

    def page() -> Figure:
        fig = Figure(figsize=(13, 9.5), layout="constrained")
        axes = fig.subplots(2, 2)
        plot_training_curves(epoch_rows, ax=axes[0, 0])
        plot_confusion_matrix(cm, CWRU_CLASSES, ax=axes[0, 1])
        plot_accuracy_vs_snr(records, ax=axes[1, 0], noise="pink")
        plot_signal(clean, clean + noise, 12_000.0, ax=axes[1, 1], duration_ms=40)
        return fig

    render("report_page", page)

    for name, seconds in timings.items():
        print(f"{name:32s} {seconds * 1000:7.0f} ms  -> {args.out / (name + '.png')}")


if __name__ == "__main__":
    main()
