"""Outlier detection: deepshrink's DAEOutlierDetector beside scikit-learn's IsolationForest and
LocalOutlierFactor and PyOD's AutoEncoder and VAE, all at their defaults, on the same splits.

Tabular sets (scikit-learn's bundled data, one class as the outliers, downsampled to 10 % of the rows as in
the ODDS collection that PyOD's benchmark uses; a new sample per seed): breast cancer (malignant), wine
(class 0), digits (digit 0). Protocol of PyOD's benchmark: a stratified 60/40 split of all rows (outliers
included, unlabelled for training), fit on the 60 %, ROC-AUC and average precision of the scores on the 40 %.

Machine data: healthy windows to train, faults as outliers. Windows of 1,024 samples (no overlap), each
described by its log power in 64 frequency bands (the same tabular features for every method); train on 60 %
of the healthy windows, test on the other 40 % plus every fault window. Simulator (built in), CWRU (0 HP,
normal vs the nine faults) and UESTC (N vs B, I, O at all speeds) when the data are present.

Three seeds (split and estimators). Note: PyOD's VAE clamps its KL term to [0, capacity] with capacity = 0
by default, so at its defaults it trains as a plain autoencoder with a sampled code.

usage: python benchmarks/outlier_detection.py --out benchmarks/results/outlier_detection.json
"""

from __future__ import annotations

import argparse
import math
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_breast_cancer, load_digits, load_wine
from sklearn.ensemble import IsolationForest
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.neighbors import LocalOutlierFactor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.data import load_recordings
from deepshrink.data.split.windows import windows_of
from deepshrink.errors import DataError
from deepshrink.formatting import markdown_table, mean_std_text
from deepshrink.sklearn import DAEOutlierDetector

WINDOW, BANDS = 1024, 64


def _tabular() -> dict[str, tuple[np.ndarray, np.ndarray]]:
    bc = load_breast_cancer()
    wine = load_wine()
    dig = load_digits()
    return {
        "breast_cancer": (bc.data, (bc.target == 0).astype(int)),  # malignant as outliers
        "wine": (wine.data, (wine.target == 0).astype(int)),
        "digits_0": (dig.data, (dig.target == 0).astype(int)),
    }


def contaminate(
    x: np.ndarray, y: np.ndarray, seed: int, fraction: float = 0.1
) -> tuple[np.ndarray, np.ndarray]:
    """All inliers and a random sample of the outliers making `fraction` of the rows."""
    rng = np.random.default_rng(seed)
    inl, out = np.flatnonzero(y == 0), np.flatnonzero(y == 1)
    n_out = min(len(out), max(2, round(fraction * len(inl) / (1 - fraction))))
    keep = np.concatenate([inl, rng.choice(out, size=n_out, replace=False)])
    return x[keep], y[keep]


def band_features(windows: np.ndarray) -> np.ndarray:
    """(n, BANDS) log power in equal-width frequency bands of each window."""
    spec = np.abs(np.fft.rfft(windows[:, 0], axis=1)) ** 2
    bands = np.array_split(spec[:, 1:], BANDS, axis=1)
    return np.log(np.stack([b.mean(1) for b in bands], 1) + 1e-12)


def _machine(spec: str, normal: set[str]) -> tuple[np.ndarray, np.ndarray]:
    recs = load_recordings(spec, **({"n_recordings_per_class": 2} if spec == "simulator" else {}))
    xs, ys = [], []
    for r in recs:
        w = windows_of(r.signal, WINDOW)
        xs.append(band_features(w))
        ys.append(np.full(len(w), int(r.label not in normal)))
    return np.concatenate(xs), np.concatenate(ys)


def machine_sets(data: Path) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    sets = {"simulator": _machine("simulator", {"normal"})}
    for name, spec, normal in (
        ("cwru", f"cwru:{data / 'cwru'}", {"normal"}),
        ("uestc", f"uestc:{data / 'uestc'}", {"N"}),
    ):
        try:
            sets[name] = _machine(spec, normal)
        except DataError as err:
            print(f"skipping {name}: {err}", file=sys.stderr)
    return sets


