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
from deepshrink.engine.classify.inference import Pipeline
from deepshrink.engine.core.artifacts import check_run_kind
from deepshrink.errors import ConfigError, DataError
from deepshrink.models import model_info

EXPORT_FORMATS = ("onnx",)
_EXTRA = 'pip install "deepshrink[export]"'


def _need(module: str) -> Any:
    # onnx, onnxscript and onnxruntime are an optional extra: say which one to install, never a traceback
    try:
        return importlib.import_module(module)
    except ImportError:
        raise ConfigError(f"ONNX export needs the {module} package: {_EXTRA}") from None


class _Pipeline(Pipeline):
    """What a deployment runs on a raw window: the inference pipeline (the run's per-window normalisation
    and the network) and the class probabilities beside the logits. In the graph, so no deployment
    re-implements the normalisation."""

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        logits = super().forward(x)
        return logits, torch.softmax(logits, dim=1)


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
    """Write `model` as ONNX atomically: input "x" (batch, C, window) of RAW windows, outputs "logits" and
    "probabilities", dynamic batch. The run's per-window normalisation (meta["normalize"]: zscore, minmax
    or none) is part of the graph.

    With `check`, runs the file in onnxruntime on random raw windows (with an offset and a scale, so that the
    normalisation matters) and returns the max abs difference of the logits from the PyTorch pipeline; above
    `atol` the file is removed and a `DataError` raised. Returns NaN when not checked.
    """
    check_run_kind(meta, "classification")
    out = Path(out)
    if out.suffix.lower() != ".onnx":
        raise ConfigError(f"{out}: an ONNX file name must end in .onnx", key="out")
    for module in ("onnx", "onnxscript") + (("onnxruntime",) if check else ()):
        _need(module)
    model = _Pipeline(model.eval().cpu(), str(meta.get("normalize", "none"))).eval()
    in_ch = int(meta["model_kwargs"].get("in_channels", 1))
    w = int(meta["window"])
    shape = (
        (in_ch, w, w) if model_info(meta["model"]).input_kind == "image2d" else (in_ch, w)
    )  # images: w x w
    g = torch.Generator().manual_seed(seed)
    x = 3.0 * torch.randn(batch, *shape, generator=g) + 0.5

    def write(tmp: str) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(
                model,
                (x,),
                tmp,
                input_names=["x"],
                output_names=["logits", "probabilities"],
                dynamic_axes={"x": {0: "batch"}, "logits": {0: "batch"}, "probabilities": {0: "batch"}},
                opset_version=opset,
                dynamo=False,
            )

    atomic_write(out, write)
    if not check:
        return float("nan")
    ort = _need("onnxruntime")
    session = ort.InferenceSession(str(out), providers=["CPUExecutionProvider"])
    x2 = 0.2 * torch.randn(batch + 3, *shape, generator=g)  # another batch size
    diff = 0.0
    with torch.inference_mode():
        for inp in (x, x2):
            ref = model(inp)[0].numpy()
            got = session.run(["logits"], {"x": inp.numpy()})[0]
            diff = max(diff, float(np.max(np.abs(ref - got))))
    if not np.isfinite(diff) or diff > atol:
        out.unlink(missing_ok=True)
        raise DataError(f"{out}: ONNX output differs from PyTorch by {diff:.3g} (> {atol:g}); file removed")
    return diff
