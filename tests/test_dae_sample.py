"""`deepshrink dae sample`: samples from a variational run's prior and a latent interpolation (issue 33)."""

from types import SimpleNamespace

import numpy as np
import pytest
import torch
from PIL import Image

from deepshrink.cli.main import main
from deepshrink.data.sets.images import load_digits_images


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A tiny vae_mlp run on the built-in digits (2 epochs) and a dae_mlp run, through the command line."""
    root = tmp_path_factory.mktemp("dae_sample")
    common = ["--data", "digits", "--corruption", "none", "--epochs", "2", "--batch-size", "32", "-q"]
    assert main(["dae", "train", "--model", "vae_mlp", *common, "--out", str(root / "vae")]) == 0
    assert (
        main(["dae", "train", "--model", "dae_mlp", *common, "--epochs", "1", "--out", str(root / "dae")])
        == 0
    )
    return root


def _one_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_png_grid_and_interpolation(runs, capsys):
    out = runs / "png" / "grid.png"  # the folder is created
    assert main(["dae", "sample", "--run", str(runs / "vae"), "-n", "16", "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert f"16 samples -> {out}" in printed and "grid_interpolation.png" in printed
    inter = runs / "png" / "grid_interpolation.png"
    for path in (out, inter):
        with Image.open(path) as im:
            assert im.format == "PNG" and min(im.size) > 100
    assert not list((runs / "png").glob(".*.tmp"))  # atomic writes leave no temporary file


def test_npy_shapes_range_and_determinism(runs, capsys):
    run = str(runs / "vae")

    def draw(name, *extra):
        out = runs / "npy" / name
        assert main(["dae", "sample", "--run", run, "--out", str(out), *extra]) == 0
        return np.load(out), np.load(out.with_name(out.stem + "_interpolation.npy"))

    a, line = draw("a.npy", "-n", "12", "--seed", "3", "--steps", "5")
    assert a.shape == (12, 1, 8, 8) and a.dtype == np.float32
    assert 0.0 <= a.min() and a.max() <= 1.0 and a.std() > 0.01
    assert line.shape == (5, 1, 8, 8) and 0.0 <= line.min() and line.max() <= 1.0
    b, line_b = draw("b.npy", "-n", "12", "--seed", "3", "--steps", "5")
    np.testing.assert_array_equal(a, b)  # same seed, same samples
    np.testing.assert_array_equal(line, line_b)  # the default inputs are fixed
    c, _ = draw("c.npy", "-n", "12", "--seed", "4", "--steps", "5")
    assert not np.allclose(a, c)
    d, _ = draw("d.npy", "-n", "4", "--seed", "3", "--steps", "5")
    np.testing.assert_array_equal(d, a[:4])  # the first k of n samples are those of -n k
    # the interpolation goes from A's reconstruction to B's, through something in between
    assert np.abs(line[0] - line[-1]).mean() > 0.02
    capsys.readouterr()


def test_default_inputs_are_held_out_digits_of_two_classes(runs):
    from deepshrink.engine.core.artifacts import read_meta
    from deepshrink.engine.core.config import DenoiseConfig, load_config
    from deepshrink.engine.denoise.sample import default_pair
    from deepshrink.engine.denoise.training import _split

    run = runs / "vae"
    a, b, names = default_pair(run, read_meta(run))
    x, y = load_digits_images()
    cfg = load_config(run / "config.yaml", DenoiseConfig)

    _, val = _split(SimpleNamespace(x=x), cfg.val_fraction, cfg.seed)  # the run's validation examples
    held = {v.numpy().tobytes() for v in val}
    assert a.tobytes() in held and b.tobytes() in held
    ia, ib = (int(n.split("#")[1].split()[0]) for n in names)
    assert y[ia] != y[ib] and np.array_equal(x[ia], a) and np.array_equal(x[ib], b)


def test_interpolate_between_given_files(runs, capsys):
    x = load_digits_images()[0]
    folder = runs / "given"
    folder.mkdir()
    np.save(folder / "a.npy", x[0, 0])
    Image.fromarray((x[1, 0] * 255).astype(np.uint8)).save(folder / "b.png")
    out = folder / "s.npy"
    args = ["dae", "sample", "--run", str(runs / "vae"), "-n", "2", "--steps", "6", "--out", str(out)]
    assert main([*args, "--interpolate", str(folder / "a.npy"), str(folder / "b.png")]) == 0
    assert "a.npy -> b.png (6 steps)" in capsys.readouterr().out
    line = np.load(folder / "s_interpolation.npy")
    assert line.shape == (6, 1, 8, 8)
    # the ends are the decoded latent means of the inputs
    from deepshrink.engine.core.artifacts import load_model

    model, _ = load_model(runs / "vae")
    with Image.open(folder / "b.png") as im:  # the PNG holds 8-bit levels
        b = np.asarray(im, dtype=np.float32)[None] / 255
    with torch.no_grad():
        ends = model.decode(model.encode(torch.from_numpy(np.stack([x[0], b])))).numpy()
    np.testing.assert_allclose(line[[0, -1]], ends, atol=1e-5)
    # --steps 0: the samples only
    assert main([*args[:-4], "--steps", "0", "--out", str(folder / "only.npy")]) == 0
    assert (folder / "only.npy").is_file() and not (folder / "only_interpolation.npy").exists()
    capsys.readouterr()


def test_engine_functions():
    from deepshrink.engine.denoise.sample import interpolate, interpolation_path, sample_prior
    from deepshrink.errors import ConfigError
    from deepshrink.models import create_model

    model = create_model("vae_mlp", input_shape=(1, 8, 8), hidden=(16,), latent=3)
    s1 = sample_prior(model, 5, torch.Generator().manual_seed(0))
    s2 = sample_prior(model, 5, torch.Generator().manual_seed(0))
    assert s1.shape == (5, 1, 8, 8) and torch.equal(s1, s2)
    line = interpolate(model, torch.rand(1, 8, 8), torch.rand(64), 4)
    assert line.shape == (4, 1, 8, 8)
    assert str(interpolation_path("out/grid.png")) == "out/grid_interpolation.png"
    with pytest.raises(ConfigError, match="steps"):
        interpolate(model, torch.rand(64), torch.rand(64), 1)
    with pytest.raises(ConfigError, match="variational"):
        sample_prior(create_model("dae_mlp", input_shape=(1, 8, 8)), 2)


def test_refusals_are_one_line_with_exit_2(runs, capsys):
    vae, dae = str(runs / "vae"), str(runs / "dae")
    out = str(runs / "refused" / "g.png")
    cases = {
        ("--run", dae, "--out", out): f"{dae} is a dae_mlp run; dae sample needs a variational run (vae_mlp",
        ("--run", str(runs / "missing"), "--out", out): "run directory not found",
        ("--run", vae, "-n", "0", "--out", out): "-n 0: the number of samples must be between 1 and",
        ("--run", vae, "-n", "-3", "--out", out): "-n -3",
        ("--run", vae, "-n", "x", "--out", out): 'key "n": Expected a',  # jsonargparse's words, as elsewhere
        ("--run", vae, "--out", str(runs / "g.jpg")): "unknown format '.jpg'; use .png",
        ("--run", vae, "--out", str(runs / "grid")): "unknown format '(no suffix)'",
        ("--run", vae, "--steps", "1", "--out", out): "--steps 1: an interpolation needs at least 2 points",
        ("--run", vae, "--steps", "0", "--interpolate", "a.npy", "b.npy", "--out", out): "--steps 0",
        ("--run", vae, "--interpolate", str(runs / "nope.npy"), str(runs / "nope.npy"), "--out", out): (
            "nope.npy: file not found"
        ),
        ("--out", out): "arguments are required: run",
    }
    for args, message in cases.items():
        assert main(["dae", "sample", *args]) == 2, args
        err = _one_error(capsys)
        assert message in err, (args, err)
    assert not (runs / "refused").exists()  # nothing written


def test_a_classifier_run_is_refused_naming_its_model(runs, capsys, tmp_path):
    import json
    import shutil

    run = tmp_path / "clf"
    shutil.copytree(runs / "dae", run)
    meta = json.loads((run / "model.json").read_text())
    (run / "model.json").write_text(json.dumps({**meta, "task": "classification", "model": "resnet_2d_s"}))
    assert main(["dae", "sample", "--run", str(run), "--out", str(tmp_path / "g.png")]) == 2
    assert "is a resnet_2d_s run; dae sample needs a variational run" in _one_error(capsys)


def test_sample_parses_with_the_one_parser_family(monkeypatch, capsys):
    # as tests/test_cli_main.py checks for the other commands: help from jsonargparse, no torch needed
    import argparse

    import jsonargparse

    built = []
    init = argparse.ArgumentParser.__init__

    def record(self, *args, **kwargs):
        built.append(type(self))
        init(self, *args, **kwargs)

    monkeypatch.setattr(argparse.ArgumentParser, "__init__", record)
    assert main(["dae", "sample", "--help"]) == 0
    assert "--interpolate" in capsys.readouterr().out
    assert built and all(issubclass(cls, jsonargparse.ArgumentParser) for cls in built)


@pytest.mark.parametrize(
    "argv",
    [
        ["dae", "sample", "--help"],
        ["dae", "sample", "--run", "r", "-n", "0", "--out", "g.png"],
        ["dae", "sample", "--run", "r", "--out", "g.jpg"],
    ],
)
def test_help_and_usage_errors_answer_without_torch(argv):
    import subprocess
    import sys

    code = (
        "import sys\nfrom deepshrink.cli.main import main\n"
        f"rc = main({argv!r})\n"
        "heavy = sorted(m for m in ('torch', 'lightning', 'matplotlib') if m in sys.modules)\n"
        "print('HEAVY', heavy, rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert "HEAVY [] " in out, out[-300:]


def test_a_signal_vae_samples_in_the_data_units(tmp_path, capsys):
    import json

    from deepshrink.engine.core.artifacts import load_model

    rng = np.random.default_rng(0)
    t = np.arange(64) / 16
    np.save(tmp_path / "s.npy", (3 * np.sin(2 * np.pi * rng.uniform(1, 3, (120, 1)) * t)).astype(np.float32))
    run = tmp_path / "run"
    args = ["dae", "train", "--data", str(tmp_path / "s.npy"), "--model", "vae_mlp", "--model-arg"]
    args += ["output=linear", "--corruption", "none", "--epochs", "1", "-q", "--out", str(run)]
    assert main(args) == 0
    assert main(["dae", "sample", "--run", str(run), "-n", "5", "--out", str(tmp_path / "g.npy")]) == 0
    assert main(["dae", "sample", "--run", str(run), "-n", "5", "--out", str(tmp_path / "g.png")]) == 0
    capsys.readouterr()
    samples = np.load(tmp_path / "g.npy")
    assert samples.shape == (5, 1, 64) and np.load(tmp_path / "g_interpolation.npy").shape == (8, 1, 64)
    scale = json.loads((run / "model.json").read_text())["data"]["scale"]
    model, _ = load_model(run)
    expected = model.sample(5, generator=torch.Generator().manual_seed(0)).numpy() * scale
    np.testing.assert_allclose(samples, expected, rtol=1e-5, atol=1e-5)
    assert (tmp_path / "g_interpolation.png").is_file()
