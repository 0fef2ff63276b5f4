"""A trained variational autoencoder run as a generative model (`deepshrink dae sample`).

`sample_prior` decodes latent vectors drawn from the prior N(0, I); `interpolate` decodes the straight line
between the latent means of two inputs. Both are pure (no files); `default_pair` finds two held-out examples
of the run's own data, and `write_samples` writes a result as a grid image (.png) or the raw array (.npy),
atomically.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor

from deepshrink.atomic import atomic_write
from deepshrink.data.sets.registry import dataset
from deepshrink.data.split.examples import load_examples, read_examples
from deepshrink.engine.core.artifacts import CONFIG_FILE, load_model, read_meta
from deepshrink.engine.core.config import DenoiseConfig, load_config
from deepshrink.engine.denoise.training import check_autoencoder_run
from deepshrink.errors import ConfigError, DataError
from deepshrink.models.vae import VAE
from deepshrink.plots import save_figure
from deepshrink.plots.samples import plot_interpolation, plot_sample_grid

__all__ = [
    "FORMATS",
    "default_pair",
    "interpolate",
    "interpolation_path",
    "load_variational_run",
    "read_input",
    "sample_prior",
    "to_data_units",
    "write_samples",
]

FORMATS = (".png", ".npy")


def _check_vae(model: Any) -> VAE:
    if not isinstance(model, VAE):
        raise ConfigError(f"expected a variational autoencoder (VAE), got {type(model).__name__}")
    return model


def _clip(model: VAE, y: Tensor) -> Tensor:
    return y.clamp(*model.output_range) if model.output_range is not None else y


def sample_prior(model: VAE, n: int, generator: torch.Generator | None = None) -> Tensor:
    """`n` examples (n, *input_shape) decoded from z ~ N(0, I) drawn with `generator` (the same seed gives
    the same samples, and the first k of n samples are those of n = k), in the model's output range."""
    model = _check_vae(model)
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ConfigError(f"n must be an integer >= 1, got {n!r}")
    model.eval()
    return _clip(model, model.sample(n, generator=generator))


def interpolate(model: VAE, a: Tensor, b: Tensor, steps: int) -> Tensor:
    """`steps` examples (steps, *input_shape) decoded from the straight line between the latent means of
    inputs `a` and `b` (each one example, with or without its batch axis): t = 0 is `a`'s mean code,
    t = 1 `b`'s."""
    model = _check_vae(model)
    if isinstance(steps, bool) or not isinstance(steps, int) or steps < 2:
        raise ConfigError(f"steps must be an integer >= 2, got {steps!r}")
    shape = tuple(model.input_shape)
    codes = []
    for name, x in (("a", a), ("b", b)):
        x = torch.as_tensor(x, dtype=torch.float32)
        if x.numel() != int(np.prod(shape)):
            raise DataError(f"{name}: {tuple(x.shape)} is not one example of shape {shape}")
        codes.append(x.reshape(1, *shape))
    model.eval()
    p = next(model.parameters())
    with torch.no_grad():
        mu = model.encode(torch.cat(codes).to(device=p.device, dtype=p.dtype))
        t = torch.linspace(0.0, 1.0, steps, device=p.device, dtype=p.dtype)[:, None]
        return _clip(model, model.decode((1 - t) * mu[:1] + t * mu[1:]))


# --- the run and its data -------------------------------------------------------------------------------


def load_variational_run(run: str | os.PathLike) -> tuple[VAE, dict[str, Any]]:
    """(model, meta) of a `dae train` run of a variational model; a DataError naming the run and its
    model for anything else (a classifier, a plain DAE)."""
    meta = read_meta(run)  # a missing run or model.json: DataError naming the path
    if meta.get("task") == "autoencoder":
        check_autoencoder_run(meta)
        model, meta = load_model(run)
        if isinstance(model, VAE):
            return model, meta
    raise DataError(
        f"{run} is a {meta['model']} run; dae sample needs a variational run (vae_mlp, trained with "
        "deepshrink dae train --model vae_mlp)"
    )


def read_input(path: str | os.PathLike, meta: dict[str, Any]) -> np.ndarray:
    """The first example of a file, read as `dae denoise` reads it (in the run's units)."""
    return read_examples(path, meta["data"])[0][0]


