"""Denoising benchmark on MNIST: our blind conv DAE against classical denoisers and the tutorial MLP DAE.

Per corruption family (gaussian, salt_pepper, masking) it trains ONE blind model of ours (noise level drawn
per example from the family's training range, at most `--minutes` of training on this machine), then scores
every method on the first 500 MNIST test images at each of the family's levels: per-image PSNR (data range 1,
outputs clipped to [0, 1]) and SSIM (scikit-image defaults), one fixed noise seed shared by all methods.

Methods: `noisy` (the corrupted input), `median` (3x3), scikit-image `wavelet` (BayesShrink), `tv`
(Chambolle) and `nl_means`, each with parameters tuned per level on 100 other test images (500..599),
`mlp_dae_tutorial` (784-512-784 sigmoid MLP, Adam 1e-3, batch 64, 10 epochs, BCE, trained at that level),
and ours by registry name.

    python benchmarks/dae_mnist.py --family all --out benchmarks/results/dae_mnist.json

Running one family replaces that family's records in an existing `--out` and keeps the others. A markdown
table is written beside the JSON (same name, .md).
"""

from __future__ import annotations

import argparse
import importlib.util
import itertools
import json
import os
import platform
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from deepshrink.atomic import atomic_write_json, atomic_write_text
from deepshrink.data.sets.images import load_mnist
from deepshrink.engine.denoise.training import train_denoiser
from deepshrink.formatting import markdown_table
from deepshrink.functional import corrupt, psnr, ssim
from deepshrink.functional.seeding import mix_seed
from deepshrink.models import create_model

# blind training range of our model, and the evaluation levels, per family
FAMILIES = {
    "gaussian": ((0.0, 0.55), (0.1, 0.2, 0.5)),
    "salt_pepper": ((0.0, 0.2), (0.1,)),
    "masking": ((0.0, 0.4), (0.25,)),
}
EVAL_SEED = 1234
N_TEST, TUNE = 500, slice(500, 600)


