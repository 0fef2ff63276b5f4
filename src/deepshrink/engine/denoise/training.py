"""Denoising autoencoders: training runs (`deepshrink dae train`), the in-memory `train_denoiser` and
evaluation (a trained run used on files, `dae denoise` and `dae score`, lives in engine/denoise/apply.py).

An autoencoder run directory holds config.yaml, metrics.csv, checkpoints/, model.safetensors + model.json
(registry name, kwargs, what the data looked like, the corruption it was trained for, the anomaly-score
threshold and the training score distribution), eval.json (denoising quality on held-out data) and figures
(`reconstructions.png` or `signals.png`, `errors.png`). Nothing is unpickled when a run is loaded.
"""

from __future__ import annotations

import inspect
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from deepshrink.atomic import atomic_write_json
from deepshrink.choices import DAE_CORRUPTION_MODE, DAE_LR
from deepshrink.data.split.examples import Examples, load_examples
from deepshrink.engine.core.artifacts import MODEL_META, check_run, check_run_kind, start_run
from deepshrink.engine.core.config import DenoiseConfig
from deepshrink.engine.core.fit import fit
from deepshrink.engine.core.options import parse_config, validated
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.corruption import corrupt
from deepshrink.functional.metrics import psnr, snr_improvement_db, ssim
from deepshrink.functional.seeding import mix_seed, seeded
from deepshrink.models import AutoEncoder, create_model, model_info
from deepshrink.plots import plot_error_histogram, plot_reconstructions, plot_signal, save_figure
from deepshrink.tasks import DenoisingTask, ExampleDataModule, check_examples

__all__ = [
    "DEFAULT_LEVELS",
    "build_autoencoder",
    "check_autoencoder_run",
    "evaluate_denoiser",
    "train_dae_run",
    "train_denoiser",
]

DEFAULT_LEVELS = {"gaussian": 0.5, "salt_pepper": 0.2, "masking": 0.4, "none": 0.0}
SCORE_QUANTILE = 0.99
AUTO_EXAMPLES = 100_000  # default training length: about this many examples seen, 5 to 100 epochs


def _as_model_input(model: nn.Module, x: Tensor, name: str) -> Tensor:
    """(N, H, W) images get their channel axis when the model takes (N, 1, H, W); anything else of the wrong
    shape is a DataError saying the shape the model expects."""
    want = getattr(model, "ndim", None)
    shape = tuple(getattr(model, "input_shape", ()) or ())
    if (want is not None and x.ndim == want + 1) or (len(shape) == x.ndim and shape[0] == 1 and x.ndim >= 2):
        x = x.unsqueeze(1)
    try:
        model.check_input(x)
    except ConfigError as err:
        raise DataError(f"{name}: {err}") from None
    return x


def denoising_task(
    cfg: DenoiseConfig,
    model: AutoEncoder | nn.Module | str,
    *,
    level: float | tuple[float, float],
    clip: tuple[float, float] | None,
    val_level: float | None = None,
    model_kwargs: dict | None = None,
    loss: str | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
) -> DenoisingTask:
    """The `DenoisingTask` of a validated `DenoiseConfig`: the one place where the config's corruption and
    optimisation options become a task (`dae train`, `train_denoiser`, greedy pre-training and the
    `DenoisingAutoencoder` estimator, which map their arguments onto a `DenoiseConfig`). What the config
    does not hold comes as arguments: the resolved level, the output clip of the data kind, and for the
    Python API the loss and the sparse / contractive / variational weights."""
    return DenoisingTask(
        model,
        model_kwargs=model_kwargs,
        corruption=cfg.corruption,
        level=level,
        blind=cfg.blind,
        mode=cfg.corruption_mode,
        clip=clip,
        val_level=val_level,
        loss=loss,
        alpha=alpha,
        beta=beta,
        recipe=cfg.recipe,
        lr=cfg.lr,
        weight_decay=cfg.weight_decay,
        schedule=cfg.schedule,
        warmup_epochs=cfg.warmup_epochs,
        seed=cfg.seed,
    )


