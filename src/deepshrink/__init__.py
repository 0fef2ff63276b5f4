"""deepshrink: Deep Residual Shrinkage Networks and denoising autoencoders for heavily noisy data."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "create_model", "list_models", "model_info"]


def __getattr__(name: str):
    # Imported lazily: `deepshrink --help` and `import deepshrink` take 0.05 s instead of the 2.9 s that torch
    # and the model registry cost (measured on a 2-core machine, docs/benchmarks.md).
    if name in ("create_model", "list_models", "model_info"):
        from deepshrink import models

        return getattr(models, name)
    raise AttributeError(f"module 'deepshrink' has no attribute {name!r}")
