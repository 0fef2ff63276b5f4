"""Matplotlib figures for deepshrink results.

Every function returns a `matplotlib.figure.Figure` built without pyplot (no global state, nothing shown),
and accepts ``ax=`` to draw into an existing Axes instead. Save with `save_figure` (atomic write).
matplotlib is imported only when this package is imported, never by ``import deepshrink``.
"""

from __future__ import annotations

from deepshrink.plots._common import model_style, save_figure
from deepshrink.plots.envelope import plot_envelope
from deepshrink.plots.evaluation import (
    PAPER_ACCURACY_VS_SNR,
    plot_accuracy_vs_snr,
    plot_confusion_matrix,
    plot_thresholds_vs_snr,
)
from deepshrink.plots.signals import plot_embedding, plot_error_histogram, plot_reconstructions, plot_signal
from deepshrink.plots.training import load_training_metrics, plot_training_curves

__all__ = [
    "PAPER_ACCURACY_VS_SNR",
    "load_training_metrics",
    "model_style",
    "plot_accuracy_vs_snr",
    "plot_confusion_matrix",
    "plot_embedding",
    "plot_envelope",
    "plot_error_histogram",
    "plot_reconstructions",
    "plot_signal",
    "plot_thresholds_vs_snr",
    "plot_training_curves",
    "save_figure",
]
