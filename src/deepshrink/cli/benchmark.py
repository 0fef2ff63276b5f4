"""`deepshrink benchmark`: the paper's noise-robustness comparison, on any data set and scenario."""

from __future__ import annotations

import sys

from deepshrink.benchmark.config import CELL_FIELDS, BenchmarkConfig
from deepshrink.cli._common import (
    DATA_ARG,
    QUIET,
    key_values,
    parse_config_argv,
)

HELP = "compare models across noise kinds, SNRs, seeds and scenario folds (resumable, parallel)"
DESCRIPTION = """Train every model of --models under one protocol and measure test accuracy against input SNR.
The options of `deepshrink train` apply to every training (same defaults, docs/defaults.md); the grid axes
are --models, --noise, --snr, --seeds and the scenario's folds.

protocols:
  robust  one training per (seed, fold, noise kind, model) on SNRs drawn per window from the grid's range,
          evaluated at every SNR of the grid and on clean data (default; cheap)
  paper   one training per (seed, fold, noise kind, SNR, model) at that fixed SNR, noise drawn once and
          kept, evaluated at the same SNR (the paper's protocol; 11x the trainings for -5..5 dB)

Writes results.json, report.md (tables, paired differences with 95 % intervals, the amplitude-shortcut
baseline) and PNGs into --out. Finished cells are kept in --out/cells and skipped when the same command runs
again, so an interrupted benchmark resumes where it stopped. --workers N runs N cells at once on Ray.

examples:
  deepshrink benchmark --out bench
  deepshrink benchmark --data cwru:../shared/data/cwru --snr -10:5 --out bench_cwru
  deepshrink benchmark --data uestc --scenario cross-condition --models resnet_paper,drsn_cw_paper \\
                       --noise gaussian,pink --snr -10:5 --seeds 0,1,2 --workers 2 --out bench_uestc_cc
"""

EXTRA = (QUIET, DATA_ARG)
ALIASES = {"--noise": "--noises", "--snr": "--snrs"}  # the grid's axes keep the flags of earlier versions


def config_from_argv(argv: list[str], prog: str = "deepshrink benchmark") -> tuple[BenchmarkConfig, object]:
    """The validated BenchmarkConfig of a command line (and the extra flags)."""
    cfg, flags = parse_config_argv(
        BenchmarkConfig,
        argv,
        prog=prog,
        description=DESCRIPTION,
        extra=EXTRA,
        skip=CELL_FIELDS,
        aliases=ALIASES,
    )
    if flags.data_arg:
        cfg.data_kwargs = {**cfg.data_kwargs, **key_values(flags.data_arg, "--data-arg")}
    return cfg.validate(), flags


def main(argv: list[str], prog: str) -> int:
    """Run or resume the benchmark and print the summary; exit 1 when cells failed (listed)."""
    cfg, flags = config_from_argv(argv, prog)
    # imported after parsing: --help and usage errors answer without torch
    from deepshrink.benchmark.report import shortcut_warnings, summary_table
    from deepshrink.benchmark.runner import StderrProgress, run_benchmark
    from deepshrink.engine.core.runtime import configure_threads

    configure_threads(cfg.threads_per_worker or cfg.threads)
    say = (lambda _msg: None) if flags.quiet else StderrProgress()
    results = run_benchmark(cfg, progress=say, command="deepshrink benchmark " + " ".join(sys.argv[2:]))
    print(summary_table(results["records"], paper=False))
    print("\n(mean over every noise kind; ± = std over seeds and folds; paired differences: report.md)")
    for line in shortcut_warnings(results["records"], cfg.normalize):
        print(f"warning: {line}")
    print(f"\nreport: {cfg.out}/report.md  results: {cfg.out}/results.json")
    if results["failed"]:
        print(f"\n{len(results['failed'])} cell(s) failed:", file=sys.stderr)
        for f in results["failed"]:
            print(
                f"  {f['model']} | {f['noise']} | seed {f['seed']} | fold {f.get('fold')}: {f['error']}",
                file=sys.stderr,
            )
        return 1
    return 0
