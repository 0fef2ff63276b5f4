"""Benchmark cells in parallel on Ray (`deepshrink benchmark --workers N`; the `deepshrink[ray]` extra).

Each cell is one Ray task calling the same trainer (and so the same `fit`) as a sequential run; the driver
writes every finished cell's JSON atomically as it arrives, so an interrupted parallel run resumes exactly
like a sequential one. Each task sets torch's intra-op threads to `threads_per_worker` (default: the cores
divided by the workers), so that workers sharing a machine do not oversubscribe it. On GPUs,
`gpus_per_cell=0.25` packs four small trainings on one device (Ray's fractional resources).

`ray.init()` starts a local Ray by default; `address` (or $RAY_ADDRESS) joins an existing cluster, whose
workers must see the output folder only through this driver (they return results, they write nothing).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import asdict
from typing import Any

from deepshrink.benchmark.cells import run_cell
from deepshrink.benchmark.config import BenchmarkConfig, Cell
from deepshrink.benchmark.eta import fmt_left, fraction, parallel_left
from deepshrink.engine.core.options import to_dict
from deepshrink.engine.core.runtime import available_cores, configure_threads
from deepshrink.errors import ConfigError
from deepshrink.formatting import epoch_metrics

__all__ = ["run_parallel"]

_INSTALL = 'pip install "deepshrink[ray]"'


def _import_ray() -> Any:
    try:
        import ray
    except ImportError:
        raise ConfigError(
            f"more than one worker needs Ray: {_INSTALL} (or run with --workers 1)", key="workers"
        ) from None
    return ray


def _cell_task(cfg_values: dict, cell_values: dict, trainer: Callable, threads: int, queue: Any) -> dict:
    """Runs on a Ray worker: one cell with `threads` torch threads; epochs are reported through `queue`."""
    configure_threads(threads)
    cfg = BenchmarkConfig(**cfg_values)
    cell = Cell(**cell_values)

    def on_epoch(epoch: int, epochs: int, row: dict | None = None) -> None:
        try:
            queue.put_nowait((cell.key, epoch, epochs, epoch_metrics(row)))
        except Exception:  # progress is best effort: a full or closed queue must not fail the cell
            pass

    return run_cell(trainer, cfg, cell, on_epoch, threads=threads)


def _live(cell: Cell, epoch: tuple[int, int] | None, shown: list[str] | None) -> str:
    """One running cell in the progress line: "resnet_paper starting" before its first epoch ends, then
    "resnet_paper epoch 3/15 (train_loss 0.41, val_acc 83.1 %)"."""
    if epoch is None:
        return f"{cell.model} starting"
    return f"{cell.model} epoch {epoch[0]}/{epoch[1]}" + (f" ({', '.join(shown)})" if shown else "")


def _init(ray: Any, cfg: BenchmarkConfig) -> None:
    if ray.is_initialized():
        return
    address = cfg.address or os.environ.get("RAY_ADDRESS")
    kwargs: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False, "logging_level": "ERROR"}
    if address:
        ray.init(address=address, **kwargs)
    else:
        # Ray runs its workers at nice 15 unless told otherwise: on a shared machine every other process then
        # starves the cells, which a sequential run (in this process, nice 0) would not suffer
        os.environ.setdefault("RAY_worker_niceness", "0")
        ray.init(num_cpus=available_cores(), **kwargs)


def run_parallel(
    cfg: BenchmarkConfig,
    pending: list[Cell],
    trainer: Callable,
    write: Callable[[Cell, dict], None],
    say: Callable[[str], None],
) -> None:
    """Run `pending` cells with at most `cfg.workers` at a time on Ray; `write` each result as it arrives."""
    ray = _import_ray()
    from ray.util.queue import Queue

    _init(ray, cfg)
    cores = int(ray.cluster_resources().get("CPU", available_cores()))
    threads = cfg.threads_per_worker or max(1, cores // cfg.workers)
    remote = ray.remote(num_cpus=threads, num_gpus=cfg.gpus_per_cell or 0)(_cell_task)
    queue = Queue()
    cfg_values = to_dict(cfg)
    waiting = list(pending)
    running: dict[Any, tuple[Cell, float]] = {}
    epochs: dict[str, tuple[int, int]] = {}
    metrics: dict[str, list[str]] = {}
    done_times: list[float] = []
    total, done, last = len(pending), 0, ""
    say(f"{total} cells on Ray: {cfg.workers} workers, {threads} torch thread(s) each")
    while waiting or running:
        while waiting and len(running) < cfg.workers:
            cell = waiting.pop(0)
            ref = remote.remote(cfg_values, asdict(cell), trainer, threads, queue)
            running[ref] = (cell, time.perf_counter())
        ready, _ = ray.wait(list(running), num_returns=1, timeout=2.0)
        while not queue.empty():
            key, epoch, n, shown = queue.get_nowait()
            epochs[key], metrics[key] = (epoch, n), shown
        for ref in ready:
            cell, t0 = running.pop(ref)
            try:
                result = ray.get(ref)
            except Exception as err:  # a worker that died: record the cell as failed, go on
                result = {"records": [], "error": f"{type(err).__name__}: {err}", "cell": asdict(cell)}
            write(cell, result)
            done += 1
            done_times.append(time.perf_counter() - t0)
            status = "failed: " + result["error"] if result.get("error") else "done"
            say(f"[{done}/{total}] {cell.key} {status}")
        live = ", ".join(_live(c, epochs.get(c.key), metrics.get(c.key)) for c, _ in running.values())
        line = f"  epoch | {done} done, {len(running)} running ({live}), {len(waiting)} waiting"
        # a log file gets a line per epoch or cell, not one every poll (the estimate alone moves every poll)
        if line != last and (running or waiting):
            now = time.perf_counter()
            progress = [(fraction(epochs.get(c.key)), now - t0) for c, t0 in running.values()]
            say(line + fmt_left(parallel_left(done_times, progress, len(waiting), cfg.workers)))
            last = line
