"""The figure of an envelope diagnosis (`deepshrink diagnose --out DIR`): the squared envelope spectrum with
each defect family's lines marked, and the kurtogram with the demodulated band.

The diagnosis and the geometry are read by their attributes (`deepshrink.functional.envelope`'s
EnvelopeDiagnosis, `deepshrink.functional.bearing`'s BearingGeometry), not imported: `deepshrink.functional`
imports torch, which a figure does not need."""

from __future__ import annotations

from typing import Any

import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from deepshrink.errors import ConfigError

__all__ = ["FAMILY_COLORS", "plot_envelope"]

# one colour per defect family, the same in every figure
FAMILY_COLORS = {"outer": "#d62728", "inner": "#1f77b4", "ball": "#2ca02c"}


def _fundamentals(geometry: Any, shaft_hz: float) -> dict[str, float]:
    # the lines `family_scores` scores: BPFO, BPFI and 2 x BSF (a ball defect strikes both races)
    return {
        "outer": geometry.bpfo * shaft_hz,
        "inner": geometry.bpfi * shaft_hz,
        "ball": 2.0 * geometry.bsf * shaft_hz,
    }


def plot_envelope(
    diagnosis: Any,
    geometry: Any,
    shaft_hz: float,
    *,
    kurtogram: tuple[np.ndarray, np.ndarray] | None = None,
    sample_rate: float | None = None,
    harmonics: int = 3,
    max_hz: float | None = None,
    title: str | None = None,
) -> Figure:
    """Two panels: the squared envelope spectrum of `diagnosis` up to `max_hz` (default: 1.25 x the highest
    scored line) with the first `harmonics` lines of each family (outer BPFO, inner BPFI, ball 2 x BSF)
    drawn as labelled vertical lines (the legend gives each family's score), and the kurtogram
    (`fast_kurtogram`'s (kurtogram, levels), over 0 .. sample_rate / 2) with the demodulated band outlined.
    Without `kurtogram` the second panel says that none was given. Returns the Figure.
    """
    for name, obj, attrs in (
        ("diagnosis", diagnosis, ("verdict", "scores", "band", "freqs", "spectrum")),
        ("geometry", geometry, ("bpfo", "bpfi", "bsf")),
    ):
        missing = [a for a in attrs if not hasattr(obj, a)]
        if missing:
            raise ConfigError(f"{name}: {type(obj).__name__} has no {', '.join(missing)}")
    if isinstance(shaft_hz, bool) or not isinstance(shaft_hz, (int, float)) or not shaft_hz > 0:
        raise ConfigError(f"shaft_hz must be a positive number of Hz, got {shaft_hz!r}")
    if isinstance(harmonics, bool) or not isinstance(harmonics, int) or harmonics < 1:
        raise ConfigError(f"harmonics must be an integer >= 1, got {harmonics!r}")
    if kurtogram is not None and (sample_rate is None or not sample_rate > 0):
        raise ConfigError("kurtogram needs sample_rate (its bands span 0 .. sample_rate / 2)")
    fund = _fundamentals(geometry, float(shaft_hz))
    top = max(fund.values()) * harmonics
    max_hz = float(max_hz) if max_hz is not None else 1.25 * top
    fig = Figure(figsize=(9.0, 7.0), layout="constrained")
    ax_s, ax_k = fig.subplots(2, 1, height_ratios=(3, 2))

    freqs, spec = np.asarray(diagnosis.freqs), np.asarray(diagnosis.spectrum)
    keep = (freqs > 0) & (freqs <= max_hz)
    ax_s.plot(freqs[keep], spec[keep], color="0.25", lw=0.8)
    for fam, f1 in fund.items():
        score = diagnosis.scores.get(fam, float("nan"))
        for k in range(1, harmonics + 1):
            ax_s.axvline(
                k * f1,
                color=FAMILY_COLORS[fam],
                ls="--",
                lw=1.0,
                alpha=0.8,
                label=f"{fam} ({f1:.1f} Hz x1-{harmonics}): {score:.1f} dB" if k == 1 else None,
            )
            ax_s.text(
                k * f1,
                1.0,
                f"{fam[0].upper()}{k}",
                transform=ax_s.get_xaxis_transform(),
                color=FAMILY_COLORS[fam],
                ha="center",
                va="bottom",
                fontsize=7,
            )
    ax_s.set_xlim(0, max_hz)
    ax_s.set_xlabel("envelope frequency (Hz)")
    ax_s.set_ylabel("squared envelope amplitude")
    lo, hi = diagnosis.band
    ax_s.set_title(
        f"{title + ': ' if title else ''}verdict {diagnosis.verdict}; band {lo:.0f}-{hi:.0f} Hz, "
        f"shaft {shaft_hz:.2f} Hz",
        fontsize=10,
        pad=14,
    )
    ax_s.legend(fontsize=8, loc="upper right")

    if kurtogram is None:
        ax_k.text(0.5, 0.5, "no kurtogram given", ha="center", va="center", transform=ax_k.transAxes)
        ax_k.set_axis_off()
        return fig
    kg, levels = (np.asarray(a, dtype=np.float64) for a in kurtogram)
    if kg.ndim != 2 or levels.shape != (kg.shape[0],):
        raise ConfigError(f"kurtogram: expected (n_levels, n_cols) and n_levels levels, got {kg.shape}")
    nyq = float(sample_rate) / 2.0
    image = ax_k.imshow(
        np.ma.masked_invalid(kg),
        aspect="auto",
        interpolation="nearest",
        origin="upper",
        extent=(0.0, nyq, kg.shape[0] - 0.5, -0.5),
        cmap="viridis",
    )
    ax_k.set_yticks(range(kg.shape[0]), [f"{v:.1f}" for v in levels], fontsize=7)
    ax_k.set_ylabel("level (log2 bands)")
    ax_k.set_xlabel("frequency (Hz)")
    ax_k.set_title("kurtogram (kurtosis of the complex envelope per band)", fontsize=10)
    fig.colorbar(image, ax=ax_k, label="kurtosis")
    # the demodulated band: outline it on its level when it is a kurtogram band, else across the map
    width = hi - lo
    rows = [i for i, v in enumerate(levels) if abs(nyq / 2.0**v - width) < 1e-6 * nyq]
    y0, height = (rows[0] - 0.5, 1.0) if rows else (-0.5, float(kg.shape[0]))
    ax_k.add_patch(Rectangle((lo, y0), width, height, fill=False, ec="white", lw=1.5))
    return fig
