"""Which clean test windows the trained benchmark models confuse, and how those windows differ from the rest.

    python benchmarks/cwru_confusions.py --bench BENCH_OUT --true B014 --pred B021

BENCH_OUT is the `--out` folder of a finished `deepshrink benchmark` run (robust protocol) that still holds
its `runs/` (the trained models). Every trained model predicts the clean test windows of the benchmark's
own split; for windows of class `--true`, the script compares the ones predicted as `--pred` with the ones
classified correctly: RMS, mean |x| and kurtosis (a kurtosis near 3 means no impulses; bearing faults raise
it). Written next to `--out` as JSON and markdown.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import defaultdict
from datetime import date
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish
from cwru_class_stats import window_stats
from deepshrink.benchmark import BenchmarkConfig
from deepshrink.engine.classify.windowing import build_dataset
from deepshrink.engine.core.artifacts import load_model
from deepshrink.errors import DeepShrinkError
from deepshrink.formatting import markdown_table


def _fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def predict(model, x: np.ndarray, batch: int = 256) -> np.ndarray:
    out = []
    with torch.inference_mode():
        for i in range(0, len(x), batch):
            out.append(model(torch.from_numpy(x[i : i + batch])).argmax(1).numpy())
    return np.concatenate(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--bench", type=Path, required=True, help="a finished benchmark's --out folder")
    parser.add_argument("--true", default="B014", help="true class of the windows to inspect")
    parser.add_argument("--pred", default="B021", help="the wrong class they are called")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/cwru_confusions.json"))
    args = parser.parse_args(argv)
    results = args.bench / "results.json"
    runs = sorted((args.bench / "runs").glob("*/model.json"))
    if not results.is_file() or not runs:
        print(
            f"error: {args.bench}: no results.json or no runs/*/model.json (trained models)", file=sys.stderr
        )
        return 2
    config = json.loads(results.read_text())["config"]
    fields = BenchmarkConfig.__dataclass_fields__
    cfg = BenchmarkConfig(**{k: v for k, v in config.items() if k in fields})
    try:
        data = build_dataset(cfg.base(), check=False)
        if args.true not in data.classes or args.pred not in data.classes:
            raise DeepShrinkError(
                f"--true/--pred must be classes of the benchmark: {', '.join(data.classes)}"
            )
    except DeepShrinkError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    if cfg.normalize != "none":
        print("error: only benchmarks with --normalize none are supported", file=sys.stderr)
        return 2

    true_k, pred_k = data.classes.index(args.true), data.classes.index(args.pred)
    sel = data.test.y == true_k
    x_true = data.test.x[sel]
    stats = window_stats(x_true[:, 0])
    per_model: dict[str, list] = defaultdict(list)
    for meta_path in runs:
        try:
            model, meta = load_model(meta_path)
        except DeepShrinkError as err:
            print(f"skipped {meta_path.parent.name}: {err}", file=sys.stderr)
            continue
        wrong = predict(model, x_true) == pred_k
        per_model[meta["model"]].append(wrong)
        print(
            f"{meta_path.parent.name}: {int(wrong.sum())} of {len(wrong)} called {args.pred}", file=sys.stderr
        )

    rows = []
    for name, masks in per_model.items():
        called = np.stack(masks)  # (trainings, windows)
        ever = called.any(0)
        row = {
            "model": name,
            "trainings": len(masks),
            "windows": len(ever),
            "mean_called_per_training": round(float(called.sum(1).mean()), 2),
            "windows_ever_called": int(ever.sum()),
        }
        for s in ("rms", "mean_abs", "kurtosis"):
            row[f"{s}_called"] = round(float(stats[s][ever].mean()), 4) if ever.any() else None
            row[f"{s}_correct"] = round(float(stats[s][~ever].mean()), 4) if (~ever).any() else None
        rows.append(row)
    report = {
        "date": date.today().isoformat(),
        "bench": str(args.bench),
        "true": args.true,
        "pred": args.pred,
        "kurtosis_of_all_true_windows": sorted(round(float(v), 2) for v in stats["kurtosis"]),
        "rows": rows,
        "command": command_line("cwru_confusions.py", argv),
    }
    header = [
        "model",
        "trainings",
        f"{args.true} windows",
        f"called {args.pred} per training",
        "ever called",
        "kurtosis: called / correct",
        "RMS: called / correct",
    ]
    cells = [
        [
            r["model"],
            r["trainings"],
            r["windows"],
            f"{r['mean_called_per_training']:.1f}",
            r["windows_ever_called"],
            f"{_fmt(r['kurtosis_called'])} / {_fmt(r['kurtosis_correct'])}",
            f"{_fmt(r['rms_called'], '.3f')} / {_fmt(r['rms_correct'], '.3f')}",
        ]
        for r in rows
    ]
    finish(args.out, report, markdown_table(header, cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