def denoise_config(**values: Any) -> DenoiseConfig:
    """A validated `DenoiseConfig` of the Python API's arguments (a bad one names its option)."""
    return parse_config(DenoiseConfig, values, source="denoiser")


def train_denoiser(
    model: AutoEncoder,
    train_images: Tensor,
    *,
    corruption: str = "gaussian",
    level: float | tuple[float, float] = 0.5,
    epochs: int = 10,
    batch_size: int = 128,
    lr: float = DAE_LR,
    seed: int = 0,
    blind: bool = True,
    max_minutes: float | None = None,
    val_images: Tensor | None = None,
    val_level: float | None = None,
    clip: tuple[float, float] | None = (0.0, 1.0),
    loss: str | None = None,
    alpha: float = 1.0,
    beta: float = 1.0,
    weight_decay: float = 0.0,
    mode: str = DAE_CORRUPTION_MODE,
    schedule: str = "cosine",
    verbose: bool = False,
    on_epoch=None,
) -> tuple[AutoEncoder, list[dict[str, Any]]]:
    """Train `model` (an autoencoder, trained in place) to denoise clean `train_images` in memory.

    Images are (N, C, H, W) in [0, 1] ((N, H, W) gets its channel axis), signals (N, C, L). Corruption as in
    `functional.corrupt` (blind by default: per-example level in U(0, level) or in a (low, high) pair).
    Stops after `epochs` or `max_minutes`, whichever comes first; `on_epoch(epoch, epochs, row)` after each
    epoch (progress). Returns (model in eval mode, history: one
    dict per epoch with train_loss and, with `val_images`, val_loss and val_psnr for images).
    """
    x = _as_model_input(model, check_examples(train_images, "training data"), "training data")
    val = (
        None
        if val_images is None
        else _as_model_input(model, check_examples(val_images, "validation data"), "validation data")
    )
    if epochs < 1 or batch_size < 1 or not lr > 0:
        raise ConfigError(f"need epochs >= 1, batch_size >= 1 and lr > 0, got {epochs}, {batch_size}, {lr}")
    if max_minutes is not None and not max_minutes > 0:
        raise ConfigError(f"max_minutes must be > 0, got {max_minutes}", key="max_minutes")
    cfg = denoise_config(
        corruption=corruption,
        blind=blind,
        corruption_mode=mode,
        lr=lr,
        weight_decay=weight_decay,
        schedule=schedule,
        seed=seed,
        epochs=epochs,
        batch_size=batch_size,
        deterministic=False,
    )
    task = denoising_task(
        cfg, model, level=level, clip=clip, val_level=val_level, loss=loss, alpha=alpha, beta=beta
    )
    data = ExampleDataModule(x, val, batch_size=batch_size, seed=seed)
    result = fit(
        task,
        data,
        None,
        options=cfg,
        epochs=epochs,
        max_minutes=max_minutes,
        verbose=verbose,
        on_epoch=on_epoch,
    )
    return model.eval(), result.history


def evaluate_denoiser(
    model: AutoEncoder,
    clean: Tensor,
    *,
    corruption: str,
    level: float,
    seed: int = 0,
    batch_size: int = 500,
    with_ssim: bool = True,
    clip: tuple[float, float] | None = (0.0, 1.0),
    mode: str = DAE_CORRUPTION_MODE,
) -> dict[str, float]:
    """Corrupt `clean` at a fixed `level` with a seeded generator, denoise, and measure.

    Images (B, C, H, W): mean PSNR (data range 1, outputs clipped, capped at 100 dB per image) of the noisy
    input and of the output, and SSIM (`functional.ssim`: scikit-image's default 7x7 window) when
    `with_ssim`. Signals: mean SNR improvement (`clip=None` for real-valued signals). Also reports the
    denoising throughput (examples per second, batched, on the current threads).
    """
    clean = check_examples(clean, "clean data")
    g = torch.Generator().manual_seed(mix_seed("eval", seed, corruption, level))
    noisy, _ = corrupt(clean, corruption, level, generator=g, blind=False, clip=clip, mode=mode)
    t0 = time.perf_counter()
    out = model.denoise(noisy, batch_size=batch_size)
    seconds = time.perf_counter() - t0
    if clip is not None:
        out = out.clamp(*clip)
    res: dict[str, Any] = {"corruption": corruption, "level": float(level), "n": len(clean)}
    res["throughput"] = len(clean) / max(seconds, 1e-9)
    if clean.ndim == 4:
        res["psnr_noisy"] = float(psnr(noisy, clean).clamp_max(100.0).mean())
        res["psnr"] = float(psnr(out, clean).clamp_max(100.0).mean())
        if with_ssim and min(clean.shape[2:]) >= 7:
            res["ssim_noisy"] = float(ssim(noisy, clean).mean())
            res["ssim"] = float(ssim(out, clean).mean())
    else:
        res["snr_improvement_db"] = float(snr_improvement_db(clean, noisy, out).clamp(-200.0, 200.0).mean())
    return res


