"""deepshrink: Deep Residual Shrinkage Networks and denoising autoencoders for heavily noisy data."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "create_model", "list_models", "model_info"]


def __getattr__(name: str):
    # Imported lazily so that `import deepshrink` (and the CLI's --help) stays fast.
    if name in ("create_model", "list_models", "model_info"):
        from deepshrink import models

        return getattr(models, name)
    raise AttributeError(f"module 'deepshrink' has no attribute {name!r}")