def _held_out(run: Path, n: int) -> np.ndarray:
    """The indices of the examples a run held out (validation), in order: training's `_split` again."""
    cfg_path = run / CONFIG_FILE
    if not cfg_path.is_file():
        raise DataError(f"{cfg_path}: missing, so the run's held-out examples are unknown")
    cfg = load_config(cfg_path, DenoiseConfig)
    order = np.random.default_rng(cfg.seed).permutation(n)
    return order[: max(1, round(cfg.val_fraction * n))]


def _two_labels(x: np.ndarray, y: np.ndarray, idx: np.ndarray, what: str) -> tuple[Any, Any, list[str]]:
    """The first example of `idx` and the next one of another class (digits 7 and 2, say)."""
    if len(idx) < 2:
        idx = np.arange(len(x))
    first = int(idx[0])
    other = next((int(i) for i in idx[1:] if y[i] != y[first]), int(idx[1]))
    names = [f"{what}#{i} ({int(y[i])})" for i in (first, other)]
    return x[first], x[other], names


def default_pair(run: str | os.PathLike, meta: dict[str, Any]) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """Two examples of the run's data it never trained on, and their names: for an image set of the
    registry (MNIST, Fashion-MNIST) the first test image and the next one of another class; for the
    built-in digits the first held-out image and the next one of another digit; otherwise the first two
    held-out examples (from the data spec in model.json, which may be a path relative to where the run
    was trained)."""
    data = meta["data"]
    spec = str(data.get("spec", ""))
    try:
        entry = dataset(spec.partition(":")[0])
        if entry is not None and entry.kind == "images" and entry.splits:
            x, y = entry.load(spec.partition(":")[2] or None, split="test")
            return _two_labels(x, y, np.arange(len(x)), "test ")
        if entry is not None and entry.kind == "images":  # no test part of its own: the run's held-out
            x, y = entry.load(*entry.root_args(spec.partition(":")[2] or None))
            return _two_labels(x, y, _held_out(Path(run), len(x)), "")
        cfg = load_config(Path(run) / CONFIG_FILE, DenoiseConfig)
        ex = load_examples(spec, kind=data["kind"], window=cfg.window)
        idx = _held_out(Path(run), len(ex.x))
        if len(idx) < 2:
            idx = np.arange(min(2, len(ex.x)))
        return ex.x[idx[0]], ex.x[idx[1]], [f"held-out #{int(i)}" for i in idx[:2]]
    except (DataError, ConfigError, OSError) as err:
        detail = " ".join(str(err).split())
        raise DataError(
            f"cannot read two inputs of the run's data {spec!r} for the interpolation ({detail}); "
            "give two files with --interpolate A B, or --steps 0 for none"
        ) from None


# --- output ---------------------------------------------------------------------------------------------


def interpolation_path(out: str | os.PathLike) -> Path:
    """OUT with `_interpolation` before its suffix: grid.png -> grid_interpolation.png."""
    p = Path(out)
    return p.with_name(f"{p.stem}_interpolation{p.suffix}")


def to_data_units(x: Tensor | np.ndarray, meta: dict[str, Any]) -> np.ndarray:
    """float32 numpy in the data's own units: signals times the run's scale, images as they are."""
    arr = x.detach().cpu().numpy() if isinstance(x, Tensor) else np.asarray(x)
    if meta["data"]["kind"] == "signal":
        arr = arr * float(meta["data"]["scale"])
    return np.ascontiguousarray(arr, dtype=np.float32)


def write_samples(
    out: str | os.PathLike,
    arr: np.ndarray,
    *,
    title: str,
    ends: tuple[np.ndarray, np.ndarray] | None = None,
    labels: tuple[str, str] = ("A", "B"),
) -> Path:
    """Write `arr` (N, *shape) to `out`: the array itself (.npy), or a figure (.png): a grid of samples,
    or with `ends` (the two inputs) an interpolation row from one to the other."""
    p = Path(out)
    suffix = p.suffix.lower()
    if suffix not in FORMATS:
        raise ConfigError(f"{p}: unknown output format {p.suffix!r}; use .png (a figure) or .npy (the array)")
    if suffix == ".npy":

        def write_npy(tmp: str) -> None:
            with open(tmp, "wb") as fh:  # np.save(path) would append ".npy" to the temporary name
                np.save(fh, arr, allow_pickle=False)

        return atomic_write(p, write_npy)
    if ends is None:
        fig = plot_sample_grid(arr, title=title)
    else:
        fig = plot_interpolation(arr, ends[0], ends[1], labels=labels, title=title)
    p.parent.mkdir(parents=True, exist_ok=True)
    return save_figure(fig, p)