def psnr_capped(x: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Per-image PSNR capped at 100 dB (a perfect image is +inf), so that means stay finite."""
    return psnr(x, ref).clamp_max(100.0).float()


def corrupted(clean: torch.Tensor, family: str, level: float, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(mix_seed("bench", seed, family, level))
    return corrupt(clean, family, level, generator=g, blind=False, clip=(0.0, 1.0), mode="per_entry")[0]


# --- classical denoisers (scikit-image / scipy), one image at a time -----------------------------------


def _wavelet(img: np.ndarray, wavelet: str, mode: str) -> np.ndarray:
    from skimage.restoration import denoise_wavelet

    return denoise_wavelet(img, wavelet=wavelet, mode=mode, method="BayesShrink", rescale_sigma=True)


def _tv(img: np.ndarray, weight: float) -> np.ndarray:
    from skimage.restoration import denoise_tv_chambolle

    return denoise_tv_chambolle(img, weight=weight)


def _nl_means(img: np.ndarray, h_scale: float, patch_size: int) -> np.ndarray:
    from skimage.restoration import denoise_nl_means, estimate_sigma

    sigma = max(float(estimate_sigma(img)), 1e-3)
    return denoise_nl_means(
        img, h=h_scale * sigma, sigma=sigma, patch_size=patch_size, patch_distance=4, fast_mode=True
    )


def _median(img: np.ndarray, size: int) -> np.ndarray:
    from scipy.ndimage import median_filter

    return median_filter(img, size=size)


def _bm3d_one(args: tuple[np.ndarray, float]) -> np.ndarray:
    import bm3d

    img, sigma = args
    return np.asarray(bm3d.bm3d(img, sigma_psd=sigma), dtype=np.float64)


def bm3d_all(noisy: torch.Tensor, sigma: float, processes: int) -> tuple[torch.Tensor, float]:
    """BM3D (Dabov et al. 2007, `bm3d` package) with the true noise std, images spread over processes."""
    from concurrent.futures import ProcessPoolExecutor

    t0 = time.perf_counter()
    imgs = [(img, sigma) for img in noisy[:, 0].double().numpy()]
    with ProcessPoolExecutor(processes) as pool:
        out = np.stack(list(pool.map(_bm3d_one, imgs, chunksize=25)))
    rate = len(noisy) / (time.perf_counter() - t0)
    return torch.from_numpy(out).float().unsqueeze(1).clamp(0, 1), rate


CLASSICAL = {
    "median": (_median, [{"size": 3}]),
    "wavelet": (
        _wavelet,
        [{"wavelet": w, "mode": m} for w, m in itertools.product(("db1", "db2", "sym4"), ("soft", "hard"))],
    ),
    "tv": (_tv, [{"weight": w} for w in (0.02, 0.05, 0.08, 0.12, 0.18, 0.25, 0.35, 0.5, 0.8)]),
    "nl_means": (
        _nl_means,
        [{"h_scale": h, "patch_size": p} for h, p in itertools.product((0.5, 0.8, 1.1, 1.5), (3, 5))],
    ),
}


def apply_each(fn, noisy: torch.Tensor, params: dict) -> tuple[torch.Tensor, float]:
    """Denoise every image of `noisy` (B, 1, H, W) with fn; returns (output, images per second)."""
    t0 = time.perf_counter()
    out = np.stack([fn(img, **params) for img in noisy[:, 0].double().numpy()])
    rate = len(noisy) / (time.perf_counter() - t0)
    return torch.from_numpy(out).float().unsqueeze(1).clamp(0, 1), rate


def score(out: torch.Tensor, clean: torch.Tensor) -> dict[str, float]:
    out = out.clamp(0, 1)
    psnr = psnr_capped(out, clean)
    return {
        "psnr_db": round(float(psnr.mean()), 3),
        "psnr_std": round(float(psnr.std(ddof=1)), 3),  # n-1, as every ± here
        "ssim": round(float(ssim(out, clean).mean()), 4),
    }


def classical_records(family: str, level: float, test: torch.Tensor, tune: torch.Tensor) -> list[dict]:
    noisy_test, noisy_tune = corrupted(test, family, level, EVAL_SEED), corrupted(tune, family, level, 99)
    base = {"corruption": family, "level": level, "train_seconds": 0.0}
    records = [{"method": "noisy", **base, **score(noisy_test, test), "images_per_second": None}]
    for method, (fn, grid) in CLASSICAL.items():
        best = max(grid, key=lambda p: float(psnr_capped(apply_each(fn, noisy_tune, p)[0], tune).mean()))
        out, rate = apply_each(fn, noisy_test, best)
        records.append(
            {
                "method": method,
                **base,
                **score(out, test),
                "images_per_second": round(rate, 1),
                "params": best,
            }
        )
        print(f"  {family} {level}: {method:>9} {records[-1]['psnr_db']:6.2f} dB  {best}", flush=True)
    if family == "gaussian" and importlib.util.find_spec("bm3d") is not None:
        # clipping to [0, 1] leaves less noise than sigma, so the noise level BM3D assumes is tuned too
        scales = (0.5, 0.7, 1.0)
        tuned = [float(psnr_capped(bm3d_all(noisy_tune, k * level, 2)[0], tune).mean()) for k in scales]
        best_scale = scales[int(np.argmax(tuned))]
        out, rate = bm3d_all(noisy_test, best_scale * level, processes=2)
        params = {"sigma_psd": round(best_scale * level, 4), "processes": 2}
        records.append(
            {
                "method": "bm3d",
                **base,
                **score(out, test),
                "images_per_second": round(rate, 1),
                "params": params,
            }
        )
        print(f"  {family} {level}: {'bm3d':>9} {records[-1]['psnr_db']:6.2f} dB  {params}", flush=True)
    return records


# --- learned denoisers ----------------------------------------------------------------------------------


def throughput(model: torch.nn.Module, x: torch.Tensor, *, batch_size: int, repeats: int = 3) -> float:
    """Best-of-`repeats` images per second of `model.denoise` (most stable on a shared machine)."""
    model.denoise(x[:batch_size], batch_size=batch_size)
    best = 0.0
    for _ in range(repeats):
        t0 = time.perf_counter()
        model.denoise(x, batch_size=batch_size)
        best = max(best, len(x) / (time.perf_counter() - t0))
    return best


def tutorial_mlp(train: torch.Tensor, family: str, level: float, seed: int) -> tuple[torch.nn.Module, float]:
    """The DAE of every tutorial: 784-512-784 sigmoid MLP, Adam 1e-3, batch 64, 10 epochs, fixed level."""
    torch.manual_seed(seed)
    model = create_model("dae_mlp", hidden=(512,))
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    t0 = time.perf_counter()
    for epoch in range(10):
        order = torch.randperm(
            len(train), generator=torch.Generator().manual_seed(mix_seed("tut", seed, epoch))
        )
        for step, idx in enumerate(order.split(64)):
            clean = train[idx]
            noisy = corrupted(clean, family, level, mix_seed("tut-noise", seed, epoch, step))
            loss = F.binary_cross_entropy(model(noisy), clean)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
    return model.eval(), time.perf_counter() - t0


def learned_records(args, family: str, train: torch.Tensor, test: torch.Tensor, speed_set: torch.Tensor):
    train_range, levels = FAMILIES[family]
    widths = tuple(int(w) for w in args.widths.split(","))
    torch.manual_seed(args.seed)
    model = create_model(args.model, widths=widths)
    t0 = time.perf_counter()
    model, history = train_denoiser(
        model,
        train,
        corruption=family,
        level=train_range,
        epochs=args.epochs,
        batch_size=args.batch_size,
        lr=args.lr,
        seed=args.seed,
        max_minutes=args.minutes,
        val_images=test[:200],
        val_level=levels[-1],
        verbose=args.progress,
    )
    train_seconds = time.perf_counter() - t0
    ours_rate = throughput(model, speed_set, batch_size=256)
    run = {
        "model": args.model,
        "model_kwargs": {"widths": list(widths)},
        "train_range": list(train_range),
        "epochs_planned": args.epochs,
        "epochs_done": len(history),
        "train_seconds": round(train_seconds, 1),
        "history": history,
    }
    print(
        f"  {family}: {args.model} trained {len(history)} epochs in {train_seconds / 60:.1f} min", flush=True
    )
    records = []
    for level in levels:
        noisy = corrupted(test, family, level, EVAL_SEED)
        common = {"corruption": family, "level": level}
        records.append(
            {
                "method": args.model,
                **common,
                **score(model.denoise(noisy, batch_size=256), test),
                "train_seconds": round(train_seconds, 1),
                "images_per_second": round(ours_rate, 1),
                "blind": True,
                "model_kwargs": {"widths": list(widths)},
            }
        )
        print(f"  {family} {level}: {args.model} {records[-1]['psnr_db']:6.2f} dB", flush=True)
        if args.skip_tutorial:
            continue
        mlp, seconds = tutorial_mlp(train, family, level, args.seed)
        records.append(
            {
                "method": "mlp_dae_tutorial",
                **common,
                **score(mlp.denoise(noisy, batch_size=256), test),
                "train_seconds": round(seconds, 1),
                "images_per_second": round(throughput(mlp, speed_set, batch_size=256), 1),
            }
        )
        print(f"  {family} {level}: mlp_dae_tutorial {records[-1]['psnr_db']:6.2f} dB", flush=True)
    return records, run


# --- report ----------------------------------------------------------------------------------------------

ORDER = ("noisy", "median", "wavelet", "tv", "nl_means", "bm3d", "mlp_dae_tutorial")
CLASSICAL_METHODS = ("noisy", "median", "wavelet", "tv", "nl_means", "bm3d")


def markdown(report: dict) -> str:
    recs = report["records"]
    conds = sorted(
        {(r["corruption"], r["level"]) for r in recs}, key=lambda c: (list(FAMILIES).index(c[0]), c[1])
    )
    methods = [m for m in ORDER if any(r["method"] == m for r in recs)]
    methods += sorted({r["method"] for r in recs} - set(ORDER))
    cell = {(r["method"], r["corruption"], r["level"]): r for r in recs}
    head = ["method", *(f"{c} {lv:g}" for c, lv in conds), "images/s"]
    rows = []
    for m in methods:
        row = [
            f"{cell[m, c, lv]['psnr_db']:.2f} / {cell[m, c, lv]['ssim']:.3f}" if (m, c, lv) in cell else ""
            for c, lv in conds
        ]
        rates = [cell[m, c, lv]["images_per_second"] for c, lv in conds if (m, c, lv) in cell]
        speed = f"{min(r for r in rates if r):,.0f}" if any(rates) else ""
        rows.append([m, *row, speed])
    lines = [
        f"PSNR dB / SSIM on the first {N_TEST} MNIST test images ({report['date']}, {report['machine']}).",
        "",
        markdown_table(head, rows, align="l" * len(head)),
    ]
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_data = Path(os.environ.get("DEEPSHRINK_DATA", "../shared/data")) / "mnist"
    ap.add_argument("--data", type=Path, default=default_data)
    ap.add_argument("--family", choices=[*FAMILIES, "all"], default="all")
    ap.add_argument("--model", default="dae_conv2d")
    ap.add_argument("--widths", default="16,32,64")
    ap.add_argument("--epochs", type=int, default=16)
    ap.add_argument("--minutes", type=float, default=15.0, help="training time cap of our model per family")
    ap.add_argument("--train-size", type=int, default=60000)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--lr", type=float, default=2e-3)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-tutorial", action="store_true", help="do not train the tutorial MLP DAE")
    ap.add_argument(
        "--baselines-only",
        action="store_true",
        help="recompute the classical baselines only; keep the learned records already in --out",
    )
    ap.add_argument("--progress", action="store_true", help="show the training progress bar")
    ap.add_argument("--out", type=Path, default=Path("benchmarks/results/dae_mnist.json"))
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    train = torch.from_numpy(load_mnist(args.data, split="train")[0][: args.train_size])
    all_test = torch.from_numpy(load_mnist(args.data, split="test")[0])
    test, tune, speed_set = all_test[:N_TEST], all_test[TUNE], all_test[:5000]

    report = {"records": [], "runs": {}}
    if args.out.is_file():
        report = json.loads(args.out.read_text())
    families = list(FAMILIES) if args.family == "all" else [args.family]
    for family in families:
        t0 = time.perf_counter()
        records = []
        for level in FAMILIES[family][1]:
            records += classical_records(family, level, test, tune)
        command = "python benchmarks/dae_mnist.py " + " ".join(sys.argv[1:])
        if args.baselines_only:
            keep = [
                r
                for r in report["records"]
                if r["corruption"] != family or r["method"] not in CLASSICAL_METHODS
            ]
            report["records"] = keep + records
            report["baselines_command"] = command
        else:
            learned, run = learned_records(args, family, train, test, speed_set)
            records += learned
            report["records"] = [r for r in report["records"] if r["corruption"] != family] + records
            report["runs"][family] = run | {"family_seconds": round(time.perf_counter() - t0, 1)}
            report["command"] = command
        report.update(
            date=date.today().isoformat(),
            machine=f"{platform.machine()}, {args.threads} threads, torch {torch.__version__}",
            test_images=N_TEST,
            eval_seed=EVAL_SEED,
        )
        atomic_write_json(args.out, report)
        atomic_write_text(args.out.with_suffix(".md"), markdown(report))
    print(markdown(report))


if __name__ == "__main__":
    main()
