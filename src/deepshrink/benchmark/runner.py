"""The model x noise x SNR x seed grid: train, evaluate, record; resumable cell by cell.

Protocols:
- "robust": per (seed, noise kind, model) one training on SNRs drawn per example from the grid's range,
  then evaluation at every SNR of the grid (and on clean data). Cheap: one training serves the whole row.
- "paper": per (seed, noise kind, SNR, model) one training at that fixed SNR with noise drawn once and kept
  (the paper's protocol) and evaluation at the same SNR.

Every finished training is stored as `cells/<key>.json` in the output folder; a rerun skips them. A cell that
fails is recorded with its error and the rest go on.
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

from deepshrink.errors import ConfigError, DeepShrinkError

PROTOCOLS = ("robust", "paper")
PAPER_MODELS = ("convnet_paper", "resnet_paper", "drsn_cs_paper", "drsn_cw_paper")
# AdamW peak learning rate of the benchmark (every CWRU figure in docs/benchmarks.md used it); with the
# paper's SGD recipe lr stays None so that the recipe's 0.1 applies: SGD at an AdamW rate would barely train.
ADAMW_LR = 3e-3


@dataclass
class BenchmarkConfig:
    """What to compare, on what, and how (see the module docstring for the protocols)."""

    models: Sequence[str] = PAPER_MODELS
    data: str = "simulator"
    data_kwargs: dict = field(default_factory=dict)
    noises: Sequence[str] = ("gaussian", "laplacian", "pink")
    snrs: Sequence[float] = tuple(float(s) for s in range(-5, 6))
    seeds: Sequence[int] = (0, 1, 2)
    protocol: str = "robust"
    epochs: int = 30
    recipe: str = "adamw"
    lr: float | None = None
    batch_size: int | None = 128
    window: int = 2048
    stride: int | None = 256
    eval_stride: int | None = 256
    normalize: str = "none"
    eval_seed: int = 1234
    thresholds: bool = True
    train_snr: tuple[float, float] | None = None
    out: str = "benchmark"

    def validate(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise ConfigError(f"protocol must be one of {', '.join(PROTOCOLS)}, got {self.protocol!r}")
        if not self.models or not self.noises or not self.snrs or not self.seeds:
            raise ConfigError("models, noises, snrs and seeds must each name at least one value")
        if "none" in self.noises:
            raise ConfigError(
                "noise 'none' is evaluated automatically (clean accuracy); list noisy kinds only"
            )
        if self.epochs < 1:
            raise ConfigError(f"epochs must be >= 1, got {self.epochs}")
        if self.lr is None and self.recipe == "adamw":
            self.lr = ADAMW_LR
        if self.train_snr is not None:
            from deepshrink.engine.config import parse_snr

            rng = parse_snr(self.train_snr)
            if not isinstance(rng, tuple):
                raise ConfigError(f"train_snr must be a range LOW:HIGH in dB, got {self.train_snr!r}")
            if self.protocol != "robust":
                raise ConfigError("train_snr applies to the robust protocol only (paper trains at each SNR)")
            self.train_snr = rng


def cell_key(model: str, noise: str, snr: float | None, seed: int) -> str:
    snr_part = "range" if snr is None else f"{snr:+g}dB"
    return f"{model}__{noise}__{snr_part}__seed{seed}"


def _atomic_write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text)
    os.replace(tmp, path)


@dataclass
class Cell:
    model: str
    noise: str
    train_snr: float | None  # None: the robust protocol's SNR range
    seed: int

    @property
    def key(self) -> str:
        return cell_key(self.model, self.noise, self.train_snr, self.seed)


# Fields that may change between a run and its resumption: they add cells to the grid or only place output.
_GRID_FIELDS = ("models", "noises", "seeds", "out")


def _check_same_setup(cfg: BenchmarkConfig, results: Path) -> None:
    """ConfigError when `results` came from a different training/evaluation setup (its cells would mix)."""
    if not results.is_file():
        return
    try:
        old = json.loads(results.read_text()).get("config") or {}
    except (OSError, json.JSONDecodeError):
        return  # rebuilt from the cell files at the end
    new = {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()}
    changed = [k for k in new if k not in _GRID_FIELDS and k in old and old[k] != new[k]]
    if changed:
        first = changed[0]
        raise ConfigError(
            f"{results.parent}: holds a benchmark with another {first} ({old[first]!r}, now {new[first]!r}); "
            "resume it with the same settings or use another --out"
        )


def plan_cells(cfg: BenchmarkConfig) -> list[Cell]:
    """Trainings in the order they run: seed-major, so that a partial run already covers every model."""
    cells = []
    for seed in cfg.seeds:
        for noise in cfg.noises:
            snrs: list[float | None] = [None] if cfg.protocol == "robust" else [float(s) for s in cfg.snrs]
            for snr in snrs:
                for model in cfg.models:
                    cells.append(Cell(model, noise, snr, int(seed)))
    return cells


# A trainer runs one cell: (cfg, cell, on_epoch) -> {"records": [...], "train_seconds": float, "epochs": int,
# ...}; it calls on_epoch(epoch, epochs) after every training epoch (epoch counts from 1).
Trainer = Callable[[BenchmarkConfig, Cell, Callable[[int, int], None]], dict]

EPOCH_PREFIX = "  epoch "


class StderrProgress:
    """The default progress printer: one line per cell; epoch updates rewrite one line on a terminal and
    are plain lines in a log file."""

    def __init__(self, stream=None):
        self.stream = stream if stream is not None else sys.stderr
        self._inline = False

    def __call__(self, msg: str) -> None:
        tty = self.stream.isatty()
        if tty and msg.startswith(EPOCH_PREFIX):
            self.stream.write("\r" + msg + "\x1b[K")
            self._inline = True
        else:
            if self._inline:
                self.stream.write("\n")
                self._inline = False
            self.stream.write(msg + "\n")
        self.stream.flush()


def run_benchmark(
    cfg: BenchmarkConfig,
    *,
    trainer: Trainer | None = None,
    progress: Callable[[str], None] | None = None,
    command: str | None = None,
) -> dict:
    """Run (or resume) the grid; write `results.json` (+ `cells/`) in `cfg.out`; return the results dict."""
    cfg.validate()
    if trainer is None:
        from deepshrink.benchmark.cells import train_and_evaluate

        trainer = train_and_evaluate
    out = Path(cfg.out)
    _check_same_setup(cfg, out / "results.json")
    cells_dir = out / "cells"
    cells_dir.mkdir(parents=True, exist_ok=True)
    say = progress or StderrProgress()
    plan = plan_cells(cfg)
    pending = [cell for cell in plan if not _finished(cells_dir / f"{cell.key}.json")]
    if len(pending) < len(plan):
        say(f"{len(plan) - len(pending)} of {len(plan)} trainings already finished in {cells_dir}: kept")
    started = time.perf_counter()
    done_times: list[float] = []
    for i, cell in enumerate(pending):
        path = cells_dir / f"{cell.key}.json"
        eta = f", about {(len(pending) - i) * _mean(done_times) / 60:.1f} min left" if done_times else ""
        say(
            f"[{i + 1}/{len(pending)}] {cell.model} | {cell.noise} | "
            f"{'SNR range' if cell.train_snr is None else f'{cell.train_snr:g} dB'} | seed {cell.seed}{eta}"
        )
        t0 = time.perf_counter()

        def on_epoch(epoch: int, epochs: int, *, i=i, t0=t0, model=cell.model) -> None:
            spent = time.perf_counter() - t0
            this_cell = spent / max(epoch, 1) * epochs
            per_cell = _mean(done_times) if done_times else this_cell
            left = (this_cell - spent) + (len(pending) - i - 1) * per_cell
            say(f"{EPOCH_PREFIX}{epoch}/{epochs} | {model} | about {left / 60:.1f} min left")

        try:
            result = trainer(cfg, cell, on_epoch)
            result["error"] = None
        except (DeepShrinkError, RuntimeError, ValueError, FloatingPointError) as err:
            # a failing cell is recorded and the grid goes on
            result = {
                "records": [],
                "error": f"{type(err).__name__}: {err}",
                "traceback": traceback.format_exc(limit=5),
            }
            say(f"  failed: {result['error']}")
        result["cell"] = asdict(cell)
        _atomic_write(path, json.dumps(result, indent=1))
        done_times.append(time.perf_counter() - t0)
    results = collect_results(cfg, command=command)
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    results["cells_trained"] = len(pending)  # by this invocation; elapsed_s covers these only
    _atomic_write(out / "results.json", json.dumps(results, indent=1) + "\n")
    write_report(results, out)
    return results


def _mean(values: list[float]) -> float:
    return sum(values) / len(values)


def _finished(cell_file: Path) -> bool:
    """A cell file from an earlier run that completed without error (a broken or failed one is redone)."""
    try:
        return not json.loads(cell_file.read_text()).get("error")
    except (OSError, json.JSONDecodeError):
        return False


def write_report(results: dict, out: str | Path) -> Path:
    """Render the figures and `report.md` of a results dict into `out`."""
    from deepshrink.benchmark.figures import write_figures
    from deepshrink.benchmark.report import render_report

    figures = write_figures(results, out)
    path = Path(out) / "report.md"
    _atomic_write(path, render_report(results, figures, elapsed_s=results.get("elapsed_s")))
    return path


def collect_results(cfg: BenchmarkConfig, *, command: str | None = None) -> dict:
    """Gather the cell files of `cfg.out` into the `results.json` structure."""
    records, failures, extras = [], [], {}
    for cell in plan_cells(cfg):
        path = Path(cfg.out) / "cells" / f"{cell.key}.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        if data.get("error"):
            failures.append({**data["cell"], "error": data["error"]})
            continue
        records.extend(data["records"])
        extras[cell.key] = {k: v for k, v in data.items() if k not in ("records", "cell", "error")}
    return {
        "protocol": cfg.protocol,
        "dataset": cfg.data,
        "config": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(cfg).items()},
        "command": command,
        "records": records,
        "failed": failures,
        "cells": extras,
    }
