"""Every `deepshrink` command line of the README runs as written (issue 26), on small settings: the same
line with fewer epochs (later options win), in a folder beside the real data so that `../shared/data/...`
means what it means beside a checkout. The files a line names as the user's own (recording.mat, noisy.npy,
digit.png, snapshots/) are made first. A README line that loses an option, a path or a command fails here.
"""

from __future__ import annotations

import re
import shlex
import shutil
import sys
import time
import wave
from pathlib import Path

import numpy as np
import pytest

from conftest import REPO, data_root
from deepshrink.cli.main import main

README = REPO / "README.md"

# per command: options appended to the README's line so that it runs in seconds (later options win)
SMALL = {
    "train": "--epochs 1 --stride 2048 --eval-stride 2048",
    "benchmark": "--epochs 1 --seeds 0 --noises gaussian --stride 2048 --eval-stride 2048 --shortcut false",
    "monitor": "--epochs 1",
    "evaluate": "--snr 0,5",
    "dae train": "--epochs 1 --max-minutes 0.05 --val-fraction 0.02",
}


def readme_commands() -> list[list[str]]:
    """The `deepshrink ...` lines of the README's bash blocks (comments dropped), in order."""
    lines, inside = [], False
    for line in README.read_text().splitlines():
        if line.startswith("```"):
            inside = line.strip() == "```bash"
            continue
        if inside and line.startswith("deepshrink"):
            lines.append(shlex.split(line, comments=True))
    return lines


def _command(argv: list[str]) -> str:
    return " ".join(argv[1:3]) if argv[1] == "dae" else argv[1]


def _user_files(work: Path) -> None:
    """The user's own files the README's lines name."""
    cwru = data_root() / "cwru"
    shutil.copy(sorted(cwru.glob("*_0_*.mat"))[0], work / "recording.mat")
    from sklearn.datasets import load_digits

    digits = load_digits().images[:4] / 16.0
    rng = np.random.default_rng(0)
    np.save(work / "noisy.npy", np.clip(digits + 0.2 * rng.standard_normal(digits.shape), 0, 1))
    from PIL import Image

    Image.fromarray((digits[0] * 255).astype(np.uint8)).save(work / "digit.png")
    # a machine's snapshots: 1 s of vibration at 25.6 kHz per file, the rate in each WAV header
    rate = 25_600
    for folder, numbers in (("snapshots", range(1, 61)), ("new_snapshots", range(61, 66))):
        (work / folder).mkdir()
        for n in numbers:
            t = np.arange(rate) / rate
            x = np.sin(2 * np.pi * 157 * t) + 0.3 * rng.standard_normal(rate)
            with wave.open(str(work / folder / f"snap_{n:04d}.wav"), "wb") as w:
                w.setnchannels(1)
                w.setsampwidth(2)
                w.setframerate(rate)
                w.writeframes((x / 4 * 32767).astype("<i2").tobytes())


def test_the_readme_names_each_command_with_real_paths():
    commands = readme_commands()
    assert len(commands) >= 20
    seen = {_command(c) for c in commands}
    assert {"train", "evaluate", "predict", "export", "benchmark", "monitor", "datasets", "models"} <= seen
    assert {"dae train", "dae denoise", "dae score"} <= seen
    # data sets by explicit path (a fresh machine has no $DEEPSHRINK_DATA): NAME alone only for the built-ins
    for argv in commands:
        for i, tok in enumerate(argv):
            if tok == "--data" or (argv[1] == "datasets" and i == 2):
                spec = argv[i + 1] if tok == "--data" else tok
                assert ":" in spec or spec in ("simulator", "digits") or spec.endswith("/"), " ".join(argv)


@pytest.mark.data
def test_every_readme_command_runs_as_written(tmp_path, monkeypatch, capsys):
    if not (data_root() / "cwru").is_dir() or not (data_root() / "femto").is_dir():
        pytest.skip(f"the README's lines use CWRU and FEMTO under {data_root()} (set DEEPSHRINK_DATA)")
    pytest.importorskip("onnx", reason="the README's export line needs deepshrink[export]")
    # ../shared/data beside the working folder, as beside a checkout
    (tmp_path / "shared").symlink_to(data_root().resolve().parent, target_is_directory=True)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    _user_files(work)
    failed, done = [], set()
    ray = pytest.importorskip("ray", reason="the README's benchmark line needs deepshrink[ray]")
    ours = not ray.is_initialized()
    try:
        for argv in readme_commands():
            line = " ".join(argv)
            if argv[1] == "demo" or line in done:
                continue  # the demo is run by hand (minutes; its own tests are smaller); a repeated line once
            done.add(line)
            rerun = argv[1] == "monitor" and "--run" in argv  # scores with the saved model: no epochs
            small = [] if rerun else SMALL.get(_command(argv), "").split()
            if "digits" in argv or any(a.startswith("mnist:") for a in argv):  # images: no window options
                pairs = zip(small[::2], small[1::2], strict=True)
                small = [t for flag, value in pairs if "stride" not in flag for t in (flag, value)]
            t0 = time.perf_counter()
            code = main(argv[1:] + small)
            print(f"{time.perf_counter() - t0:6.1f} s  {line}", file=sys.__stderr__)
            out = capsys.readouterr()
            if code != 0:
                failed.append(f"{line}: exit {code}: {out.err.strip().splitlines()[-1:]}")
    finally:  # the benchmark line started Ray in this process: stop it, or its workers idle on our cores
        if ours and ray.is_initialized():
            ray.shutdown()
    assert not failed, "\n".join(failed)
    # what the lines promise to write
    assert (work / "runs" / "cw" / "model.safetensors").is_file()
    assert (work / "runs" / "cw" / "evaluate" / "eval.json").is_file()
    assert (work / "cw.onnx").is_file() and (work / "bench" / "report.md").is_file()
    assert (work / "m11" / "scores.csv").is_file() and (work / "pump3" / "scores.csv").is_file()
    assert (work / "noisy.denoised.npy").is_file() and (work / "digit.denoised.png").is_file()
    assert re.search(r"snap_0065", (work / "pump3" / "scores.csv").read_text())


def test_the_demo_output_in_the_readme_and_the_docs_is_the_committed_run():
    # one measurement (26): the README's and the docs' demo tables are benchmarks/results/demo.json's
    import json

    from deepshrink.benchmark.report import accuracy_tables

    results = json.loads((REPO / "benchmarks" / "results" / "demo.json").read_text())
    table = accuracy_tables(results["records"])
    assert table in README.read_text()
    docs = (REPO / "docs" / "benchmarks.md").read_text()
    for line in table.splitlines():
        if line.startswith("| ") and not line.startswith("| *paper"):
            name, *cells = (c.strip() for c in line.strip("|").split("|"))
            if name != "model":
                assert f"| {name} | {' | '.join(cells)} |" in docs, name
