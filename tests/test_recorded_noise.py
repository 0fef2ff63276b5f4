"""Recorded noise (issue 27, item 3): segments of real recordings at an exact SNR, seeded, resampled to the
data's rate, split in time between training and test noise, never the data's own recording."""

import json
import os
import subprocess
import sys
from collections import Counter
from types import SimpleNamespace

import numpy as np
import pytest
import torch
from scipy.io import wavfile

from deepshrink.benchmark.config import cell_key
from deepshrink.choices import EVAL_SEED
from deepshrink.cli.main import main
from deepshrink.data.readers.noise_recordings import (
    TRAIN_SHARE,
    check_recorded,
    recorded_files,
    recorded_noise,
)
from deepshrink.data.recording import Recording
from deepshrink.engine import TrainConfig, evaluate_snr_grid, train
from deepshrink.engine.core.option_types import NoiseKinds, NoiseName
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional import add_noise, noise_bank, noise_like, snr_db
from deepshrink.functional.noise import add_window_noise
from deepshrink.functional.recorded_noise import draw_recorded
from deepshrink.transforms import AddNoise
from test_engine_train import WINDOW, tiny_dataset

RAMP = 1000.0  # a bank whose values say where they came from: recording r, sample i -> r * RAMP + i


def _ramp_bank():
    return noise_bank([torch.arange(300.0), RAMP + torch.arange(500.0), 2 * RAMP + torch.arange(40.0)])


# --- the functional op ------------------------------------------------------------------------------


def test_segments_are_contiguous_slices_of_one_recording_with_the_mean_removed():
    bank = _ramp_bank()
    x = torch.randn(64, 3, 50)
    out = noise_like(x, "recorded", torch.Generator().manual_seed(0), bank=bank)
    # unit mean square per example; each row is a mean-free contiguous ramp of 50 samples from one recording
    assert torch.allclose(out.pow(2).mean(dim=(1, 2)), torch.ones(64), atol=1e-5)
    rows = out.reshape(-1, 50)
    steps = rows[:, 1:] - rows[:, :-1]
    assert torch.allclose(steps, steps[:, :1].expand_as(steps), atol=1e-4)  # equal steps: never crosses
    assert torch.allclose(rows.mean(dim=1), torch.zeros(len(rows)), atol=1e-4)
    # the 40-sample recording is shorter than the window: never drawn (a crossing would break the steps)


def test_every_position_of_every_long_enough_recording_is_drawn_alike():
    # recording r holds c_r * i^2: a mean-free row's steps c (2 s + 2 j + 1) give its recording and start s
    sizes = {1.0: 60, 2.0: 30, 3.0: 5}
    bank = noise_bank([c * torch.arange(n, dtype=torch.float64) ** 2 for c, n in sizes.items()])
    raw = torch.empty(21600, 10, dtype=torch.float64)
    draw_recorded(raw, bank, torch.Generator().manual_seed(3))
    steps = (raw[:, 1:] - raw[:, :-1]).round()
    c = (steps[:, 1] - steps[:, 0]) / 2
    start = ((steps[:, 0] / c - 1) / 2).round().long()
    counts = Counter(zip(c.long().tolist(), start.tolist(), strict=True))
    # every whole-segment position, none across recordings, none in the 5-sample recording
    assert set(counts) == {(1, s) for s in range(51)} | {(2, s) for s in range(21)}
    expected = len(raw) / 72
    assert max(abs(n - expected) for n in counts.values()) < 5 * expected**0.5


def test_exact_snr_and_input_untouched():
    bank = _ramp_bank()
    x = torch.randn(32, 2, 64)
    before = x.clone()
    g = torch.Generator().manual_seed(1)
    noisy, target = add_noise(x, (-10.0, 5.0), "recorded:any", generator=g, bank=bank, return_snr=True)
    assert torch.equal(x, before)
    assert (snr_db(x, noisy) - target).abs().max() < 1e-4
    fixed = add_noise(x, -7.0, "recorded", generator=torch.Generator().manual_seed(1), bank=bank)
    assert (snr_db(x, fixed) + 7.0).abs().max() < 1e-4


