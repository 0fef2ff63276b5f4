"""The one `fit` under failure: SIGKILL mid-epoch and mid-checkpoint-write, then `--resume` reproduces the
uninterrupted run exactly; same seed and threads give bit-identical runs; an unwritable run directory or a
full disk is reported before training starts."""

from __future__ import annotations

import csv
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest
import torch

from deepshrink.engine.classify.training import train
from deepshrink.engine.core.artifacts import load_model
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.options import parse_config
from deepshrink.errors import DataError

WINDOW = 256


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    """A tiny label folder: three classes of tones in noise, long enough for a few seconds per epoch."""
    root = tmp_path_factory.mktemp("rel") / "data"
    rng = np.random.default_rng(0)
    t = np.arange(WINDOW * 120)
    for k, name in enumerate(["a", "b", "c"]):
        (root / name).mkdir(parents=True)
        np.save(
            root / name / "r.npy",
            (np.sin(2 * np.pi * (k + 1) * t / 32) + rng.standard_normal(t.size)).astype(np.float32),
        )
    return root


def _args(folder: Path, out: Path, epochs: int = 3) -> list[str]:
    return [
        "train", "--model", "resnet_paper", "--data", str(folder), "--data-arg", "sample_rate=1000",
        "--window", str(WINDOW), "--stride", "64", "--eval-stride", str(WINDOW), "--epochs", str(epochs),
        "--batch-size", "32", "--snr", "-5:5", "--eval-snr", "0", "--threads", "1", "--out", str(out),
    ]  # fmt: skip


def _run(args: list[str], **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "deepshrink.cli.main", *args], capture_output=True, text=True, env=env, **kw
    )


def _rows(run: Path) -> list[dict]:
    with open(run / "metrics.csv", newline="") as fh:
        return [{k: v for k, v in r.items() if k != "time"} for r in csv.DictReader(fh)]


def _same_run(a: Path, b: Path) -> None:
    assert _rows(a) == _rows(b)  # every epoch's losses and scores, to the 6 decimals written
    ma, meta_a = load_model(a)
    mb, meta_b = load_model(b)
    for k, v in ma.state_dict().items():
        assert torch.equal(v, mb.state_dict()[k]), k
    assert meta_a["metrics"] == meta_b["metrics"]


@pytest.fixture(scope="module")
def uninterrupted(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("full") / "run"
    r = _run(_args(folder, out), timeout=300)
    assert r.returncode == 0, r.stderr
    return out


def _kill_when(proc: subprocess.Popen, ready, timeout: float = 240.0) -> None:
    t0 = time.time()
    while not ready():
        assert proc.poll() is None, proc.stderr.read() if proc.stderr else "exited early"
        assert time.time() - t0 < timeout, "the training never reached the point to kill it"
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)


def test_sigkill_mid_epoch_then_resume_equals_uninterrupted(folder, uninterrupted, tmp_path):
    out = tmp_path / "run"
    cmd = [sys.executable, "-m", "deepshrink.cli.main", *_args(folder, out)]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    # the first epoch's checkpoint is on disk (written atomically): kill a moment later, inside the second
    _kill_when(proc, lambda: (out / "checkpoints" / "last.ckpt").is_file() and not time.sleep(0.5))
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "model.safetensors").exists()
    torch.load(out / "checkpoints" / "last.ckpt", weights_only=False)  # the run directory stays loadable
    r = _run([*_args(folder, out), "--resume"], timeout=300)
    assert r.returncode == 0, r.stderr
    _same_run(out, uninterrupted)


# slow (30 s); SIGKILL mid-epoch and resume stay in the default run
@pytest.mark.slow
def test_sigkill_during_a_checkpoint_write_then_resume_equals_uninterrupted(folder, uninterrupted, tmp_path):
    out, marker = tmp_path / "run", tmp_path / "writing"
    # the child process writes part of its 3rd checkpoint file (epoch 2), says so and stalls: killed there
    script = textwrap.dedent(
        f"""
        import sys, time, pathlib, torch
        from deepshrink.cli.main import main
        real, calls = torch.save, []
        def stalling_save(obj, f, *a, **k):
            calls.append(f)
            if len(calls) == 3:
                with open(f, "wb") as fh:
                    fh.write(b"PK\\x03\\x04 a partial checkpoint")
                pathlib.Path({str(marker)!r}).write_text(str(f))
                time.sleep(600)
            return real(obj, f, *a, **k)
        torch.save = stalling_save
        sys.exit(main(sys.argv[1:]))
        """
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script, *_args(folder, out)], stderr=subprocess.PIPE, text=True
    )
    _kill_when(proc, marker.is_file)
    assert Path(marker.read_text()).parent == out / "checkpoints"  # it was writing a temp file there
    state = torch.load(out / "checkpoints" / "last.ckpt", weights_only=False)  # the previous one, intact
    assert state["epoch"] == 0  # last.ckpt still holds epoch 1 (Lightning counts from 0)
    r = _run([*_args(folder, out), "--resume"], timeout=300)
    assert r.returncode == 0, r.stderr
    _same_run(out, uninterrupted)


def test_same_seed_and_threads_give_bit_identical_runs(folder, tmp_path):
    torch.set_num_threads(1)
    base = dict(
        model="drsn_cw_paper", data=str(folder), data_kwargs={"sample_rate": 1000}, window=WINDOW, stride=128,
        eval_stride=WINDOW, epochs=2, batch_size=32, snr="-5:5", eval_snr=[0.0], seed=3,
    )  # fmt: skip
    runs = []
    for name in ("a", "b"):
        res = train(parse_config(TrainConfig, {**base, "out": str(tmp_path / name)}))
        runs.append(res)
    _same_run(tmp_path / "a", tmp_path / "b")
    assert runs[0].records == runs[1].records


def test_unwritable_run_directory_is_reported_before_training(folder, tmp_path):
    (tmp_path / "file").write_text("not a folder")
    cfg = parse_config(
        TrainConfig,
        {"data": str(folder), "data_kwargs": {"sample_rate": 1000}, "window": WINDOW, "epochs": 1},
    )
    epochs = []
    with pytest.raises(DataError, match=r"cannot write the run directory"):
        train(
            parse_config(TrainConfig, {**vars(cfg), "out": str(tmp_path / "file" / "run")}),
            on_epoch=lambda *a: epochs.append(a),
        )
    assert not epochs


def test_a_full_disk_is_reported_before_training(folder, tmp_path, monkeypatch):
    import shutil

    from deepshrink.engine.core import fit as fit_module

    monkeypatch.setattr(
        fit_module.shutil, "disk_usage", lambda p: shutil._ntuple_diskusage(10**9, 10**9 - 1000, 1000)
    )
    epochs = []
    cfg = {
        "data": str(folder),
        "data_kwargs": {"sample_rate": 1000},
        "window": WINDOW,
        "epochs": 1,
        "out": str(tmp_path / "r"),
    }
    with pytest.raises(DataError, match=r"MB free on this disk, a run needs about"):
        train(parse_config(TrainConfig, cfg), on_epoch=lambda *a: epochs.append(a))
    assert not epochs


def test_the_saved_config_reproduces_the_run(folder, uninterrupted, tmp_path):
    # config.yaml is the reproduce contract: the same options, file only, give the same run
    again = tmp_path / "again"
    r = _run(["train", "--config", str(uninterrupted / "config.yaml"), "--out", str(again)], timeout=300)
    assert r.returncode == 0, r.stderr
    _same_run(again, uninterrupted)
