"""Run a benchmark grid: every cell trained once, recorded as it finishes, resumable cell by cell.

Every finished training is stored as `cells/<key>.json` in the output folder (written atomically by this
process, whoever trained it); a rerun skips them. A cell that fails is recorded with its error and the rest
go on. Cells run one after another in this process (`workers=1`) or in parallel on Ray
(`deepshrink.benchmark.parallel`); the records do not depend on which.

Every cell file (and `results.json`, under `cells` and for the invocation that wrote it) records the
`environment` it was made in (`deepshrink.benchmark.environment`): a cell is bit-identical only within one.
Resume reads nothing of it: a kept cell, with or without one, is kept.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from deepshrink.atomic import atomic_write_json, atomic_write_text
from deepshrink.benchmark.cells import run_cell, shortcut_row, train_and_evaluate
from deepshrink.benchmark.config import GRID_FIELDS, BenchmarkConfig, Cell, cell_config, cell_key, plan_cells
from deepshrink.benchmark.environment import environment
from deepshrink.benchmark.eta import Eta, fmt_left
from deepshrink.benchmark.figures import write_figures
from deepshrink.benchmark.parallel import run_parallel
from deepshrink.benchmark.report import render_report
from deepshrink.benchmark.shortcut import SHORTCUT_MODEL
from deepshrink.benchmark.stats import paired_table
from deepshrink.data.readers.noise_recordings import check_recorded
from deepshrink.engine.classify.windowing import build_dataset
from deepshrink.engine.core.options import to_dict
from deepshrink.errors import ConfigError, DeepShrinkError
from deepshrink.formatting import epoch_metrics, snr_text

__all__ = ["EPOCH_PREFIX", "StderrProgress", "Trainer", "collect_results", "run_benchmark", "write_report"]

# A trainer runs one cell: (cfg, cell, on_epoch) -> {"records": [...], "train_seconds": float, "epochs": int,
# ...}; it calls on_epoch(epoch, epochs[, row]) after every training epoch (epoch counts from 1; row: the
# epoch's metrics, shown in the progress line as `deepshrink train` shows them).
Trainer = Callable[[BenchmarkConfig, Cell, Callable[..., None]], dict]

EPOCH_PREFIX = "  epoch "
RESULTS_FILE = "results.json"


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


def _check_same_setup(cfg: BenchmarkConfig, results: Path) -> None:
    """ConfigError when `results` came from a different training/evaluation setup (its cells would mix)."""
    if not results.is_file():
        return
    try:
        old = json.loads(results.read_text()).get("config") or {}
    except (OSError, json.JSONDecodeError):
        return  # rebuilt from the cell files at the end
    new = to_dict(cfg)
    changed = [k for k in new if k not in GRID_FIELDS and k in old and old[k] != new[k]]
    if changed:
        first = changed[0]
        raise ConfigError(
            f"{results.parent}: holds a benchmark with another {first} ({old[first]!r}, now {new[first]!r}); "
            "resume it with the same settings or use another out",
            key=first,
        )


def _finished(cell_file: Path) -> bool:
    """A cell file from an earlier run that completed without error (a broken or failed one is redone)."""
    try:
        return not json.loads(cell_file.read_text()).get("error")
    except (OSError, json.JSONDecodeError):
        return False


def check_data(cfg: BenchmarkConfig) -> None:
    """Load and split the data of every fold once before the grid starts: a data error is one line, not a
    report full of failed cells."""
    kinds = [*cfg.noises, cfg.train_noise]
    check_recorded(kinds)
    for fold in cfg.cell_folds():
        ds = build_dataset(
            cell_config(cfg, Cell(cfg.models[0], cfg.noises[0], None, cfg.seeds[0], fold), None)
        )
        check_recorded(kinds, ds)


def _threads(cfg: BenchmarkConfig) -> int | None:
    """The torch threads this process's cells were given (what `deepshrink benchmark` configures)."""
    return cfg.threads_per_worker or cfg.threads


def _describe(cell: Cell) -> str:
    snr = "SNR range" if cell.train_snr is None else snr_text(cell.train_snr)
    fold = "" if cell.fold is None else f" | fold {cell.fold}"
    return f"{cell.model} | {cell.noise} | {snr} | seed {cell.seed}{fold}"


def _run_sequential(
    cfg, pending: list[Cell], trainer: Trainer, write: Callable[[Cell, dict], None], say
) -> None:
    eta = Eta(len(pending))
    for i, cell in enumerate(pending):
        say(f"[{i + 1}/{len(pending)}] {_describe(cell)}{fmt_left(eta.left(i))}")
        t0 = time.perf_counter()

        def on_epoch(epoch: int, epochs: int, row: dict | None = None, *, i=i, t0=t0, model=cell.model):
            spent = time.perf_counter() - t0
            left = eta.left(i, epoch / max(epochs, 1), spent)
            if left != left:
                left = spent / max(epoch, 1) * max(epochs - epoch, 0)
            parts = [f"{EPOCH_PREFIX}{epoch}/{epochs}", model, *epoch_metrics(row)]
            say(" | ".join(parts) + f" | about {max(0.0, left) / 60:.1f} min left")

        result = run_cell(trainer, cfg, cell, on_epoch, threads=_threads(cfg))
        if result["error"]:
            say(f"  failed: {result['error']}")
        write(cell, result)
        eta.done_times.append(time.perf_counter() - t0)