def test_seeded_windows_are_batch_independent_and_reproducible():
    bank = noise_bank([torch.randn(5000), torch.randn(2, 3000)])
    x = torch.randn(40, 2, 128)
    whole = add_window_noise(x, -3.0, "recorded:a", seed=11, bank=bank)
    parts = torch.cat([add_window_noise(x[i : i + 7], -3.0, "recorded:a", seed=11, bank=bank) for i in (0,)])
    assert torch.equal(whole[:7], parts)
    assert torch.equal(whole, add_window_noise(x, -3.0, "recorded:a", seed=11, bank=bank))
    assert not torch.equal(whole, add_window_noise(x, -3.0, "recorded:a", seed=12, bank=bank))
    chunked = add_window_noise(x, -3.0, "recorded:a", seed=11, bank=bank, chunk=6)
    assert torch.equal(whole, chunked)


def test_the_module_carries_its_bank():
    bank = _ramp_bank()
    t = AddNoise(0.0, "recorded", bank=bank, seed=5)
    x = torch.randn(8, 1, 32)
    assert torch.equal(t(x), AddNoise(0.0, "recorded", bank=bank, seed=5)(x))
    assert (snr_db(x, t(x))).abs().max() < 1e-4


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"kind": "recorded"}, "needs bank="),
        ({"kind": "gaussian", "bank": "B"}, "only recorded noise takes bank="),
        ({"kind": "recorded", "bank": "B", "beta": 1.0}, "only kind='colored' takes beta="),
        ({"kind": "recorded", "bank": "SHORT"}, "shorter than a window"),
    ],
)
def test_functional_errors_name_the_argument(kwargs, match):
    sub = {"B": _ramp_bank(), "SHORT": noise_bank([torch.randn(10)])}
    kwargs = {k: sub.get(v, v) if isinstance(v, str) and k == "bank" else v for k, v in kwargs.items()}
    with pytest.raises(ConfigError, match=match):
        add_noise(torch.randn(2, 64), 0.0, generator=torch.Generator(), **kwargs)


def test_bank_refuses_bad_recordings():
    with pytest.raises(ConfigError, match="non-empty list"):
        noise_bank([])
    with pytest.raises(ConfigError, match="finite"):
        noise_bank([torch.tensor([1.0, float("nan"), 2.0])])
    with pytest.raises(ConfigError, match="1-D or 2-D"):
        noise_bank([torch.zeros(2, 2, 2)])


# --- the recordings ---------------------------------------------------------------------------------


def _wav(path, rate, seconds=4.0, freq=None, seed=0):
    n = int(rate * seconds)
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(n) if freq is None else np.sin(2 * np.pi * freq * np.arange(n) / rate)
    wavfile.write(path, int(rate), (0.1 * x).astype(np.float32))
    return path


