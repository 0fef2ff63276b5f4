"""DRSNClassifier on CWRU windows from numpy arrays against `deepshrink train` on the same split and seed.

Both train drsn_cw_paper with the shared defaults (AdamW 3e-3, 30 epochs, batch 128, z-score, Gaussian noise
drawn per window from -10..5 dB) on the training windows of the CWRU `within` split (0 HP, 10 classes,
stride 256), seed 0, the same torch threads. They go through the same `fit`, so the weights should be equal;
the table gives the test accuracy of both on the same noisy test windows (evaluation seed 1234).

usage: python benchmarks/sklearn_vs_train.py --data ../shared/data/cwru \\
           --out benchmarks/results/sklearn_vs_train.json
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.engine.classify.evaluate import noisy_windows
from deepshrink.engine.classify.training import train
from deepshrink.engine.classify.windowing import build_dataset
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.options import parse_config
from deepshrink.formatting import markdown_table, snr_text
from deepshrink.functional import normalize
from deepshrink.sklearn import DRSNClassifier

SNRS = [-10.0, -5.0, 0.0, 5.0]


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--data", default="../shared/data/cwru")
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/sklearn_vs_train.json"))
    args = p.parse_args(argv)
    torch.set_num_threads(args.threads)
    cfg = parse_config(
        TrainConfig, {"data": f"cwru:{args.data}", "snr": "-10:5", "epochs": args.epochs, "seed": 0}
    )
    ds = build_dataset(cfg)
    t0 = time.perf_counter()
    ours = train(cfg, dataset=ds, evaluate=False).model
    t_train = time.perf_counter() - t0
    x, y = ds.train.x[:, 0], np.array(ds.classes)[ds.train.y]
    t0 = time.perf_counter()
    clf = DRSNClassifier(noise="gaussian", snr_db=(-10, 5), max_epochs=args.epochs, random_state=0).fit(x, y)
    t_clf = time.perf_counter() - t0
    same = all(torch.equal(v, clf.model_.state_dict()[k]) for k, v in ours.state_dict().items())
    x_test = torch.from_numpy(ds.test.x)
    rows = []
    for snr in [None, *SNRS]:
        xt = x_test if snr is None else noisy_windows(x_test, kind="gaussian", snr_db=snr, seed=1234)
        acc_clf = float(np.mean(clf.predict(xt.numpy()[:, 0]) == np.array(ds.classes)[ds.test.y]))
        with torch.inference_mode():
            pred = ours(normalize(xt, "zscore")).argmax(1).numpy()
        rows.append(
            {"snr_db": snr, "train": 100 * float(np.mean(pred == ds.test.y)), "DRSNClassifier": 100 * acc_clf}
        )
    table = markdown_table(
        ["test windows", "deepshrink train", "DRSNClassifier"],
        [[snr_text(r["snr_db"]), f"{r['train']:.1f}", f"{r['DRSNClassifier']:.1f}"] for r in rows],
    )
    lines = [
        table,
        f"\nweights equal: {same}; training {t_train:.0f} s (train) and {t_clf:.0f} s (DRSNClassifier)",
    ]
    finish(
        args.out,
        {
            "command": command_line("sklearn_vs_train.py", argv),
            "machine": machine_description(args.threads),
            "weights_equal": same,
            "rows": rows,
            "seconds": {"train": round(t_train, 1), "DRSNClassifier": round(t_clf, 1)},
        },
        "\n".join(lines),
    )
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
