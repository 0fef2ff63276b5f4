"""Does DAE pre-training help when labels are scarce? MNIST with 1 % and 10 % of the training labels.

A stacked DAE (784-256-128, sigmoid units) is pre-trained greedily, layer by layer, on all 60,000 training
images without labels (masking noise 25 %), then for each label fraction a class-stratified subset trains
(a) the pre-trained encoder + a linear head and (b) the same network from a random initialisation, with the
same epochs, learning rate and seed. Test accuracy on the 10,000 MNIST test images, per seed.

    python benchmarks/dae_pretraining.py --seeds 0,1,2 --out benchmarks/results/dae_pretraining.json
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import time
from datetime import date
from pathlib import Path

import torch

from deepshrink.atomic import atomic_write_json, atomic_write_text
from deepshrink.data.sets.images import load_mnist
from deepshrink.engine.denoise.pretraining import pretraining_experiment
from deepshrink.formatting import markdown_table, mean_std, mean_std_text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument(
        "--data", type=Path, default=Path(os.environ.get("DEEPSHRINK_DATA", "../shared/data")) / "mnist"
    )
    ap.add_argument("--seeds", default="0,1,2")
    ap.add_argument("--fractions", default="0.01,0.1")
    ap.add_argument("--pretrain-epochs", type=int, default=5, help="greedy epochs per layer")
    ap.add_argument("--finetune-epochs", type=int, default=50)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/dae_pretraining.json"))
    args = ap.parse_args()
    torch.set_num_threads(args.threads)

    x, y = (torch.from_numpy(a) for a in load_mnist(args.data, split="train"))
    xt, yt = (torch.from_numpy(a) for a in load_mnist(args.data, split="test"))
    fractions = tuple(float(f) for f in args.fractions.split(","))
    records = []
    for seed in (int(s) for s in args.seeds.split(",")):
        t0 = time.perf_counter()
        rows = pretraining_experiment(
            x,
            y,
            xt,
            yt,
            fractions=fractions,
            pretrain_epochs=args.pretrain_epochs,
            finetune_epochs=args.finetune_epochs,
            seed=seed,
        )
        for row in rows:
            records.append({"seed": seed, **row, "seconds": round(time.perf_counter() - t0, 1)})
            print(
                f"seed {seed}, {row['fraction']:.0%} labels ({row['n_labels']}): "
                f"pre-trained {row['acc_pretrained']:.2%}, scratch {row['acc_scratch']:.2%}",
                flush=True,
            )
    report = {
        "records": records,
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {args.threads} threads, torch {torch.__version__}",
        "command": "python benchmarks/dae_pretraining.py " + " ".join(sys.argv[1:]),
        "hidden": [256, 128],
        "corruption": "masking 0.25",
        "pretrain_epochs_per_layer": args.pretrain_epochs,
        "finetune_epochs": args.finetune_epochs,
    }
    atomic_write_json(args.out, report)
    cells = []
    for f in fractions:
        rows = [r for r in records if r["fraction"] == f]
        pre = [100 * r["acc_pretrained"] for r in rows]
        scr = [100 * r["acc_scratch"] for r in rows]
        gain = [a - b for a, b in zip(pre, scr, strict=True)]
        cells.append(
            [
                f"{f:.0%} ({rows[0]['n_labels']})",
                mean_std_text(*mean_std(pre), len(pre)),
                mean_std_text(*mean_std(scr), len(scr)),
                f"{statistics.mean(gain):+.1f} (min {min(gain):+.1f})",
            ]
        )
    lines = [
        f"MNIST test accuracy (%), mean ± std over seeds {args.seeds} "
        f"({report['date']}, {report['machine']}).",
        "",
        markdown_table(["labels", "pre-trained stacked DAE", "from scratch", "gain"], cells),
    ]
    atomic_write_text(args.out.with_suffix(".md"), "\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
