"""Training and inference throughput of the paper presets on CPU, beside a straightforward implementation.

    python benchmarks/speed.py --out benchmarks/results/speed.json

Each measurement is a plain PyTorch loop (SGD, cross-entropy, batch 128, input 1x2048) on the model that
`create_model` returns. Runs are interleaved and repeated; the best of the repeats is reported, which is the
most stable statistic on a shared machine. Writes JSON and a markdown table.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.formatting import markdown_table
from deepshrink.models import count_parameters, create_model
from reference_drsn import ReferenceDRSN

PRESETS = {"convnet_paper": None, "resnet_paper": None, "drsn_cs_paper": "cs", "drsn_cw_paper": "cw"}


def train_rate(model, x, y, steps: int) -> float:
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()
    start = time.perf_counter()
    for _ in range(steps):
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()
    return steps * x.shape[0] / (time.perf_counter() - start)


def infer_rate(model, x, steps: int) -> float:
    model.eval()
    with torch.inference_mode():
        start = time.perf_counter()
        for _ in range(steps):
            model(x)
    return steps * x.shape[0] / (time.perf_counter() - start)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--length", type=int, default=2048)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=15, help="untimed steps before timing each model")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/speed.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 1, args.length)
    y = torch.randint(0, 8, (args.batch,))

    models = {name: create_model(name, num_classes=8) for name in PRESETS}
    models["reference_resnet"] = ReferenceDRSN(None)
    models["reference_drsn_cw"] = ReferenceDRSN("cw")
    for m in models.values():  # warm-up: oneDNN picks and caches kernels during the first calls of a shape
        train_rate(m, x, y, args.warmup)
        infer_rate(m, x, 5)
    best_train = dict.fromkeys(models, 0.0)
    best_infer = dict.fromkeys(models, 0.0)
    for rep in range(args.repeats):
        for name, m in models.items():
            best_train[name] = max(best_train[name], train_rate(m, x, y, args.steps))
            best_infer[name] = max(best_infer[name], infer_rate(m, x, args.steps))
        print(f"repeat {rep + 1}/{args.repeats} done", file=sys.stderr)

    rows = []
    for name, m in models.items():
        rows.append(
            {
                "model": name,
                "params": count_parameters(m),
                "train_samples_per_s": round(best_train[name], 1),
                "infer_samples_per_s": round(best_infer[name], 1),
            }
        )
    ratios = {
        "drsn_cw_over_resnet_train_cost": round(best_train["resnet_paper"] / best_train["drsn_cw_paper"], 3),
        "drsn_cw_speedup_over_reference": round(
            best_train["drsn_cw_paper"] / best_train["reference_drsn_cw"], 3
        ),
        "resnet_speedup_over_reference": round(
            best_train["resnet_paper"] / best_train["reference_resnet"], 3
        ),
    }
    result = {
        "date": date.today().isoformat(),
        "machine": machine_description(args.threads),
        "batch": args.batch,
        "input": [1, args.length],
        "rows": rows,
        "ratios": ratios,
        "command": command_line("speed.py", argv),
    }
    table = [
        markdown_table(
            ["model", "params", "train samples/s", "inference samples/s"],
            [
                [
                    r["model"],
                    f"{r['params']:,}",
                    f"{r['train_samples_per_s']:,.0f}",
                    f"{r['infer_samples_per_s']:,.0f}",
                ]
                for r in rows
            ],
        ),
        "",
    ]
    table += [f"- {k}: {v}" for k, v in ratios.items()]
    finish(args.out, result, "\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
