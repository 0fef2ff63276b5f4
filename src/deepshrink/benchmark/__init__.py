"""The noise-robustness benchmark: ConvNet, ResNet, DRSN-CS and DRSN-CW under one protocol, with a report."""

from deepshrink.benchmark.runner import (
    PAPER_MODELS,
    PROTOCOLS,
    BenchmarkConfig,
    collect_results,
    run_benchmark,
)

__all__ = ["PAPER_MODELS", "PROTOCOLS", "BenchmarkConfig", "collect_results", "run_benchmark"]
