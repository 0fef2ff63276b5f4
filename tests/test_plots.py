"""Tests of deepshrink.plots: artists drawn, ax= convention, edge cases, errors, atomic saving."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure

from deepshrink.errors import ConfigError, DataError
from deepshrink.plots import (
    PAPER_ACCURACY_VS_SNR,
    load_training_metrics,
    model_style,
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

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def render(fig: Figure, tmp_path: Path, name: str) -> Path:
    """Save to PNG (every figure is rendered once) and check the file."""
    path = save_figure(fig, tmp_path / f"{name}.png")
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    return path


def bands(ax) -> list:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def data_axes(fig: Figure) -> list:
    """Axes of a figure without colorbars."""
    return [a for a in fig.axes if a.get_label() != "<colorbar>"]


# ---------------------------------------------------------------- training curves


LIGHTNING_CSV = """epoch,step,lr-SGD,train_loss_step,train_loss_epoch,train_acc,val_loss,val_acc
0,9,0.1,2.0,,,,
0,19,0.1,1.0,,,,
0,19,,,1.5,0.5,,
0,19,,,,,1.6,0.4
1,29,0.01,0.8,,,,
1,39,0.01,0.6,,,,
1,39,,,0.7,0.8,,
1,39,,,,,0.9,0.75
"""


def test_training_curves_merges_lightning_rows(tmp_path):
    path = tmp_path / "metrics.csv"
    path.write_text(LIGHTNING_CSV)
    curves = load_training_metrics(path)
    assert curves["train_loss"] == ([0.0, 1.0], [1.5, 0.7])  # the _epoch column wins over _step
    assert curves["val_loss"] == ([0.0, 1.0], [1.6, 0.9])
    assert curves["val_acc"] == ([0.0, 1.0], [0.4, 0.75])
    assert curves["lr:lr-SGD"] == ([0.0, 1.0], [0.1, 0.01])

    fig = plot_training_curves(tmp_path)  # a log folder holding metrics.csv works too
    axes = fig.axes
    assert [a.get_title() for a in axes] == ["Loss", "Accuracy", "Learning rate"]
    assert len(axes[0].lines) == 2  # train, val loss
    assert len(axes[1].lines) == 3  # train, val acc, best-val star
    np.testing.assert_allclose(axes[1].lines[1].get_ydata(), [40.0, 75.0])  # fractions shown in percent
    np.testing.assert_allclose(axes[0].lines[0].get_ydata(), [1.5, 0.7])  # loss not rescaled
    assert "75.0%" in axes[1].get_legend().get_texts()[-1].get_text()
    render(fig, tmp_path, "curves")


def test_training_curves_list_of_dicts_and_step_average(tmp_path):
    rows = [{"train_loss": 2.0}, {"train_loss": 1.0, "val_loss": 1.2}, {"train_loss": 0.5}]
    curves = load_training_metrics(rows)
    assert curves["train_loss"] == ([0.0, 1.0, 2.0], [2.0, 1.0, 0.5])  # no epoch column: one row per epoch
    fig = plot_training_curves(rows)
    assert len(fig.axes) == 1 and fig.axes[0].get_title() == "Loss"
    render(fig, tmp_path, "loss_only")
    # Per-step rows of one epoch are averaged into one point.
    steps = [{"epoch": 0, "loss": 1.0}, {"epoch": 0, "loss": 3.0}, {"epoch": 1, "train/acc": 90.0}]
    curves = load_training_metrics(steps)
    assert curves["train_loss"] == ([0.0], [2.0])
    assert curves["train_acc"] == ([1.0], [90.0])


def test_training_curves_on_given_ax_draws_accuracy_only(tmp_path):
    rows = [{"epoch": e, "train_acc": 50 + e, "val_acc": 45 + e, "train_loss": 1 / (e + 1)} for e in range(5)]
    fig = Figure()
    ax = fig.add_subplot()
    assert plot_training_curves(rows, ax=ax) is fig
    assert len(fig.axes) == 1 and ax.get_ylabel() == "Accuracy (%)"
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [50, 51, 52, 53, 54])  # already percent: unchanged
    render(fig, tmp_path, "curves_ax")


def test_training_curves_errors(tmp_path):
    with pytest.raises(DataError, match="not found"):
        plot_training_curves(tmp_path / "missing.csv")
    (tmp_path / "bad.csv").write_text("epoch,train_loss\n0,abc\n")
    with pytest.raises(DataError, match="abc"):
        plot_training_curves(tmp_path / "bad.csv")
    (tmp_path / "none.csv").write_text("epoch,step,f1\n0,1,0.5\n")
    with pytest.raises(DataError, match="no loss"):
        plot_training_curves(tmp_path / "none.csv")
    with pytest.raises(DataError, match="empty"):
        plot_training_curves([])
    with pytest.raises(ConfigError):
        plot_training_curves({"train_loss": [1, 2]})


# ---------------------------------------------------------------- confusion matrix


def test_confusion_matrix_texts_are_row_percentages(tmp_path):
    cm = torch.tensor([[8, 2, 0], [1, 1, 2], [0, 0, 5]])
    fig = plot_confusion_matrix(cm, ["a", "b", "c"])
    ax = data_axes(fig)[0]
    texts = [t.get_text() for t in ax.texts]
    assert len(texts) == 9
    expected = 100 * cm.numpy() / cm.numpy().sum(1, keepdims=True)
    np.testing.assert_allclose(np.array([float(t) for t in texts]).reshape(3, 3), expected, atol=0.05)
    assert "accuracy 73.7%" in ax.get_title() and "n=19" in ax.get_title()  # 14 of 19
    assert [t.get_text() for t in ax.get_xticklabels()] == ["a", "b", "c"]
    assert len(fig.axes) == 2  # with its colorbar
    render(fig, tmp_path, "cm")


def test_confusion_matrix_counts_empty_row_one_class_and_ax(tmp_path):
    cm = np.array([[3, 1], [0, 0]])
    fig = plot_confusion_matrix(cm, None, normalize=False, title="counts")
    ax = data_axes(fig)[0]
    assert [t.get_text() for t in ax.texts] == ["3", "1", "0", "0"] and ax.get_title() == "counts"
    fig = plot_confusion_matrix(cm, ["x", "y"])
    assert [t.get_text() for t in data_axes(fig)[0].texts][2:] == ["-", "-"]  # no examples: no NaN
    render(fig, tmp_path, "cm_empty_row")
    host = Figure()
    ax = host.add_subplot()
    assert plot_confusion_matrix(np.array([[7]]), ["only"], ax=ax, colorbar=False) is host
    assert [t.get_text() for t in ax.texts] == ["100.0"]
    render(host, tmp_path, "cm_one_class")


def test_confusion_matrix_errors():
    with pytest.raises(ConfigError, match="square"):
        plot_confusion_matrix(np.ones((2, 3)), ["a", "b"])
    with pytest.raises(ConfigError, match="3 names for 2"):
        plot_confusion_matrix(np.ones((2, 2)), ["a", "b", "c"])
    with pytest.raises(DataError, match="NaN"):
        plot_confusion_matrix(np.array([[1, np.nan], [0, 1]]), ["a", "b"])
    with pytest.raises(DataError, match="non-negative"):
        plot_confusion_matrix(np.array([[1, -1], [0, 1]]), ["a", "b"])


# ---------------------------------------------------------------- accuracy vs SNR


def _records(noises=("gaussian", "pink"), seeds=3):
    out = []
    for noise in noises:
        for model in ("drsn_cw_paper", "resnet_paper"):
            for snr in (-4, 0, 4):
                for seed in range(seeds):
                    out.append({"model": model, "noise": noise, "snr_db": snr, "accuracy": 70 + snr + seed})
    return out


def test_accuracy_vs_snr_panels_bands_and_colors(tmp_path):
    fig = plot_accuracy_vs_snr(_records())
    assert len(fig.axes) == 2
    assert [a.get_title() for a in fig.axes] == [
        "Accuracy vs SNR: gaussian noise",
        "Accuracy vs SNR: pink noise",
    ]
    for ax in fig.axes:
        assert len(ax.lines) == 2 and len(bands(ax)) == 2
        resnet, drsn = ax.lines  # paper order: resnet before drsn_cw
        assert resnet.get_color() == model_style("resnet")["color"] == "#1f77b4"
        assert drsn.get_color() == model_style("DRSN-CW")["color"] == "#d62728"
        np.testing.assert_allclose(drsn.get_xdata(), [-4, 0, 4])
        np.testing.assert_allclose(drsn.get_ydata(), [67, 71, 75])  # mean over seeds 0, 1, 2
    assert len(fig.legends) == 1  # one legend for all panels
    render(fig, tmp_path, "snr")


def test_accuracy_vs_snr_one_noise_single_seed_reference_and_ax(tmp_path):
    recs = _records(seeds=1)
    host = Figure()
    ax = host.add_subplot()
    fig = plot_accuracy_vs_snr(recs, ax=ax, noise="pink", reference=PAPER_ACCURACY_VS_SNR)
    assert fig is host and len(host.axes) == 1
    assert len(bands(ax)) == 0  # a single seed: no std band
    dashed = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert len(ax.lines) == 2 + 4 and len(dashed) == 4  # two models + the paper's four curves
    assert dashed[0].get_ydata()[0] == PAPER_ACCURACY_VS_SNR["pink"]["convnet"][-5]
    render(host, tmp_path, "snr_ax")
    # One SNR, no noise key, flat reference.
    one = [{"model": "convnet", "snr_db": 0, "accuracy": 80.0}]
    fig = plot_accuracy_vs_snr(one, reference={"convnet": {0: 82.7}})
    assert len(fig.axes) == 1 and len(fig.axes[0].lines) == 2
    assert fig.axes[0].lines[0].get_color() == "#7f7f7f"
    render(fig, tmp_path, "snr_one")


def test_accuracy_vs_snr_errors():
    with pytest.raises(ConfigError, match="several noise kinds"):
        plot_accuracy_vs_snr(_records(), ax=Figure().add_subplot())
    with pytest.raises(ConfigError, match="not in the records"):
        plot_accuracy_vs_snr(_records(), noise="laplacian")
    with pytest.raises(ConfigError, match="missing key"):
        plot_accuracy_vs_snr([{"model": "x", "snr_db": 0}])
    with pytest.raises(DataError, match="not finite"):
        plot_accuracy_vs_snr([{"model": "x", "snr_db": 0, "accuracy": float("nan")}])
    with pytest.raises(DataError, match="empty"):
        plot_accuracy_vs_snr([])


def test_model_style_is_stable():
    assert model_style("drsn_cs_paper")["color"] == "#ff7f0e"
    assert model_style("convnet_big")["color"] == "#7f7f7f"
    assert model_style("my_transformer") == model_style("my_transformer")


# ---------------------------------------------------------------- thresholds vs SNR


def test_thresholds_vs_snr_binned_means(tmp_path):
    snr = np.repeat([-5.0, 0.0, 5.0], 4)
    taus = {"unit1": torch.tensor(1.0 - snr / 10), "unit2": 2.0 - snr / 10 + np.tile([0.0, 0.1, 0.2, 0.3], 3)}
    fig = plot_thresholds_vs_snr(torch.tensor(snr), taus)
    ax = fig.axes[0]
    assert len(ax.lines) == 2 and len(bands(ax)) == 2 and len(ax.collections) == 4  # + 2 point clouds
    np.testing.assert_allclose(ax.lines[0].get_ydata(), [1.5, 1.0, 0.5])
    np.testing.assert_allclose(ax.lines[1].get_ydata(), [2.65, 2.15, 1.65])
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["unit1", "unit2"]
    render(fig, tmp_path, "tau")
    # Continuous SNRs fall into equal-width bins; normalize divides by each block's mean.
    rng = np.random.default_rng(0)
    snr = rng.uniform(-5, 5, 300)
    host = Figure()
    ax = host.add_subplot()
    plot_thresholds_vs_snr(snr, {"b": 3.0 + 0 * snr}, ax=ax, bins=5, normalize=True)
    np.testing.assert_allclose(ax.lines[0].get_ydata(), np.ones(5))
    np.testing.assert_allclose(ax.lines[0].get_xdata(), [-4, -2, 0, 2, 4], atol=0.05)
    render(host, tmp_path, "tau_ax")


def test_thresholds_vs_snr_single_example_and_errors(tmp_path):
    fig = plot_thresholds_vs_snr([0.0], {"u": [0.3]})
    assert len(bands(fig.axes[0])) == 0  # one example: no std band
    render(fig, tmp_path, "tau_one")
    with pytest.raises(ConfigError, match="does not match"):
        plot_thresholds_vs_snr(np.zeros(4), {"u": np.zeros(3)})
    with pytest.raises(ConfigError, match="1-D"):
        plot_thresholds_vs_snr(np.zeros((4, 2)), {"u": np.zeros(4)})
    with pytest.raises(ConfigError, match="non-empty"):
        plot_thresholds_vs_snr(np.zeros(4), {})
    with pytest.raises(DataError, match="NaN"):
        plot_thresholds_vs_snr(np.zeros(2), {"u": [1.0, np.nan]})


# ---------------------------------------------------------------- signal


def test_signal_two_panels_with_snr_labels(tmp_path):
    t = np.arange(2048) / 12_000
    clean = np.sin(2 * np.pi * 500 * t)
    noise = np.random.default_rng(0).standard_normal(2048) * np.sqrt(0.5)  # power 0.5 -> 0 dB
    fig = plot_signal(clean, torch.tensor(clean + noise)[None], 12_000, denoised=clean + 0.1 * noise)
    trace, spec = fig.axes
    assert len(trace.lines) == 3 and len(spec.lines) == 3
    assert len(trace.lines[0].get_xdata()) == 1024  # default: first 1024 samples
    assert trace.get_xlabel() == "Time (ms)" and spec.get_xlabel() == "Frequency (kHz)"
    labels = [t.get_text() for t in trace.get_legend().get_texts()]
    assert labels[0].startswith("noisy (SNR") and "+20.0 dB" in labels[2]
    peak = spec.lines[1].get_xdata()[np.argmax(spec.lines[1].get_ydata())]
    assert abs(peak - 0.5) < 0.05  # the 500 Hz tone, in kHz
    assert np.all(np.isfinite(spec.lines[1].get_ydata()))
    render(fig, tmp_path, "signal")


def test_signal_duration_ax_and_errors(tmp_path):
    clean = np.zeros(100)  # silent: the spectrum stays finite
    fig = plot_signal(clean, sample_rate=1000.0, duration_ms=20)
    assert len(fig.axes[0].lines[0].get_xdata()) == 20 and np.all(
        np.isfinite(fig.axes[1].lines[0].get_ydata())
    )
    render(fig, tmp_path, "signal_zero")
    host = Figure()
    ax = host.add_subplot()
    assert plot_signal(np.ones(50), np.ones(50) * 2, ax=ax) is host and len(host.axes) == 1
    assert ax.get_xlabel() == "Sample"
    with pytest.raises(ConfigError, match="does not match"):
        plot_signal(np.ones(50), np.ones(49))
    with pytest.raises(ConfigError, match="needs sample_rate"):
        plot_signal(np.ones(50), duration_ms=10)
    with pytest.raises(ConfigError, match="one signal"):
        plot_signal(np.ones((2, 50)))
    with pytest.raises(DataError, match="NaN"):
        plot_signal(np.array([0.0, np.inf, 1.0]))


# ---------------------------------------------------------------- reconstructions


def test_reconstructions_grid(tmp_path):
    rng = np.random.default_rng(0)
    imgs = rng.random((4, 1, 8, 8))
    fig = plot_reconstructions(imgs, torch.tensor(imgs[:, 0] * 0.5), imgs, n=10)
    assert len(fig.axes) == 3 * 4  # n is capped at the number of images
    # the output row is named as the title names it, and every number says it is a PSNR
    assert [fig.axes[i].get_ylabel() for i in (0, 4, 8)] == ["original", "corrupted", "denoised"]
    assert fig.axes[8].get_xlabel() == "PSNR ∞ dB"  # perfect reconstruction
    assert "PSNR" in fig.get_suptitle()
    render(fig, tmp_path, "recon")
    fig = plot_reconstructions(imgs, None, imgs, n=2, label="reconstructed")
    assert len(fig.axes) == 4 and fig.axes[2].get_ylabel() == "reconstructed"
    with pytest.raises(ConfigError, match="does not match"):
        plot_reconstructions(imgs, None, rng.random((4, 9, 9)))
    with pytest.raises(ConfigError, match="1 or 3 channels"):
        plot_reconstructions(rng.random((4, 2, 8, 8)), None, rng.random((4, 2, 8, 8)))
    with pytest.raises(ConfigError, match="positive integer"):
        plot_reconstructions(imgs, None, imgs, n=0)


# ---------------------------------------------------------------- embedding


def test_embedding_pca_tsne_and_errors(tmp_path):
    rng = np.random.default_rng(0)
    labels = np.repeat([0, 1, 2], 10)
    codes = rng.normal(size=(30, 5)) + labels[:, None] * 5.0
    fig = plot_embedding(torch.tensor(codes), torch.tensor(labels), class_names=["n", "ir", "or"])
    ax = fig.axes[0]
    assert len(ax.collections) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["n", "ir", "or"]
    assert ax.get_xlabel().startswith("PC 1")
    render(fig, tmp_path, "pca")
    host = Figure()
    ax = host.add_subplot()
    assert plot_embedding(codes, labels, ax=ax, method="tsne") is host
    assert len(ax.collections) == 3 and ax.get_xlabel() == "t-SNE 1"
    render(host, tmp_path, "tsne")
    fig = plot_embedding(codes)  # no labels: one cloud, no legend
    assert len(fig.axes[0].collections) == 1 and fig.axes[0].get_legend() is None
    with pytest.raises(ConfigError, match="does not match"):
        plot_embedding(codes, labels[:5])
    with pytest.raises(ConfigError, match="method"):
        plot_embedding(codes, labels, method="umap")
    with pytest.raises(ConfigError, match="at least 2 features"):
        plot_embedding(codes[:, :1], labels)


# ---------------------------------------------------------------- error histogram


def test_error_histogram_split_threshold_and_log(tmp_path):
    scores = np.array([0.1, 0.2, 0.3, 0.2, 1.0, 2.0])
    labels = np.array([0, 0, 0, 0, 1, 1])
    fig = plot_error_histogram(scores, labels, threshold=0.5, log_x=True, bins=10)
    ax = fig.axes[0]
    assert len(ax.lines) == 1 and ax.get_xscale() == "log"
    texts = [t.get_text() for t in ax.get_legend().get_texts()]
    assert texts[:2] == ["normal (n=4)", "anomalous (n=2)"]
    assert "100% of anomalies, 0% of normal" in texts[2]
    filled = [p for p in ax.patches if p.get_fill()]
    assert sum(p.get_height() for p in filled) == 6  # every score counted once
    render(fig, tmp_path, "hist")
    host = Figure()
    ax = host.add_subplot()
    assert plot_error_histogram(np.full(5, 0.3), ax=ax) is host  # all equal: still a valid histogram
    assert len(ax.lines) == 0
    render(host, tmp_path, "hist_flat")
    with pytest.raises(ConfigError, match="does not match"):
        plot_error_histogram(scores, labels[:3])
    with pytest.raises(DataError, match="0 \\(normal\\) or 1"):
        plot_error_histogram(scores, labels + 1)
    with pytest.raises(ConfigError, match="positive scores"):
        plot_error_histogram(np.array([0.0, 1.0]), log_x=True)


# ---------------------------------------------------------------- save_figure


def test_save_figure_atomic_and_errors(tmp_path):
    fig = plot_error_histogram(np.arange(1.0, 10.0))
    path = tmp_path / "out.png"
    path.write_bytes(b"old")
    assert save_figure(fig, path, dpi=50) == path
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.png"]  # no temp file left
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)
    save_figure(fig, tmp_path / "out.pdf")
    assert (tmp_path / "out.pdf").read_bytes()[:5] == b"%PDF-"
    with pytest.raises(DataError, match="does not exist"):
        save_figure(fig, tmp_path / "nope" / "a.png")
    with pytest.raises(ConfigError, match="unknown image format"):
        save_figure(fig, tmp_path / "a.bmpx")
    with pytest.raises(ConfigError, match="Figure"):
        save_figure("not a figure", tmp_path / "a.png")
    with pytest.raises(ConfigError, match="dpi"):
        save_figure(fig, tmp_path / "a.png", dpi=0)


def test_save_figure_failure_leaves_no_temp_file(tmp_path, monkeypatch):
    fig = plot_error_histogram(np.arange(1.0, 10.0))

    def boom(*args, **kwargs):
        raise RuntimeError("renderer failed")

    monkeypatch.setattr(fig, "savefig", boom)
    with pytest.raises(RuntimeError):
        save_figure(fig, tmp_path / "x.png")
    assert list(tmp_path.iterdir()) == []


def test_import_deepshrink_does_not_import_matplotlib():
    code = "import sys, deepshrink; assert 'matplotlib' not in sys.modules, 'matplotlib imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
    code = "import sys, deepshrink.plots; assert 'matplotlib.pyplot' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
