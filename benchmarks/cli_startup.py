"""How fast the command line answers: every `--help`, a usage error, and `deepshrink models` against
`python -c "import torch"` on the same machine (the median of 3 runs each, wall time of a fresh process).

usage: python benchmarks/cli_startup.py --out benchmarks/results/cli_startup.json
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.formatting import markdown_table

COMMANDS = [
    ["train", "--help"],
    ["evaluate", "--help"],
    ["predict", "--help"],
    ["export", "--help"],
    ["models", "--help"],
    ["datasets", "--help"],
    ["benchmark", "--help"],
    ["demo", "--help"],
    ["dae", "train", "--help"],
    ["dae", "score", "--help"],
    ["monitor", "--help"],
    ["train", "--epochs", "x"],
    ["monitor", "--healthy", "0"],
    ["models"],
]


def _median_s(cmd: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=False)
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--out", default="benchmarks/results/cli_startup.json")
    p.add_argument("--runs", type=int, default=3)
    args = p.parse_args(argv)
    exe = [str(Path(sys.executable).with_name("deepshrink"))]
    torch_s = _median_s([sys.executable, "-c", "import torch"], args.runs)
    rows = [(" ".join(c), _median_s([*exe, *c], args.runs)) for c in COMMANDS]
    cells = []
    for name, s in rows:
        target = f"<= 1.5 x import torch ({1.5 * torch_s:.2f} s)" if name == "models" else "< 1 s"
        cells.append([f"deepshrink {name}", f"{s:.2f}", target])
    lines = [
        "### Command-line start-up (median of 3 fresh processes)",
        "",
        f"`python -c 'import torch'`: {torch_s:.2f} s",
        "",
        markdown_table(["command", "seconds", "target"], cells, align="lrl"),
    ]
    result = {
        "command": command_line("cli_startup.py", argv),
        "machine": machine_description(1),
        "date": time.strftime("%Y-%m-%d"),
        "import_torch_s": torch_s,
        "commands": dict(rows),
    }
    finish(Path(args.out), result, "\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