def build_autoencoder(
    name: str, info: dict[str, Any], model_kwargs: dict[str, Any], seed: int
) -> tuple[Any, dict]:
    """Create registry model `name` for data described by `info`; returns (model, the kwargs used)."""
    entry = model_info(name)
    if entry.task != "autoencoder":
        raise ConfigError(
            f"model {name!r} is a {entry.task} model, not an autoencoder: train it with `deepshrink train`",
            key="model",
        )
    want = "image2d" if info["kind"] == "image" else "signal1d"
    params = inspect.signature(entry.fn).parameters
    kwargs = dict(model_kwargs)
    if "input_shape" in params:  # fully connected models see one fixed shape
        kwargs.setdefault("input_shape", list(info["shape"]))
    else:
        if entry.input_kind != want:
            raise ConfigError(
                f"model {name!r} takes {entry.input_kind} inputs but the data are {info['kind']}s",
                key="model",
            )
        kwargs.setdefault("in_channels", int(info["shape"][0]))
    with seeded("init", seed):
        return create_model(name, **kwargs), kwargs


def _split(examples: Examples, val_fraction: float, seed: int) -> tuple[Tensor, Tensor]:
    x = examples.x
    order = np.random.default_rng(seed).permutation(len(x))
    n_val = max(1, round(val_fraction * len(x)))
    if len(x) - n_val < 1:
        raise DataError(f"need at least 2 examples to train and validate, got {len(x)}")
    t = torch.from_numpy(x)
    return t[order[n_val:]], t[order[:n_val]]


