"""Where a DRSN-CW training step's time goes on the CPU, and what bounds its speed-up over a plain version.

    python benchmarks/speed_breakdown.py --out benchmarks/results/speed_breakdown.json [--compile]

For `drsn_cw_paper` (as `create_model` returns it), `resnet_paper` and the straightforward reference
DRSN-CW of `reference_drsn.py`, in the plain SGD loop of `speed.py` (batch 128, input 1x2048):

- milliseconds per training step (best of the repeats, after warm-up);
- how much of a step the convolutions take (torch profiler, self time of every convolution op, forward and
  backward), and the rest (batch norm, activations, thresholding, optimiser, autograd);
- the convolution multiply-adds each model executes per step and the rate it gets, beside the rate of one
  large SGEMM (what this machine can do when the shapes are kind);
- with `--compile`, the reference under `torch.compile` (inductor), which costs about a minute to compile.

The line to read is `speedup_bound_if_only_convolutions_cost`: the reference step divided by our convolution
time alone, that is the speed-up we would get if everything except the convolutions took no time at all.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

import torch
import torch.nn.functional as F
from torch.overrides import TorchFunctionMode

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.formatting import markdown_table
from deepshrink.models import create_model
from reference_drsn import ReferenceDRSN

_CONVS = {F.conv1d: 1, F.conv2d: 2}


class _CountConvFlops(TorchFunctionMode):
    """Adds up the forward multiply-add FLOPs (2 per MAC) of every conv1d/conv2d call."""

    def __init__(self):
        super().__init__()
        self.flops = 0

    def __torch_function__(self, func, types, args=(), kwargs=None):
        out = func(*args, **(kwargs or {}))
        if func in _CONVS:
            weight = args[1] if len(args) > 1 else kwargs["weight"]
            macs_per_output = weight[0].numel()  # C_in / groups * kernel
            self.flops += 2 * out.numel() * macs_per_output
        return out


def make_step(model, x, y):
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    model.train()

    def step():
        opt.zero_grad(set_to_none=True)
        F.cross_entropy(model(x), y).backward()
        opt.step()

    return step


def best_ms_per_step(step, steps: int, repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(steps):
            step()
        best = min(best, (time.perf_counter() - start) / steps)
    return best * 1e3


def conv_ms_per_step(step, steps: int) -> tuple[float, float]:
    """(convolution ms, all ops ms) per step, from the profiler's self CPU times."""
    with torch.profiler.profile(activities=[torch.profiler.ProfilerActivity.CPU]) as prof:
        for _ in range(steps):
            step()
    events = prof.key_averages()
    total = sum(e.self_cpu_time_total for e in events)
    conv = sum(e.self_cpu_time_total for e in events if "conv" in e.key.lower())
    return conv / steps / 1e3, total / steps / 1e3


def forward_conv_flops(model, x) -> int:
    model.train()
    counter = _CountConvFlops()
    with counter:  # with gradients on: the training path (polyphase convolutions) is what a step runs
        model(x)
    return counter.flops


def sgemm_gflops(size: int = 2048) -> float:
    a, b = torch.randn(size, size), torch.randn(size, size)
    for _ in range(2):
        a @ b
    start = time.perf_counter()
    for _ in range(5):
        a @ b
    return 2 * size**3 * 5 / (time.perf_counter() - start) / 1e9


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--length", type=int, default=2048)
    parser.add_argument("--steps", type=int, default=10, help="timed steps per repeat")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--compile", action="store_true", help="also time the reference under torch.compile")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/speed_breakdown.json"))
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    x = torch.randn(args.batch, 1, args.length)
    y = torch.randint(0, 8, (args.batch,))

    models = {
        "drsn_cw_paper": create_model("drsn_cw_paper", num_classes=8),
        "resnet_paper": create_model("resnet_paper", num_classes=8),
        "reference_drsn_cw": ReferenceDRSN("cw"),
    }
    if args.compile:
        models["reference_drsn_cw_compiled"] = torch.compile(ReferenceDRSN("cw"))

    steps = {name: make_step(model, x, y) for name, model in models.items()}
    for step in steps.values():  # oneDNN (and inductor) pick and cache kernels during the first calls
        for _ in range(args.warmup):
            step()
    # Interleaved repeats, as in speed.py: a model timed alone first in a fresh process runs slower.
    best = dict.fromkeys(steps, float("inf"))
    for _ in range(args.repeats):
        for name, step in steps.items():
            best[name] = min(best[name], best_ms_per_step(step, args.steps, 1))

    rows = []
    for name, model in models.items():
        ms = best[name]
        conv_ms, profiled_ms = conv_ms_per_step(steps[name], args.steps)
        conv_share = conv_ms / profiled_ms
        flops = 3 * forward_conv_flops(model, x)  # backward: input and weight gradients, about 2x forward
        rows.append(
            {
                "model": name,
                "ms_per_step": round(ms, 2),
                "samples_per_s": round(args.batch / ms * 1e3, 1),
                "conv_share_of_step": round(conv_share, 3),
                "conv_ms_per_step": round(conv_share * ms, 2),
                "other_ms_per_step": round((1 - conv_share) * ms, 2),
                "conv_gflop_per_step": round(flops / 1e9, 3),
                "conv_gflop_per_s": round(flops / (conv_share * ms * 1e-3) / 1e9, 1),
            }
        )
        print(rows[-1], file=sys.stderr)

    by_name = {r["model"]: r for r in rows}
    ref_ms = by_name["reference_drsn_cw"]["ms_per_step"]
    ours = by_name["drsn_cw_paper"]
    derived = {
        "sgemm_2048_gflop_per_s": round(sgemm_gflops(), 1),
        "speedup_over_reference": round(ref_ms / ours["ms_per_step"], 3),
        "ms_per_step_needed_for_3x": round(ref_ms / 3, 2),
        "speedup_bound_if_only_convolutions_cost": round(ref_ms / ours["conv_ms_per_step"], 3),
    }
    result = {
        "date": date.today().isoformat(),
        "machine": machine_description(args.threads),
        "batch": args.batch,
        "input": [1, args.length],
        "rows": rows,
        "derived": derived,
        "command": command_line("speed_breakdown.py", argv),
    }
    header = ["model", "ms/step", "samples/s", "conv ms", "other ms", "conv GFLOP/step", "conv GFLOP/s"]
    cells = [
        [
            r["model"],
            f"{r['ms_per_step']:.1f}",
            f"{r['samples_per_s']:,.0f}",
            f"{r['conv_ms_per_step']:.1f}",
            f"{r['other_ms_per_step']:.1f}",
            f"{r['conv_gflop_per_step']:.2f}",
            f"{r['conv_gflop_per_s']:.0f}",
        ]
        for r in rows
    ]
    table = [markdown_table(header, cells), ""]
    table += [f"- {k}: {v}" for k, v in derived.items()]
    finish(args.out, result, "\n".join(table))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
