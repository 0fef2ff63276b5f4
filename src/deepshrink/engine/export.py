"""Export a trained run to ONNX and check the exported graph against PyTorch with onnxruntime."""

from __future__ import annotations

import importlib
import os
import warnings
from pathlib import Path
from typing import Any

import numpy as np
import torch

from deepshrink.atomic import atomic_write
from deepshrink.engine.artifacts import check_run_kind
from deepshrink.errors import ConfigError, DataError

EXPORT_FORMATS = ("onnx",)
_EXTRA = 'pip install "deepshrink[export]"'


def _need(module: str) -> Any:
    # onnx, onnxscript and onnxruntime are an optional extra: say which one to install, never a traceback
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"ONNX export needs the {module} package: {_EXTRA}") from None


def export_onnx(
    model: torch.nn.Module,
    meta: dict[str, Any],
    out: str | os.PathLike,
    *,
    opset: int = 17,
    check: bool = True,
    atol: float = 1e-4,
    batch: int = 4,
    seed: int = 0,
) -> float:
    """Write `model` as ONNX (input "x" (batch, C, window), output "logits", dynamic batch) atomically.

    With `check`, runs the file in onnxruntime on random inputs and returns the max abs difference from
    PyTorch; above `atol` the file is removed and a `DataError` raised. Returns NaN when not checked.
    Normalisation is not part of the graph: apply meta["normalize"] to the windows before the model.
    """
    check_run_kind(meta, "classification")
    out = Path(out)
    if out.suffix.lower() != ".onnx":
        raise ConfigError(f"{out}: an ONNX file name must end in .onnx", key="out")
    for module in ("onnx", "onnxscript") + (("onnxruntime",) if check else ()):
        _need(module)
    model = model.eval().cpu()
    in_ch = int(meta["model_kwargs"].get("in_channels", 1))
    g = torch.Generator().manual_seed(seed)
    x = torch.randn(batch, in_ch, int(meta["window"]), generator=g)

    def write(tmp: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (x,),
                tmp,
                input_names=["x"],
                output_names=["logits"],
                dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}},
                opset_version=opset,
                dynamo=False,
            )

    atomic_write(out, write)
    if not check:
        return float("nan")
    ort = _need("onnxruntime")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x2 = torch.randn(batch + 3, in_ch, int(meta["window"]), generator=g)  # another batch size: dynamic axis
    diff = 0.0
    with torch.inference_mode():
        for inp in (x, x2):
            ref = model(inp).numpy()
            got = session.run(["logits"], {"x": inp.numpy()})[0]
            diff = max(diff, float(np.max(np.abs(ref - got))))
    if not np.isfinite(diff) or diff > atol:
        out.unlink(missing_ok=True)
        raise DataError(f"{out}: ONNX output differs from PyTorch by {diff:.3g} (> {atol:g}); file removed")
    return diff
