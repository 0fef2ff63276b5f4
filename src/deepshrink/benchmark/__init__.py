"""The noise-robustness benchmark: models x noise kinds x SNRs x seeds x scenario folds, one `train` per
cell, resumable, sequential or on Ray, with a report of paired differences and the amplitude shortcut.

Names are imported lazily (as in `deepshrink.engine`): `deepshrink benchmark --help` reads the config without
the runner, the models or the data modules.
"""

from __future__ import annotations

from deepshrink.lazy import lazy_exports

_EXPORTS = {
    "PAPER_MODELS": "config",
    "PROTOCOLS": "config",
    "BenchmarkConfig": "config",
    "Cell": "config",
    "plan_cells": "config",
    "collect_results": "runner",
    "run_benchmark": "runner",
    "write_report": "runner",
}

__all__ = sorted(_EXPORTS)


__getattr__ = lazy_exports(__name__, _EXPORTS)