def detectors(seed: int) -> dict:
    from pyod.models.auto_encoder import AutoEncoder
    from pyod.models.vae import VAE

    return {
        "DAEOutlierDetector": DAEOutlierDetector(random_state=seed),
        "IsolationForest": IsolationForest(random_state=seed),
        "LocalOutlierFactor": LocalOutlierFactor(novelty=True),
        "PyOD AutoEncoder": AutoEncoder(random_state=seed, verbose=0),
        "PyOD VAE": VAE(random_state=seed, verbose=0),
    }


def scores_of(det, x: np.ndarray) -> np.ndarray:
    # scikit-learn: higher decision_function = more normal; PyOD and deepshrink: higher = more abnormal
    s = det.decision_function(x)
    return -s if isinstance(det, (IsolationForest, LocalOutlierFactor)) else s


def evaluate(x_tr, x_te, y_te, seed: int) -> dict[str, dict[str, float]]:
    out = {}
    for name, det in detectors(seed).items():
        torch.manual_seed(seed)
        t0 = time.perf_counter()
        det.fit(x_tr)
        s = scores_of(det, x_te)
        out[name] = {
            "roc_auc": float(roc_auc_score(y_te, s)),
            "average_precision": float(average_precision_score(y_te, s)),
            "seconds": round(time.perf_counter() - t0, 2),
        }
    return out


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--data", type=Path, default=Path("../shared/data"))
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/outlier_detection.json"))
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    seeds = [int(s) for s in args.seeds.split(",")]
    results: dict[str, dict] = {}
    t_start = time.perf_counter()
    for name, (x_all, y_all) in _tabular().items():
        for seed in seeds:
            x, y = contaminate(x_all, y_all, seed)
            x_tr, x_te, _, y_te = train_test_split(x, y, test_size=0.4, stratify=y, random_state=seed)
            results.setdefault(name, {})[seed] = evaluate(x_tr, x_te, y_te, seed)
            print(name, seed, {k: round(v["roc_auc"], 3) for k, v in results[name][seed].items()}, flush=True)
    for name, (x, y) in machine_sets(args.data).items():
        for seed in seeds:
            healthy, faults = x[y == 0], x[y == 1]
            h_tr, h_te = train_test_split(healthy, test_size=0.4, random_state=seed)
            x_te = np.concatenate([h_te, faults])
            y_te = np.concatenate([np.zeros(len(h_te), int), np.ones(len(faults), int)])
            results.setdefault(name, {})[seed] = evaluate(h_tr, x_te, y_te, seed)
            print(name, seed, {k: round(v["roc_auc"], 3) for k, v in results[name][seed].items()}, flush=True)
    methods = list(detectors(0))
    rows = []
    means = {m: [] for m in methods}
    for name, by_seed in results.items():
        cells = []
        for m in methods:
            auc = [by_seed[s][m]["roc_auc"] for s in by_seed]
            ap = [by_seed[s][m]["average_precision"] for s in by_seed]
            means[m].append(float(np.mean(auc)))
            std = np.std(auc, ddof=1) if len(auc) > 1 else 0
            cells.append(f"{mean_std_text(np.mean(auc), std, len(auc), digits=3)} / {np.mean(ap):.3f}")
        rows.append([name, *cells])
    rows.append(["**mean ROC-AUC**", *(f"**{np.mean(v):.3f}**" for v in means.values())])
    table = markdown_table(["data", *methods], rows)
    markdown = "ROC-AUC (mean ± std over seeds) / average precision\n\n" + table
    finish(
        args.out,
        {
            "command": command_line("outlier_detection.py", argv),
            "machine": machine_description(1),
            "seeds": seeds,
            "results": results,
            "mean_roc_auc": {m: float(np.mean(v)) for m, v in means.items()},
            "minutes": round((time.perf_counter() - t_start) / 60, 1),
        },
        markdown,
    )
    return 0 if all(math.isfinite(v) for v in (np.mean(x) for x in means.values())) else 1


if __name__ == "__main__":
    sys.exit(main())