def test_files_from_a_file_a_folder_or_a_glob(tmp_path):
    (tmp_path / "n").mkdir()
    a = _wav(tmp_path / "n" / "rec2.wav", 1000)
    b = _wav(tmp_path / "n" / "rec10.wav", 1000)
    (tmp_path / "n" / "notes.txt").write_text("x")
    assert recorded_files(str(a)) == [a]
    assert recorded_files(str(tmp_path / "n")) == [a, b]  # natural order, signal files only
    assert recorded_files(str(tmp_path / "n" / "rec1*")) == [b]
    with pytest.raises(DataError, match="no such file or folder"):
        recorded_files(str(tmp_path / "missing"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no signal files"):
        recorded_files(str(tmp_path / "empty"))


def test_resampled_to_the_data_rate_and_split_in_time(tmp_path):
    path = _wav(tmp_path / "tone.wav", 2000, seconds=5.0, freq=50.0)
    windows = SimpleNamespace(sample_rate=1000.0, recordings=[])
    train_bank = recorded_noise(f"recorded:{path}", windows, "train")
    test_bank = recorded_noise(f"recorded:{path}", windows, "test")
    # 10,000 samples at 2 kHz -> 5,000 at 1 kHz, 70 % for training noise
    assert train_bank.lengths == (round(TRAIN_SHARE * 5000),)
    assert test_bank.lengths == (5000 - round(TRAIN_SHARE * 5000),)
    spec = np.abs(np.fft.rfft(train_bank.data.numpy()))
    peak_hz = np.argmax(spec) * 1000.0 / len(train_bank.data)
    assert peak_hz == pytest.approx(50.0, abs=0.5)  # the tone stays at 50 Hz at the new rate
    assert recorded_noise("gaussian", windows, "train") is None


def test_rate_from_the_file_or_after_at(tmp_path):
    np.save(tmp_path / "hum.npy", np.random.default_rng(0).standard_normal(4000).astype(np.float32))
    windows = SimpleNamespace(sample_rate=1000.0, recordings=[])
    with pytest.raises(DataError, match=r"does not say its sample rate; give it as recorded:.*@RATE"):
        recorded_noise(f"recorded:{tmp_path / 'hum.npy'}", windows, "train")
    assert recorded_noise(f"recorded:{tmp_path / 'hum.npy'}@2000", windows, "train").lengths == (1400,)
    wav = _wav(tmp_path / "w.wav", 1000)
    with pytest.raises(DataError, match="not the 500 Hz given with @"):
        recorded_noise(f"recorded:{wav}@500", windows, "train")


def test_the_data_own_recording_and_constant_channels_are_refused(tmp_path):
    path = _wav(tmp_path / "own.wav", 1000)
    rec = Recording(np.zeros((1, 10), np.float32), 1000.0, "a", "own", meta={"path": str(path)})
    with pytest.raises(DataError, match="one of the data's own recordings"):
        recorded_noise(f"recorded:{path}", SimpleNamespace(sample_rate=1000.0, recordings=[rec]), "test")
    wavfile.write(tmp_path / "flat.wav", 1000, np.ones(3000, np.float32))
    with pytest.raises(DataError, match="constant"):
        recorded_noise(f"recorded:{tmp_path / 'flat.wav'}", SimpleNamespace(sample_rate=1000.0), "test")


# --- the option and the grid ------------------------------------------------------------------------


def test_the_option_spelling():
    assert NoiseName.parse("pink") == "pink"
    assert NoiseName.parse("recorded:some/where/*.wav") == "recorded:some/where/*.wav"
    assert NoiseKinds.parse("gaussian,recorded:a@12000") == ["gaussian", "recorded:a@12000"]
    with pytest.raises(ValueError, match="names its recordings"):
        NoiseName.parse("recorded")
    with pytest.raises(ValueError, match="did you mean recorded:PATH"):
        NoiseName.parse("recordd")
    with pytest.raises(ValueError, match="positive number of Hz"):
        NoiseName.parse("recorded:a@-5")
    cfg = TrainConfig(noise="recorded:x.wav")
    assert cfg.noise == "recorded:x.wav"
    key = cell_key("resnet_paper", "recorded:../shared/data/uestc/Data/N_*", None, 0)
    assert key.startswith("resnet_paper__recorded-N-") and "/" not in key and "*" not in key
    assert cell_key("resnet_paper", "recorded:b/N_*", None, 0) != key  # the whole spelling is hashed
    assert cell_key("resnet_paper", "pink", None, 0) == "resnet_paper__pink__range__seed0"  # unchanged


def test_command_line_names_a_missing_noise_path_in_one_line(tmp_path):
    cmd = [sys.executable, "-m", "deepshrink.cli.main", "train", "--data", "simulator", "--epochs", "1"]
    proc = subprocess.run(
        [*cmd, "--noise", f"recorded:{tmp_path / 'nowhere'}", "--out", str(tmp_path / "r")],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "PYTHONWARNINGS": "ignore"},
    )
    assert proc.returncode == 2, proc.stderr
    lines = [ln for ln in proc.stderr.splitlines() if ln.strip()]
    assert len(lines) == 1 and "nowhere: no such file or folder" in lines[0], proc.stderr


# --- training and evaluation ------------------------------------------------------------------------


def test_training_and_evaluation_with_recorded_noise_are_reproducible(tmp_path):
    noise = f"recorded:{_wav(tmp_path / 'plant.wav', 2000, seconds=6.0, seed=4)}"
    cfg = dict(model="resnet_paper", noise=noise, snr=(-2.0, 2.0), normalize="zscore", epochs=2)
    cfg.update(batch_size=16, window=WINDOW, eval_snr=[-2.0, 0.0])
    a = train(TrainConfig(out=None, **cfg), dataset=tiny_dataset())
    b = train(TrainConfig(out=None, **cfg), dataset=tiny_dataset())
    for k, v in a.model.state_dict().items():
        torch.testing.assert_close(v, b.model.state_dict()[k])
    assert [r["noise"] for r in a.records] == ["none", noise, noise]
    assert [r["accuracy"] for r in a.records] == [r["accuracy"] for r in b.records]
    again = evaluate_snr_grid(
        a.model, tiny_dataset(), noise_kinds=[noise], snrs=[-2.0, 0.0], seed=EVAL_SEED, normalize="zscore"
    )
    assert [r["accuracy"] for r in again] == [r["accuracy"] for r in a.records]


def _labelled_folder(root, rate=1000, seconds=6.0):
    rng = np.random.default_rng(7)
    t = np.arange(int(rate * seconds)) / rate
    for k, label in enumerate(("a", "b", "c")):
        (root / label).mkdir(parents=True)
        for part in (1, 2):
            x = np.sin(2 * np.pi * 40 * (k + 1) * t) + 0.3 * rng.standard_normal(len(t))
            wavfile.write(root / label / f"{label}{part}.wav", rate, x.astype(np.float32))
    return root


def test_train_evaluate_and_benchmark_take_recorded_noise_on_the_command_line(tmp_path, capsys):
    data = str(_labelled_folder(tmp_path / "data"))
    noise = f"recorded:{_wav(tmp_path / 'plant.wav', 2000, seconds=8.0, seed=1)}"
    other = f"recorded:{_wav(tmp_path / 'other.wav', 1000, seconds=8.0, seed=2)}"
    small = ["--data", data, "--window", "256", "--stride", "128", "--model", "resnet_paper", "--epochs", "1"]
    run = str(tmp_path / "run")
    assert main(["train", *small, "--noise", noise, "--snr", "0", "--eval-snr", "0", "--out", run, "-q"]) == 0
    assert [r["noise"] for r in json.loads((tmp_path / "run" / "eval.json").read_text())["records"]] == [
        "none",
        noise,
    ]
    assert main(["evaluate", "--run", run, "--noise", f"{other},gaussian", "--snr", "0"]) == 0
    assert "recorded:" in capsys.readouterr().out
    bench = ["benchmark", *small[:6], "--models", "resnet_paper", "--epochs", "1", "--seeds", "0"]
    bench += ["--noises", noise, "--snrs", "0", "--workers", "1", "--out", str(tmp_path / "bench")]
    assert main(bench) == 0
    cells = sorted(p.name for p in (tmp_path / "bench" / "cells").iterdir())
    assert len(cells) == 1 and cells[0].startswith("resnet_paper__recorded-plant.wav-")
    capsys.readouterr()
    # the data's own recording is refused before any training, in one line
    own = f"recorded:{tmp_path / 'data' / 'a' / 'a1.wav'}"
    assert main(["train", *small, "--noise", own, "--out", str(tmp_path / "r2")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "one of the data's own recordings" in err, err


def test_femto_snapshots_give_their_two_accelerations_not_the_time_columns(tmp_path):
    rng = np.random.default_rng(0)
    acc = rng.standard_normal((2560, 2))
    rows = [f"9,39,{i // 100},{i * 39},{h:.3f},{v:.3f}" for i, (h, v) in enumerate(acc)]
    (tmp_path / "acc_00001.csv").write_text("\n".join(rows) + "\n")
    windows = SimpleNamespace(sample_rate=25600.0, recordings=[], window=256)
    bank = recorded_noise(f"recorded:{tmp_path / 'acc_0000*.csv'}", windows, "train")
    assert bank.lengths == (1792, 1792)  # horizontal and vertical, 70 % of 2560 samples at 25.6 kHz
    np.testing.assert_allclose(bank.data[:1792].numpy(), acc[:1792, 0], atol=1e-3)
    with pytest.raises(DataError, match="shorter than a window of 2048 samples at 12000 Hz"):
        check_recorded([f"recorded:{tmp_path}"], SimpleNamespace(sample_rate=12000.0, window=2048))
