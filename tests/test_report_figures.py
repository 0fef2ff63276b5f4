"""The figure and report items of issue 26: the paper's curves only where they mean something, legends off
the data, twelve threshold curves that can be told apart, a shortcut row that says what it was trained on."""

from __future__ import annotations

import numpy as np
import pytest

from deepshrink.benchmark.figures import paper_curves_shown, write_figures
from deepshrink.benchmark.report import accuracy_tables, row_label, summary_table
from deepshrink.plots import plot_accuracy_vs_snr, plot_thresholds_vs_snr


def _records(dataset_models=("resnet_paper", "drsn_cw_paper", "amplitude_shortcut")):
    out = []
    for model in dataset_models:
        for snr in (-10.0, -5.0, 0.0, 5.0, None):
            out.append(
                {
                    "model": model,
                    "noise": "none" if snr is None else "gaussian",
                    "snr_db": snr,
                    "accuracy": 50.0 + (snr or 10.0),
                    "seed": 0,
                    "fold": None,
                    "train_snr_db": "-10:5",
                }
            )
    return out


@pytest.mark.parametrize(
    ("dataset", "asked", "shown"),
    [
        ("simulator", None, True),
        ("cwru:../shared/data/cwru", None, False),
        ("cwru:../shared/data/cwru", True, True),
        ("simulator", False, False),
    ],
)
def test_paper_curves_only_on_the_simulator_or_when_asked(tmp_path, dataset, asked, shown, monkeypatch):
    results = {"dataset": dataset, "config": {"paper_curves": asked}, "records": _records()}
    assert paper_curves_shown(results) is shown
    drawn = {}
    import deepshrink.benchmark.figures as figures

    real = figures.plot_accuracy_vs_snr

    def spy(records, **kw):
        drawn["reference"] = kw.get("reference")
        return real(records, **kw)

    monkeypatch.setattr(figures, "plot_accuracy_vs_snr", spy)
    write_figures(results, tmp_path)
    assert bool(drawn["reference"]) is shown


def test_paper_curves_are_labelled_as_the_papers_own_data_and_the_legend_leaves_the_axes():
    recs = [r for r in _records() if r["snr_db"] is not None]
    fig = plot_accuracy_vs_snr(recs, reference={"resnet": {-5.0: 61.0, 0.0: 88.8}})
    (axis,) = fig.axes
    labels = [t.get_text() for t in axis.get_legend().get_texts()]
    assert "resnet (paper, its own data)" in labels
    fig.canvas.draw()
    legend = axis.get_legend().get_window_extent()
    assert legend.x0 >= axis.get_window_extent().x1  # beside the plot, never on a curve


def test_twelve_threshold_units_each_have_their_own_style():
    snr = np.repeat([-10.0, -5.0, 0.0, 5.0], 3)
    taus = {f"units.{i}.shrinkage": np.linspace(1.0, 2.0, 12) + i for i in range(12)}
    fig = plot_thresholds_vs_snr(snr, taus, normalize=True)
    lines = [ln for ln in fig.axes[0].lines if ln.get_label().startswith("units.")]
    assert len(lines) == 12
    styles = {(ln.get_color(), ln.get_marker(), ln.get_linestyle()) for ln in lines}
    assert len(styles) == 12
    assert len({ln.get_color() for ln in lines}) == 10  # ten qualitative colours, no shades of one map
    assert len({ln.get_marker() for ln in lines}) == 12


def test_the_shortcut_row_says_what_it_was_trained_on():
    records = _records()
    label = "amplitude_shortcut (trained on noisy windows, -10..5 dB)"
    assert row_label("amplitude_shortcut", records) == label
    assert row_label("resnet_paper", records) == "resnet_paper"
    assert f"| {label} |" in accuracy_tables(records)
    assert f"| {label} |" in summary_table(records)
    paper = [dict(r, train_snr_db=r["snr_db"]) for r in records]
    assert row_label("amplitude_shortcut", paper) == "amplitude_shortcut (trained at each SNR)"
