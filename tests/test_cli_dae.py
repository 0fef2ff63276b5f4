"""`deepshrink dae train|denoise|score` and the run-directory helpers behind it."""

import json

import numpy as np
import pytest
import torch

from deepshrink.cli.main import main
from deepshrink.data.sets.images import load_digits_images
from deepshrink.engine.core.artifacts import load_model

L_SIGNAL = 256


@pytest.fixture(scope="module")
def image_run(tmp_path_factory):
    """A conv DAE trained on 600 digits (fixed Gaussian sigma 0.3) through the command line."""
    root = tmp_path_factory.mktemp("dae_img")
    np.save(root / "digits.npy", load_digits_images()[0][:600, 0])
    args = ["dae", "train", "--data", str(root / "digits.npy"), "--out", str(root / "run"), "-q"]
    assert main([*args, "--level", "0.3", "--fixed", "--epochs", "25", "--batch-size", "32"]) == 0
    return root


def _signals(n: int, length: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(length) / 64.0
    freq = rng.uniform(2, 6, size=(n, 1))
    return (np.sin(2 * np.pi * freq * t) * rng.uniform(0.5, 2, size=(n, 1))).astype(np.float32)


@pytest.fixture(scope="module")
def signal_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("dae_sig")
    np.save(root / "sines.npy", _signals(400, L_SIGNAL, 0))
    args = ["dae", "train", "--data", str(root / "sines.npy"), "--out", str(root / "run"), "-q"]
    assert main([*args, "--level", "0.5", "--epochs", "6", "--batch-size", "32"]) == 0
    return root


def test_image_run_files_and_quality(image_run, capsys):
    run = image_run / "run"
    for name in (
        "model.safetensors",
        "model.json",
        "metrics.csv",
        "eval.json",
        "reconstructions.png",
        "errors.png",
    ):
        assert (run / name).is_file(), name
    meta = json.loads((run / "model.json").read_text())
    assert meta["task"] == "autoencoder" and meta["model"] == "dae_conv2d" and meta["data"]["kind"] == "image"
    assert meta["model_kwargs"]["in_channels"] == 1
    top = json.loads((run / "eval.json").read_text())["evaluation"][-1]
    assert top["level"] == 0.3
    # the model has learnt to denoise: well above the noisy input's PSNR and SSIM
    assert top["psnr"] > top["psnr_noisy"] + 2.0, top
    assert top["ssim"] > top["ssim_noisy"], top
    model, _ = load_model(run)
    assert not model.training


def test_denoise_npy_and_png_keep_shape_and_range(image_run, capsys):
    from PIL import Image

    run = str(image_run / "run")
    clean = load_digits_images()[0][600:620, 0]
    noisy = np.clip(clean + 0.3 * np.random.default_rng(1).standard_normal(clean.shape), 0, 1).astype(
        np.float32
    )
    np.save(image_run / "noisy.npy", noisy)
    Image.fromarray((noisy[0] * 255).astype(np.uint8)).save(image_run / "one.png")
    out_dir = image_run / "out"
    assert (
        main(
            [
                "dae",
                "denoise",
                "--run",
                run,
                str(image_run / "noisy.npy"),
                str(image_run / "one.png"),
                "--out-dir",
                str(out_dir),
            ]
        )
        == 0
    )
    den = np.load(out_dir / "noisy.denoised.npy")
    assert den.shape == noisy.shape and den.min() >= 0 and den.max() <= 1
    mse = lambda a: float(np.mean((a - clean) ** 2))  # noqa: E731
    assert mse(den) < 0.7 * mse(noisy)
    with Image.open(out_dir / "one.denoised.png") as im:
        assert im.size == (8, 8) and im.mode == "L"
    assert "one.denoised.png" in capsys.readouterr().out


def test_score_flags_images_unlike_the_training_data(image_run, capsys):
    run = str(image_run / "run")
    normal = load_digits_images()[0][600:700, 0]
    odd = np.random.default_rng(2).uniform(0, 1, size=(20, 8, 8)).astype(np.float32)
    np.save(image_run / "mixed.npy", np.concatenate([normal, odd]))
    assert main(["dae", "score", "--run", run, str(image_run / "mixed.npy"), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    flags = np.array([r["anomaly"] for r in res["scores"]])
    assert len(flags) == 120
    assert flags[100:].mean() >= 0.9 and flags[:100].mean() <= 0.1
    assert main(["dae", "score", "--run", run, str(image_run / "mixed.npy"), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "file,index,start,score,anomaly" and len(lines) == 121


def test_signal_run_denoises_csv_and_mat_of_any_length(signal_run, capsys):
    from scipy.io import loadmat, savemat

    run = str(signal_run / "run")
    meta = json.loads((signal_run / "run" / "model.json").read_text())
    assert meta["model"] == "dae_conv1d" and meta["data"]["kind"] == "signal" and meta["data"]["scale"] > 0
    assert (signal_run / "run" / "signals.png").is_file()
    clean = _signals(1, 1000, 5)[0] * 3.0  # longer than the training windows, another amplitude
    noisy = clean + 0.8 * np.random.default_rng(3).standard_normal(clean.shape).astype(np.float32)
    np.savetxt(signal_run / "rec.csv", noisy[:, None], delimiter=",", header="vib", comments="")
    savemat(signal_run / "rec.mat", {"x": noisy[:, None], "fs": 1000.0})
    assert (
        main(["dae", "denoise", "--run", run, str(signal_run / "rec.csv"), str(signal_run / "rec.mat")]) == 0
    )
    den_csv = np.loadtxt(signal_run / "rec.denoised.csv", delimiter=",", skiprows=1)
    den_mat = loadmat(signal_run / "rec.denoised.mat")
    assert den_csv.shape == (1000,) and den_mat["denoised"].shape == (1000, 1)
    assert den_mat["fs"].item() == 1000.0
    err = lambda a: float(np.mean((a - clean) ** 2))  # noqa: E731
    assert err(den_csv) < err(noisy) and np.allclose(den_csv, den_mat["denoised"][:, 0], atol=1e-4)


def test_signal_score_per_window(signal_run, capsys):
    run = str(signal_run / "run")
    long = np.concatenate(
        [_signals(1, 4 * L_SIGNAL, 9)[0], 5 * np.random.default_rng(0).standard_normal(2 * L_SIGNAL)]
    )
    np.save(signal_run / "long.npy", long.astype(np.float32))
    assert main(["dae", "score", "--run", run, str(signal_run / "long.npy"), "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)["scores"]
    assert [r["start"] for r in rows] == [i * L_SIGNAL for i in range(6)]
    assert [r["anomaly"] for r in rows][4:] == [True, True]
    assert max(r["score"] for r in rows[:4]) < min(r["score"] for r in rows[4:])


@pytest.mark.parametrize(
    "args, needle",
    [
        (["dae"], "choose an action"),
        (["dae", "train", "--data", "{tmp}/missing.npy", "--out", "{tmp}/r"], "missing.npy: file not found"),
        (
            ["dae", "train", "--data", "{tmp}/bad.npy", "--out", "{tmp}/r"],
            "bad.npy: holds Python objects (pickled)",
        ),
        (["dae", "train", "--data", "{tmp}/big.npy", "--out", "{tmp}/r"], "images must lie in [0, 1]"),
        (["dae", "train", "--data", "{tmp}/nan.npy", "--out", "{tmp}/r"], "NaN"),
        (
            ["dae", "train", "--data", "{tmp}/sig.npy", "--corruption", "masking", "--out", "{tmp}/r"],
            "Gaussian",
        ),
        (
            ["dae", "train", "--data", "{tmp}/img.npy", "--level", "x", "--out", "{tmp}/r"],
            "--level: bad level 'x'",
        ),
        (
            ["dae", "train", "--data", "{tmp}/img.npy", "--model", "resnet_paper", "--out", "{tmp}/r"],
            "not an autoencoder",
        ),
        (
            ["dae", "train", "--data", "{tmp}/img.npy", "--model", "dae_conv1d", "--out", "{tmp}/r"],
            "signal1d",
        ),
        (["dae", "denoise", "--run", "{tmp}/nowhere", "x.npy"], "not found"),
        (["dae", "denoise", "--run", "{tmp}/notdae", "x.npy"], "not an autoencoder run"),
        (["dae", "score", "--run", "{tmp}", "x.npy"], "model.json"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(tmp_path, capsys, args, needle):
    np.save(tmp_path / "big.npy", np.full((10, 8, 8), 3.0, dtype=np.float32))
    np.save(tmp_path / "nan.npy", np.full((10, 8, 8), np.nan, dtype=np.float32))
    np.save(tmp_path / "img.npy", np.zeros((10, 8, 8), dtype=np.float32))
    np.save(tmp_path / "sig.npy", np.ones((10, 64), dtype=np.float32))
    (tmp_path / "bad.npy").write_bytes(b"not numpy")
    (tmp_path / "notdae").mkdir()
    (tmp_path / "notdae" / "model.json").write_text(json.dumps({"model": "resnet_paper", "model_kwargs": {}}))
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err, err
    assert "Traceback" not in err


def test_file_mistakes_with_a_trained_run(image_run, tmp_path, capsys):
    run = str(image_run / "run")
    np.save(tmp_path / "wide.npy", np.zeros((2, 3, 8, 8), dtype=np.float32))
    np.save(tmp_path / "neg.npy", -np.ones((2, 8, 8), dtype=np.float32))
    (tmp_path / "fake.png").write_bytes(b"\x89PNG broken")
    for name, needle in (
        ("wide.npy", "3 channel(s)"),
        ("neg.npy", "[0, 1]"),
        ("fake.png", "not a readable image"),
    ):
        assert main(["dae", "denoise", "--run", run, str(tmp_path / name)]) == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and needle in err, err
    assert main(["dae", "train", "--data", "digits", "--out", run]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert not any(p.name.startswith(".") for p in (image_run / "run").iterdir())  # no temp files left


def test_corrupt_autoencoder_metadata_is_refused(image_run, tmp_path, capsys):
    import shutil

    run = tmp_path / "copy"
    shutil.copytree(image_run / "run", run)
    meta = json.loads((run / "model.json").read_text())
    meta["score_threshold"] = "high"
    (run / "model.json").write_text(json.dumps(meta))
    assert main(["dae", "score", "--run", str(run), str(image_run / "mixed.npy")]) == 2
    assert "score_threshold" in capsys.readouterr().err
    (run / "model.safetensors").write_bytes(b"junk")
    meta["score_threshold"] = 0.1
    (run / "model.json").write_text(json.dumps(meta))
    assert main(["dae", "score", "--run", str(run), str(image_run / "mixed.npy")]) == 2
    assert "corrupt model weights" in capsys.readouterr().err


def test_auto_epochs_give_enough_steps_on_small_data(tmp_path, monkeypatch):
    from deepshrink.engine.core.config import DenoiseConfig
    from deepshrink.engine.core.options import parse_config
    from deepshrink.engine.denoise import training as dae

    calls = {}
    real_fit = dae.fit

    def short_fit(task, data, run, **kw):
        calls.update(epochs=kw["epochs"], n=len(data.train))
        return real_fit(task, data, run, **{**kw, "epochs": 1})  # what was asked for is what is checked

    monkeypatch.setattr(dae, "fit", short_fit)
    dae.train_dae_run(parse_config(DenoiseConfig, {"data": "digits", "out": str(tmp_path / "r")}))
    assert calls["epochs"] == min(100, max(5, -(-dae.AUTO_EXAMPLES // calls["n"]))) == 62
    assert torch.isfinite(
        torch.tensor(json.loads((tmp_path / "r" / "eval.json").read_text())["score_threshold"])
    )


def test_score_reports_the_level_and_warns_on_a_foreign_level_or_rate(signal_run, capsys):
    # the new user's case: a recording far quieter than the training data scores as *more* normal; the
    # level is printed per file and a warning names the ratio
    run = str(signal_run / "run")
    quiet = _signals(1, 4 * L_SIGNAL, 11)[0] * 0.05
    np.save(signal_run / "quiet.npy", quiet.astype(np.float32))
    assert main(["dae", "score", "--run", run, str(signal_run / "quiet.npy")]) == 0
    out, err = capsys.readouterr()
    assert "level re training" in out and "dB" in out
    assert "quiet.npy: its level is" in err and "x the training data's RMS" in err
    assert main(["dae", "score", "--run", run, str(signal_run / "quiet.npy"), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["files"][0]["level_db"] < -15 and all("level_db" in r for r in res["scores"])
    # a file recorded at another rate than the training data: resampled, and said
    from deepshrink.engine.denoise.apply import score_summary

    rows = [{"file": "fast.mat", "score": 0.1, "anomaly": False, "level_db": 0.5, "rate": 24000.0}]
    meta = {"score_threshold": 1.0, "data": {"kind": "signal", "sample_rate": 12000.0}}
    summary, warnings = score_summary(rows, meta)
    assert summary[0]["level_db"] == pytest.approx(0.5)
    assert warnings == [
        "fast.mat: recorded at 24000 Hz, 2 x the training rate (12000 Hz); resampled, but its machine and "
        "sensor differ from the training data"
    ]
