"""How much of a data set's labels a window's level gives away, at each SNR: the evidence for the default
per-window normalisation.

For each data set (the `within` split of the benchmark, seed 0) and each fixed SNR, Gaussian noise is added
to every training and test window at that SNR relative to the window's own power (as the benchmark does),
and logistic regression is trained on three sets of per-window statistics:

- level: log RMS and log peak (what per-window z-score removes);
- shape: kurtosis and crest factor (scale-free: they survive normalisation);
- all four (the benchmark's amplitude-shortcut baseline).

The test accuracy of the `level` column is what a network can reach without looking at any fault signature,
when the windows are not normalised. Chance is 1 / classes.

usage: python benchmarks/level_cues.py --out benchmarks/results/level_cues.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.benchmark.shortcut import amplitude_features
from deepshrink.engine.classify.evaluate import noisy_windows
from deepshrink.engine.classify.windowing import build_dataset
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.options import parse_config
from deepshrink.formatting import markdown_table, snr_text

COLUMNS = {"level": [0, 1], "shape": [2, 3], "all": [0, 1, 2, 3]}
DATASETS = {
    "cwru": {"stride": 256, "eval_stride": 256},
    "uestc": {"stride": 2048, "eval_stride": 2048},
}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data-root", default="../shared/data")
    p.add_argument("--snrs", default="-10,-5,0,5")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/level_cues.json"))
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    snrs: list[float | None] = [None, *(float(s) for s in args.snrs.split(","))]
    rows, t0 = [], time.perf_counter()
    for name, options in DATASETS.items():
        cfg = parse_config(TrainConfig, {"data": f"{name}:{args.data_root}/{name}", **options, "seed": 0})
        ds = build_dataset(cfg)
        x_train, x_test = torch.from_numpy(ds.train.x), torch.from_numpy(ds.test.x)
        for snr in snrs:
            if snr is None:
                f_train, f_test = amplitude_features(x_train), amplitude_features(x_test)
            else:
                f_train = amplitude_features(noisy_windows(x_train, kind="gaussian", snr_db=snr, seed=1))
                f_test = amplitude_features(noisy_windows(x_test, kind="gaussian", snr_db=snr, seed=2))
            row = {"data": name, "classes": len(ds.classes), "snr_db": snr}
            for column, idx in COLUMNS.items():
                clf = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
                clf.fit(f_train[:, idx], ds.train.y)
                row[column] = round(100.0 * float(np.mean(clf.predict(f_test[:, idx]) == ds.test.y)), 1)
            rows.append(row)
            print(row, flush=True)
    table = markdown_table(
        ["data (classes)", "SNR", "level: log RMS + log peak", "shape: kurtosis + crest", "all four"],
        [
            [f"{r['data']} ({r['classes']})", snr_text(r["snr_db"]), r["level"], r["shape"], r["all"]]
            for r in rows
        ],
        align="llrrr",
    )
    finish(
        args.out,
        {
            "command": command_line("level_cues.py", argv),
            "machine": machine_description(1),
            "seconds": round(time.perf_counter() - t0, 1),
            "rows": rows,
        },
        table,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
