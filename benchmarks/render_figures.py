"""Re-draw the benchmark figures of docs/img from the committed results files (no training): the figures
in the docs are what `deepshrink benchmark` draws from those results today.

    python benchmarks/render_figures.py            # every figure below
    python benchmarks/render_figures.py demo cwru_zscore
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

from deepshrink.benchmark.figures import write_figures

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "benchmarks" / "results"
IMG = ROOT / "docs" / "img"

# docs/img prefix -> committed results file
FIGURES = {
    "demo": "demo.json",
    "cwru": "noise_robustness_cwru.json",
    "cwru_1d_l": "noise_robustness_cwru_1d_l.json",
    "cwru_1d_m": "noise_robustness_cwru_1d_m.json",
    "cwru_paper_recipe": "noise_robustness_cwru_paper_recipe.json",
    "cwru_zscore": "cwru_within_zscore.json",
    "cwru_cross_load": "cwru_cross_load.json",
    "cwru_to_uestc": "cwru_to_uestc.json",
    "uestc_zscore": "uestc_within_zscore.json",
    "uestc_none": "uestc_within_none.json",
    "uestc_cross_speed": "uestc_cross_speed.json",
    "uestc_to_cwru": "uestc_to_cwru.json",
    "cwru_train_clean": "cwru_train_clean.json",
    "cwru_train_gaussian": "cwru_train_gaussian.json",
    "cwru_recorded_uestc": "cwru_recorded_uestc.json",
    "cwru_paper_recipe_zscore": "cwru_paper_recipe_zscore.json",
    "mnist_zscore": "mnist_zscore.json",
    "mnist_none": "mnist_none.json",
}
# drawn file -> docs/img suffix (the demo's names are older and kept)
KEEP = {
    "accuracy_vs_snr.png": "accuracy_vs_snr.png",
    "thresholds_vs_snr_drsn_cw_paper.png": "thresholds_vs_snr_drsn_cw.png",
    "thresholds_vs_snr_drsn_cw_2d_s.png": "thresholds_vs_snr_drsn_cw_2d_s.png",
}
DEMO = {
    "accuracy_vs_snr.png": "demo_accuracy_vs_snr.png",
    "thresholds_vs_snr_drsn_cw_paper.png": "demo_thresholds_vs_snr.png",
}


def render(prefix: str) -> list[Path]:
    results = json.loads((RESULTS / FIGURES[prefix]).read_text())
    written = []
    with tempfile.TemporaryDirectory() as tmp:
        drawn = set(write_figures(results, tmp))
        for name, suffix in KEEP.items():
            if prefix == "demo" and name not in DEMO:
                continue  # the demo trains the 1-D presets only
            target = IMG / (DEMO[name] if prefix == "demo" else f"{prefix}_{suffix}")
            if name in drawn and (prefix == "demo" or target.exists()):  # only the figures the docs show
                shutil.copy(Path(tmp) / name, target)
                written.append(target)
    return written


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("prefixes", nargs="*", choices=[[], *FIGURES], help="default: all")
    args = p.parse_args(argv)
    for prefix in args.prefixes or FIGURES:
        if not (RESULTS / FIGURES[prefix]).is_file():
            print(f"error: {RESULTS / FIGURES[prefix]}: not found", file=sys.stderr)
            return 2
        for path in render(prefix):
            print(path.relative_to(ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
