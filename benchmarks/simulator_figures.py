"""Draw the figures of docs/simulator.md: time traces and envelope spectra of simulated recordings.

python benchmarks/simulator_figures.py                       # docs/img/simulator_*.png
python benchmarks/simulator_figures.py --calibration a.json b.json   # also the accuracy-vs-SNR plot
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
from scipy import signal as sps

from deepshrink.data.simulate.simulator import make_bearing_signals

LABELS = ["normal", "B014", "IR014", "OR014"]
TITLES = {
    "normal": "normal",
    "B014": "ball fault 0.014 in",
    "IR014": "inner race 0.014 in",
    "OR014": "outer race 0.014 in",
}


def envelope_spectrum(x: np.ndarray, fs: float, centre_hz: float) -> tuple[np.ndarray, np.ndarray]:
    """Squared-envelope spectrum of ``x`` band-passed to +-30 % around the resonance ``centre_hz``."""
    sos = sps.butter(
        4, [0.7 * centre_hz, min(1.3 * centre_hz, 0.45 * fs)], btype="bandpass", fs=fs, output="sos"
    )
    env = np.abs(sps.hilbert(sps.sosfiltfilt(sos, x))) ** 2
    env -= env.mean()
    spec = np.abs(np.fft.rfft(env * np.hanning(len(env)))) / len(env)
    return np.fft.rfftfreq(len(env), 1.0 / fs), spec


def save(fig, path: Path) -> None:
    """Write the figure atomically (temp file in the same folder, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".png", dir=path.parent)
    os.close(fd)
    try:
        fig.savefig(tmp, dpi=110, bbox_inches="tight")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    plt.close(fig)
    print("wrote", path)


def figures(out: Path) -> None:
    recs = make_bearing_signals(classes=LABELS, n_recordings_per_class=1, random_state=0)
    fig, axes = plt.subplots(len(recs), 1, figsize=(9, 7), sharex=True)
    for ax, r in zip(axes, recs, strict=True):
        t = np.arange(1200) / r.sample_rate
        ax.plot(t * 1e3, r.signal[0, :1200], lw=0.6)
        m = r.meta
        info = f"{m['rpm']:.0f} rpm, resonance {m['resonance_hz']:.0f} Hz"
        if m["defect_hz"]:
            ax.vlines(
                np.arange(0, 0.1, 1 / m["defect_hz"]) * 1e3,
                *ax.get_ylim(),
                colors="r",
                lw=0.4,
                alpha=0.4,
                zorder=0,
            )
            info += (
                f", impulse amplitude {m['impulse_amplitude']:.2f} (background RMS {m['background_rms']:.2f})"
            )
        ax.set_title(f"{TITLES[r.label]}: {info}", fontsize=9)
        ax.set_ylabel("a.u.")
    axes[-1].set_xlabel("time [ms] (red: nominal defect period)")
    fig.suptitle("Simulated vibration, first 0.1 s (default options)")
    save(fig, out / "simulator_time.png")

    fig, axes = plt.subplots(len(recs), 1, figsize=(9, 8), sharex=True)
    for ax, r in zip(axes, recs, strict=True):
        m = r.meta
        f, s = envelope_spectrum(r.signal[0].astype(np.float64), r.sample_rate, m["resonance_hz"])
        keep = f < 600
        ax.plot(f[keep], s[keep], lw=0.7)
        ax.axvline(m["shaft_hz"], color="g", ls=":", lw=0.8, label="shaft 1x")
        if m["defect_hz"]:
            for k in (1, 2, 3):
                if k * m["defect_hz"] < 600:
                    ax.axvline(
                        k * m["defect_hz"],
                        color="r",
                        ls="--",
                        lw=0.8,
                        label="defect freq. x1-3" if k == 1 else None,
                    )
            name = {"ball": "2 x BSF", "inner": "BPFI", "outer": "BPFO"}[m["fault_type"]]
            ax.set_title(f"{TITLES[r.label]}: {name} = {m['defect_hz']:.1f} Hz", fontsize=9)
        else:
            bpfi, bpfo = 5.4152 * m["shaft_hz"], 3.5848 * m["shaft_hz"]
            ax.axvline(bpfi, color="r", ls="--", lw=0.6, alpha=0.5, label="BPFI / BPFO (absent)")
            ax.axvline(bpfo, color="r", ls="--", lw=0.6, alpha=0.5)
            ax.set_title(f"{TITLES[r.label]}: no defect line", fontsize=9)
        ax.legend(fontsize=7, loc="upper right")
    axes[-1].set_xlabel("frequency [Hz]")
    fig.suptitle("Squared-envelope spectra (band-pass +-30 % around the resonance, 10 s)")
    save(fig, out / "simulator_envelope.png")


def calibration_plot(paths: list[str], out: Path) -> None:
    fig, ax = plt.subplots(figsize=(6, 4))
    for p in paths:
        res = json.loads(Path(p).read_text())
        keys = [k for k in ("clean", "5", "0", "-5", "-10") if k in res]
        xs = [20 if k == "clean" else float(k) for k in keys]
        ax.plot(xs, [100 * res[k] for k in keys], "o-", label=f"{res['mode']}, trained {res['train_noise']}")
    ax.set_xticks([20, 5, 0, -5, -10], ["clean", "5", "0", "-5", "-10"])
    ax.invert_xaxis()
    ax.axhline(10, color="gray", ls=":", lw=0.8)
    ax.set_xlabel("test SNR [dB] (white noise added per window)")
    ax.set_ylabel("test accuracy [%]")
    ax.set_title("Naive reference nets on the default simulator set (10 classes)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3)
    save(fig, out / "simulator_calibration.png")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="docs/img")
    ap.add_argument("--calibration", nargs="*", default=[], help="JSON results of simulator_calibration.py")
    args = ap.parse_args()
    figures(Path(args.out))
    if args.calibration:
        calibration_plot(args.calibration, Path(args.out))


if __name__ == "__main__":
    main()
