"""Calibrate the difficulty of the bearing simulator with the naive DRSN/ResNet reference network.

Protocol (docs/simulator.md): default simulator set (10 classes x 4 recordings x 10 s at 12 kHz); each
recording split by time (first 70 % -> training windows with stride --stride, last 30 % -> non-overlapping
test windows), windows of 2048 samples; white Gaussian noise at a given SNR added per window BEFORE z-scoring
each window.
Network: ``Net(mode)`` from naive_drsn_reference.py (final FC resized), Adam 1e-3, batch 64. That file was
the calibration's fixed yardstick, handed to the project with its brief; it is not part of deepshrink and not
in this repository, so pass its path with --reference.

    python benchmarks/simulator_calibration.py --reference PATH --mode cw --train-noise clean --out a.json
    python benchmarks/simulator_calibration.py --reference PATH --mode cw --train-noise random --out b.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from deepshrink.data.simulate.simulator import make_bearing_signals

WINDOW = 2048


def load_reference_net(path: Path):
    """Return the reference ``Net`` class; the file's own micro-benchmark after the classes is not run."""
    if not path.is_file():
        raise SystemExit(
            f"--reference {path}: not found; the calibration needs naive_drsn_reference.py, the fixed "
            "reference network of docs/simulator.md (not shipped with deepshrink)"
        )
    src = path.read_text()
    src = src.split("import sys", 1)[0]
    namespace: dict = {}
    exec(compile(src, str(path), "exec"), namespace)
    return namespace["Net"]


def split_windows(recordings, *, stride: int, train_fraction: float = 0.7):
    """Cut windows inside the time-ordered train / test segments of each recording (no window crosses)."""
    labels = sorted({r.label for r in recordings}, key=[r.label for r in recordings].index)
    xtr, ytr, xte, yte = [], [], [], []
    for r in recordings:
        x = r.signal[0]
        cut = int(len(x) * train_fraction)
        y = labels.index(r.label)
        tr = np.lib.stride_tricks.sliding_window_view(x[:cut], WINDOW)[::stride]
        te = np.lib.stride_tricks.sliding_window_view(x[cut:], WINDOW)[::WINDOW]
        xtr.append(tr)
        xte.append(te)
        ytr += [y] * len(tr)
        yte += [y] * len(te)
    return (
        torch.from_numpy(np.concatenate(xtr).astype(np.float32)),
        torch.tensor(ytr),
        torch.from_numpy(np.concatenate(xte).astype(np.float32)),
        torch.tensor(yte),
        labels,
    )


def add_noise_and_normalise(
    x: torch.Tensor, snr_db: torch.Tensor | None, gen: torch.Generator
) -> torch.Tensor:
    """Add white noise at ``snr_db`` (per window; None = clean), then z-score every window."""
    if snr_db is not None:
        p = x.pow(2).mean(-1, keepdim=True)
        x = x + torch.randn(x.shape, generator=gen) * torch.sqrt(p / 10.0 ** (snr_db.view(-1, 1) / 10.0))
    x = x - x.mean(-1, keepdim=True)
    return x / x.std(-1, keepdim=True).clamp_min(1e-8)


@torch.no_grad()
def accuracy(net: nn.Module, x, y, snr: float | None, gen, repeats: int) -> float:
    net.eval()
    correct, total = 0, 0
    for _ in range(repeats if snr is not None else 1):
        for i in range(0, len(x), 512):
            xb = x[i : i + 512]
            s = None if snr is None else torch.full((len(xb),), float(snr))
            pred = net(add_noise_and_normalise(xb, s, gen).unsqueeze(1)).argmax(1)
            correct += int((pred == y[i : i + 512]).sum())
            total += len(xb)
    return correct / total


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reference", type=Path, required=True, help="path of naive_drsn_reference.py")
    ap.add_argument("--mode", choices=["resnet", "cw"], default="cw")
    ap.add_argument("--epochs", type=int, default=12)
    ap.add_argument("--stride", type=int, default=512)
    ap.add_argument("--train-noise", choices=["clean", "random"], default="clean")
    ap.add_argument("--snrs", default="clean,5,0,-5,-10")
    ap.add_argument("--repeats", type=int, default=3, help="noise draws per test window")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--sim", default="{}", help="JSON dict of extra make_bearing_signals options")
    ap.add_argument("--out", default=None, help="write the result as JSON here")
    args = ap.parse_args()

    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)  # the reference Net initialises from the global generator
    gen = torch.Generator().manual_seed(args.seed)
    t0 = time.perf_counter()
    recs = make_bearing_signals(random_state=args.seed, **json.loads(args.sim))
    xtr, ytr, xte, yte, labels = split_windows(recs, stride=args.stride)
    print(f"simulated in {time.perf_counter() - t0:.2f}s: train {tuple(xtr.shape)}, test {tuple(xte.shape)}")

    Net = load_reference_net(args.reference)
    net = Net(None if args.mode == "resnet" else "cw")
    net.fc = nn.Linear(net.fc.in_features, len(labels))
    opt = torch.optim.Adam(net.parameters(), lr=1e-3)
    history = []
    for epoch in range(args.epochs):
        net.train()
        t1 = time.perf_counter()
        perm = torch.randperm(len(xtr), generator=gen)
        for i in range(0, len(perm), 64):
            idx = perm[i : i + 64]
            snr = None
            if args.train_noise == "random":
                snr = torch.rand(len(idx), generator=gen) * 15.0 - 10.0
            xb = add_noise_and_normalise(xtr[idx], snr, gen).unsqueeze(1)
            opt.zero_grad()
            F.cross_entropy(net(xb), ytr[idx]).backward()
            opt.step()
        acc_clean = accuracy(net, xte, yte, None, gen, 1)
        acc_0 = accuracy(net, xte, yte, 0.0, gen, 1)
        history.append({"epoch": epoch + 1, "clean": acc_clean, "snr0": acc_0})
        print(
            f"epoch {epoch + 1}: test clean {acc_clean:.3f}  0 dB {acc_0:.3f}"
            f"  ({time.perf_counter() - t1:.1f}s)"
        )

    result = {"mode": args.mode, "train_noise": args.train_noise, "epochs": args.epochs, "sim": args.sim}
    for s in args.snrs.split(","):
        snr = None if s == "clean" else float(s)
        result[s] = accuracy(net, xte, yte, snr, gen, args.repeats)
    # clean confusion matrix (rows: true, columns: predicted) shows which classes the simulator makes overlap
    net.eval()
    with torch.no_grad():
        pred = torch.cat(
            [
                net(add_noise_and_normalise(xte[i : i + 512], None, gen).unsqueeze(1)).argmax(1)
                for i in range(0, len(xte), 512)
            ]
        )
    confusion = torch.zeros(len(labels), len(labels), dtype=torch.long)
    confusion.index_put_((yte, pred), torch.ones_like(yte), accumulate=True)
    print("clean confusion (rows true, cols predicted):", " ".join(f"{c:>6}" for c in labels))
    for c, row in zip(labels, confusion.tolist(), strict=True):
        print(f"{c:>6}", " ".join(f"{v:6d}" for v in row))
    result["labels"] = labels
    result["confusion_clean"] = confusion.tolist()
    result["history"] = history
    result["seconds"] = time.perf_counter() - t0
    print(json.dumps({k: v for k, v in result.items() if k not in ("history", "labels", "confusion_clean")}))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