def _shortcut_rows(cfg: BenchmarkConfig, out: Path, say) -> None:
    rows = sorted({(c.noise, c.train_snr, c.seed, c.fold) for c in plan_cells(cfg)}, key=str)
    for noise, snr, seed, fold in rows:
        path = out / "shortcut" / f"{cell_key(SHORTCUT_MODEL, noise, snr, seed, fold)}.json"
        if _finished(path):
            continue
        try:
            result = shortcut_row(cfg, noise, snr, seed, fold)
            result["error"] = None
        except DeepShrinkError as err:
            result = {"records": [], "error": f"{type(err).__name__}: {err}"}
            say(f"  shortcut baseline failed: {result['error']}")
        result["environment"] = environment(_threads(cfg))
        atomic_write_json(path, result)


def run_benchmark(
    cfg: BenchmarkConfig,
    *,
    trainer: Trainer | None = None,
    progress: Callable[[str], None] | None = None,
    command: str | None = None,
    shortcut: bool | None = None,
) -> dict:
    """Run (or resume) the grid; write `results.json` (+ `cells/`) in `cfg.out`; return the results dict.

    trainer: what trains one cell (default: `train_and_evaluate`, the real training). The real trainer's
    data is loaded and checked once before the first cell; the amplitude-shortcut rows (cfg.shortcut) are
    computed with it (`shortcut=True` forces them with another trainer).
    """
    cfg.validate()
    real = trainer is None
    trainer = trainer or train_and_evaluate
    out = Path(cfg.out)
    _check_same_setup(cfg, out / RESULTS_FILE)
    say = progress or StderrProgress()
    if real:
        check_data(cfg)
    cells_dir = out / "cells"
    cells_dir.mkdir(parents=True, exist_ok=True)
    plan = plan_cells(cfg)
    pending = [cell for cell in plan if not _finished(cells_dir / f"{cell.key}.json")]
    if len(pending) < len(plan):
        say(f"{len(plan) - len(pending)} of {len(plan)} trainings already finished in {cells_dir}: kept")
    started = time.perf_counter()

    def write(cell: Cell, result: dict) -> None:
        atomic_write_json(cells_dir / f"{cell.key}.json", result)

    if cfg.workers > 1 and pending:
        run_parallel(cfg, pending, trainer, write, say)
    else:
        _run_sequential(cfg, pending, trainer, write, say)
    if (real if shortcut is None else shortcut) and cfg.shortcut:
        _shortcut_rows(cfg, out, say)
    results = collect_results(cfg, command=command)
    results["elapsed_s"] = round(time.perf_counter() - started, 1)
    results["cells_trained"] = len(pending)  # by this invocation; elapsed_s covers these only
    results["environment"] = environment(_threads(cfg))  # this invocation's; each cell has its own
    atomic_write_text(out / RESULTS_FILE, json.dumps(results, indent=1) + "\n")
    write_report(results, out)
    return results


def write_report(results: dict, out: str | Path) -> Path:
    """Render the figures and `report.md` of a results dict into `out`."""
    figures = write_figures(results, out)
    return atomic_write_text(
        Path(out) / "report.md", render_report(results, figures, elapsed_s=results.get("elapsed_s"))
    )


def collect_results(cfg: BenchmarkConfig, *, command: str | None = None) -> dict:
    """Gather the cell (and shortcut) files of `cfg.out` into the `results.json` structure."""
    records: list[dict[str, Any]] = []
    failures, extras = [], {}
    out = Path(cfg.out)
    for cell in plan_cells(cfg):
        path = out / "cells" / f"{cell.key}.json"
        if not path.is_file():
            continue
        data = json.loads(path.read_text())
        if data.get("error"):
            failures.append({**data["cell"], "error": data["error"]})
            continue
        records.extend(data["records"])
        extras[cell.key] = {k: v for k, v in data.items() if k not in ("records", "cell", "error")}
    for path in sorted((out / "shortcut").glob("*.json")) if (out / "shortcut").is_dir() else []:
        data = json.loads(path.read_text())
        keep = {(c.noise, c.seed, c.fold) for c in plan_cells(cfg)}
        records.extend(
            r for r in data.get("records", []) if (r["train_noise"], r["seed"], r.get("fold")) in keep
        )
    nets = [m for m in cfg.models]
    _, paired = paired_table(records, nets) if len(nets) > 1 else ("", [])
    return {
        "schema": 2,
        "protocol": cfg.protocol,
        "dataset": cfg.data,
        "scenario": cfg.scenario,
        "config": to_dict(cfg),
        "command": command,
        "records": records,
        "failed": failures,
        "cells": extras,
        "paired": paired,
    }