def train_dae_run(
    cfg: DenoiseConfig, *, overwrite: bool = False, resume: bool = False, verbose: bool = False, on_epoch=None
) -> dict[str, Any]:
    """Train an autoencoder as `cfg` says into run directory `cfg.out`; returns the evaluation (eval.json)."""
    cfg = validated(cfg, DenoiseConfig)
    if cfg.out is None:
        raise ConfigError("no output directory: give out (--out RUN_DIR)", key="out")
    check_run(cfg, resume=resume, overwrite=overwrite)  # before the data is loaded: nothing written yet
    examples = load_examples(cfg.data, kind=cfg.kind, window=cfg.window)
    info = examples.info
    model_name = cfg.model or ("dae_conv2d" if info["kind"] == "image" else "dae_conv1d")
    if info["kind"] == "signal" and cfg.corruption not in ("gaussian", "none"):
        raise ConfigError(
            f"signals are denoised of Gaussian noise only; got corruption {cfg.corruption}", key="corruption"
        )
    level = DEFAULT_LEVELS[cfg.corruption] if cfg.level is None else cfg.level
    train, val = _split(examples, cfg.val_fraction, cfg.seed)
    epochs = cfg.epochs or min(100, max(5, math.ceil(AUTO_EXAMPLES / len(train))))
    net, kwargs = build_autoencoder(model_name, info, cfg.model_kwargs, cfg.seed)
    clip = (0.0, 1.0) if info["kind"] == "image" else None
    if clip is None and getattr(net, "output_range", None) is not None:
        raise ConfigError(
            f"model {model_name!r} has a [0, 1] output; signals need a linear output (use dae_conv1d)",
            key="model",
        )
    top = float(level[1] if isinstance(level, (tuple, list)) else level)
    task = denoising_task(cfg, net, level=level, clip=clip, val_level=top or None)
    data = ExampleDataModule(train, val, batch_size=cfg.batch_size or 128, seed=cfg.seed)
    run = start_run(cfg, resume=resume, overwrite=overwrite)  # as a classifier run

    def meta(final: dict[str, Any]) -> dict[str, Any]:
        scores = net.anomaly_score(val).double()
        qs = {q: float(torch.quantile(scores, q / 100)) for q in (50, 90, 99, 100)}
        return {
            "model": model_name,
            "model_kwargs": kwargs,
            "task": "autoencoder",
            "data": info,
            "corruption": cfg.corruption,
            "level": list(level) if isinstance(level, (tuple, list)) else level,
            "blind": cfg.blind,
            "score_threshold": float(torch.quantile(scores, SCORE_QUANTILE)),
            "score_quantile": SCORE_QUANTILE,
            "score_distribution": qs,
            "epochs_done": int(final.get("epochs_trained", 0)),
        }

    result = fit(
        task,
        data,
        run,
        options=cfg,
        epochs=epochs,
        max_minutes=cfg.max_minutes,
        resume=resume,
        overwrite=True,
        meta=meta,
        verbose=verbose,
        on_epoch=on_epoch,
    )
    saved = meta(result.metrics)
    levels = sorted({top / 2, top}) if top > 0 else [0.0]
    evals = [
        evaluate_denoiser(
            net, val, corruption=cfg.corruption, level=lv, seed=cfg.seed, clip=clip, mode=cfg.corruption_mode
        )
        for lv in levels
    ]
    out = {
        "model": model_name,
        "evaluation": evals,
        "score_threshold": saved["score_threshold"],
        "epochs_done": saved["epochs_done"],
        "val_examples": len(val),
    }
    out["figures"] = _figures(run, net, val, info, cfg.corruption, top, saved["score_threshold"])
    atomic_write_json(run / "eval.json", out)
    return out


def _figures(
    run: Path, model: Any, val: Tensor, info: dict, corruption: str, level: float, threshold: float
) -> list[str]:
    g = torch.Generator().manual_seed(7)
    clip = (0.0, 1.0) if info["kind"] == "image" else None
    clean = val[:10]
    noisy = corrupt(clean, corruption, level, generator=g, clip=clip)[0]
    out = model.denoise(noisy)
    written = []
    if info["kind"] == "image":
        fig = plot_reconstructions(
            clean,
            noisy,
            out,
            n=min(10, len(clean)),
            title=f"{corruption} {level:g}: clean / corrupted / denoised",
        )
        written.append(save_figure(fig, run / "reconstructions.png"))
    else:
        fig = plot_signal(
            clean[0, 0],
            noisy[0, 0],
            sample_rate=info.get("sample_rate"),
            denoised=out[0, 0],
            title=f"{corruption} {level:g} (in units of the training RMS): a validation window",
        )
        written.append(save_figure(fig, run / "signals.png"))
    scores = model.anomaly_score(val)
    fig = plot_error_histogram(scores, threshold=threshold, log_x=bool((scores > 0).all()))
    written.append(save_figure(fig, run / "errors.png"))
    return [str(p) for p in written]


def check_autoencoder_run(meta: dict[str, Any]) -> None:
    """DataError unless `meta` (a model.json) describes an autoencoder run of `deepshrink dae train`."""
    check_run_kind(meta, "autoencoder")
    where = meta.get("_path", MODEL_META)
    data = meta.get("data")
    if (
        not isinstance(data, dict)
        or data.get("kind") not in ("image", "signal")
        or not isinstance(data.get("shape"), list)
    ):
        raise DataError(f"{where}: corrupt autoencoder metadata (data kind/shape)")
    if data["kind"] == "signal" and not (isinstance(data.get("scale"), (int, float)) and data["scale"] > 0):
        raise DataError(f"{where}: corrupt autoencoder metadata (signal scale)")
    if not (isinstance(meta.get("score_threshold"), (int, float)) and math.isfinite(meta["score_threshold"])):
        raise DataError(f"{where}: corrupt autoencoder metadata (score_threshold)")
