"""DAE features in a scikit-learn pipeline: DenoisingAutoencoder -> LogisticRegression in GridSearchCV on
scikit-learn's digits under 25 % masking noise, against logistic regression on the raw pixels.

Digits (1,797 images of 8x8 pixels, scaled to [0, 1]) are split 60/40 (stratified); 25 % of the pixels of
every image, train and test, are set to 0 (exactly 16 per image, a fixed seed per split). Both pipelines are
tuned by 3-fold GridSearchCV on the training part; the table gives the test accuracy over 3 seeds.

usage: python benchmarks/dae_features_digits.py --out benchmarks/results/dae_features_digits.json
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import torch
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, train_test_split
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.formatting import markdown_table, mean_std_text
from deepshrink.functional import masking_noise
from deepshrink.sklearn import DenoisingAutoencoder


def masked(x: np.ndarray, seed: int) -> np.ndarray:
    g = torch.Generator().manual_seed(seed)
    return masking_noise(torch.from_numpy(x).float(), 0.25, generator=g).double().numpy()


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", default="0,1,2")
    p.add_argument("--out", type=Path, default=Path("benchmarks/results/dae_features_digits.json"))
    args = p.parse_args(argv)
    torch.set_num_threads(1)
    warnings.filterwarnings("ignore")
    d = load_digits()
    x, y = d.data / 16.0, d.target
    rows, t0 = [], time.perf_counter()
    for seed in (int(s) for s in args.seeds.split(",")):
        x_tr, x_te, y_tr, y_te = train_test_split(x, y, test_size=0.4, stratify=y, random_state=seed)
        x_tr, x_te = masked(x_tr, 2 * seed), masked(x_te, 2 * seed + 1)
        raw = GridSearchCV(
            Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression(max_iter=2000))]),
            {"clf__C": [0.01, 0.1, 1.0, 10.0]},
            cv=3,
        ).fit(x_tr, y_tr)
        dae = GridSearchCV(
            Pipeline(
                [
                    (
                        "dae",
                        DenoisingAutoencoder(
                            corruption="masking", level=0.25, max_epochs=60, lr=5e-3, random_state=seed
                        ),
                    ),
                    ("clf", LogisticRegression(max_iter=2000)),
                ]
            ),
            {"dae__hidden": [(128, 64), (256, 128)], "clf__C": [0.1, 1.0]},
            cv=3,
        ).fit(x_tr, y_tr)
        row = {
            "seed": seed,
            "raw_pixels": float(raw.score(x_te, y_te)),
            "dae_features": float(dae.score(x_te, y_te)),
            "raw_best": raw.best_params_,
            "dae_best": {k: list(v) if isinstance(v, tuple) else v for k, v in dae.best_params_.items()},
        }
        rows.append(row)
        print(row, flush=True)
    raw_acc = [r["raw_pixels"] for r in rows]
    dae_acc = [r["dae_features"] for r in rows]
    diff = np.array(dae_acc) - np.array(raw_acc)

    def pct(values) -> str:
        return mean_std_text(100 * np.mean(values), 100 * np.std(values, ddof=1), len(values))

    markdown = markdown_table(
        ["features", "test accuracy, 25 % masking (mean ± std over seeds)"],
        [
            ["raw pixels -> LogisticRegression", pct(raw_acc)],
            ["DenoisingAutoencoder -> LogisticRegression", pct(dae_acc)],
            [
                "difference (paired by seed)",
                f"{100 * diff.mean():+.1f} (min {100 * diff.min():+.1f}, max {100 * diff.max():+.1f})",
            ],
        ],
    )
    finish(
        args.out,
        {
            "command": command_line("dae_features_digits.py", argv),
            "machine": machine_description(1),
            "rows": rows,
            "minutes": round((time.perf_counter() - t0) / 60, 1),
        },
        markdown,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
