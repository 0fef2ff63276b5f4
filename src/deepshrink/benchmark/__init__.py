"""The noise-robustness benchmark: models x noise kinds x SNRs x seeds x scenario folds, one `train` per
cell, resumable, sequential or on Ray, with a report of paired differences and the amplitude shortcut."""

from deepshrink.benchmark.config import PAPER_MODELS, PROTOCOLS, BenchmarkConfig, Cell, plan_cells
from deepshrink.benchmark.runner import collect_results, run_benchmark, write_report

__all__ = [
    "PAPER_MODELS",
    "PROTOCOLS",
    "BenchmarkConfig",
    "Cell",
    "collect_results",
    "plan_cells",
    "run_benchmark",
    "write_report",
]
