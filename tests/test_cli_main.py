"""The `deepshrink` command line: help, errors (exit 2, one line), train -> predict, evaluate, export."""

import json
import os
import subprocess
import sys
from types import SimpleNamespace

import numpy as np
import pytest

from deepshrink.cli.main import SUBCOMMANDS, main

WINDOW = 256


def _cli(*args, timeout=120):
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "deepshrink.cli.main", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )


def _signal(label, n, rng):
    t = np.arange(n)
    return (np.sin(2 * np.pi * (label + 1) * t / 32.0) + 0.3 * rng.standard_normal(n)).astype(np.float32)


@pytest.fixture(scope="module")
def trained_run(tmp_path_factory):
    """A finished run of a tiny DRSN (trained through the engine API on in-memory windows)."""
    from deepshrink.engine import TrainConfig, train

    rng = np.random.default_rng(0)

    def split(n):
        y = rng.integers(0, 3, n)
        return SimpleNamespace(
            x=np.stack([_signal(int(c), WINDOW, rng)[None] for c in y]), y=y.astype(np.int64)
        )

    ds = SimpleNamespace(
        train=split(96), val=split(24), test=split(24), classes=["a", "b", "c"], sample_rate=1000.0
    )
    out = tmp_path_factory.mktemp("cli") / "run"
    cfg = TrainConfig(
        model="drsn_cs_paper",
        recipe="paper",
        noise="none",
        normalize="none",
        epochs=3,
        batch_size=16,
        window=WINDOW,
        out=str(out),
    )
    train(cfg, dataset=ds)
    return out


@pytest.mark.parametrize("command", [None, *SUBCOMMANDS])
def test_help(command, capsys):
    args = ["--help"] if command is None else [command, "--help"]
    assert main(args) == 0
    text = capsys.readouterr().out
    assert "usage: deepshrink" in text
    if command is not None:
        assert command in text


def test_models_and_datasets(capsys):
    assert main(["models", "drsn_c?_paper"]) == 0
    out = capsys.readouterr().out
    assert "drsn_cs_paper" in out and "drsn_cw_paper" in out and "resnet_paper" not in out
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert "simulator" in out and "cwru" in out and "digits" in out


@pytest.mark.parametrize(
    "args, needle",
    [
        (["train", "--model", "nope", "--epochs", "1", "--out", "{tmp}/r"], "unknown model"),
        (["train", "--snr", "a:b", "--out", "{tmp}/r"], "bad SNR"),
        (["train", "--noise", "purple", "--out", "{tmp}/r"], "unknown noise kind 'purple'"),
        (["train", "--config", "{tmp}/missing.yaml"], "missing.yaml"),
        (["train", "--config", "{tmp}/bad.yaml", "--out", "{tmp}/r"], "unknown key 'epoch'"),
        (["train", "--epochs", "x"], "invalid int value"),
        (["evaluate", "--run", "{tmp}/none", "--snr", "-5:5"], "not found"),
        (["evaluate", "--run", "{tmp}", "--snr", "5:-5"], "bad SNR grid"),
        (["predict", "--run", "{tmp}/none", "x.npy"], "not found"),
        (["export", "--run", "{tmp}", "--out", "{tmp}/m.onnx"], "model.json"),
        (["frobnicate"], "invalid choice"),
    ],
)
def test_user_mistakes_exit_2_with_one_line(tmp_path, capsys, args, needle):
    (tmp_path / "bad.yaml").write_text("epoch: 3\n")
    args = [a.replace("{tmp}", str(tmp_path)) for a in args]
    assert main(args) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err, err
    assert "Traceback" not in err


def test_subprocess_no_traceback(tmp_path):
    r = _cli(
        "train", "--model", "drsn_cw_paper", "--noise", "gaussian", "--snr", "-5:x", "--out", str(tmp_path)
    )
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines() == [r.stderr.strip()] and "bad SNR" in r.stderr
    r = _cli("evaluate", "--run", str(tmp_path / "nope"))
    assert r.returncode == 2 and "Traceback" not in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_negative_snr_values_accepted_after_option():
    from deepshrink.cli.main import _join_negative_values

    assert _join_negative_values(["--snr", "-5:5", "--lr", "-1e-3", "-q"]) == [
        "--snr=-5:5",
        "--lr=-1e-3",
        "-q",
    ]


def test_predict_formats(trained_run, tmp_path, capsys):
    rng = np.random.default_rng(5)
    folder = tmp_path / "rec"
    folder.mkdir()
    for label in range(3):
        np.save(folder / f"rec{label}.npy", _signal(label, WINDOW * 4 + 17, rng))
    assert main(["predict", "--run", str(trained_run), str(folder), "--format", "json"]) == 0
    res = json.loads(capsys.readouterr().out)
    assert res["classes"] == ["a", "b", "c"] and len(res["files"]) == 3
    assert [f["vote"] for f in res["files"]] == ["a", "b", "c"]
    assert all(len(f["windows"]) == 4 for f in res["files"])
    assert main(["predict", "--run", str(trained_run), str(folder / "rec1.npy"), "--format", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "file,start,class,probability,file_vote" and len(lines) == 5
    assert main(["predict", "--run", str(trained_run), str(folder)]) == 0
    assert "rec2.npy" in capsys.readouterr().out
    np.save(tmp_path / "short.npy", np.zeros(10, np.float32))
    assert main(["predict", "--run", str(trained_run), str(tmp_path / "short.npy")]) == 2
    assert "short.npy" in capsys.readouterr().err


@pytest.mark.export
def test_export_onnx_parity(trained_run, tmp_path, capsys):
    pytest.importorskip("onnxruntime")
    out = tmp_path / "m.onnx"
    assert main(["export", "--run", str(trained_run), "--format", "onnx", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.is_file() and "max abs diff" in text
    assert float(text.rsplit("diff", 1)[1].strip(" )\n")) <= 1e-4
    assert main(["export", "--run", str(trained_run), "--out", str(tmp_path / "m.txt")]) == 2


def test_train_cli_then_evaluate(tmp_path, capsys):
    """The full command-line path: label folder -> train -> evaluate -> predict (needs the data loaders)."""
    rng = np.random.default_rng(1)
    root = tmp_path / "data"
    for label, name in enumerate(["inner", "normal", "outer"]):
        (root / name).mkdir(parents=True)
        np.save(root / name / "r0.npy", _signal(label, WINDOW * 40, rng))
    (tmp_path / "exp.yaml").write_text(f"window: {WINDOW}\nbatch_size: 16\nnormalize: none\nnoise: none\n")
    run = tmp_path / "run"
    args = [
        "train",
        "--config",
        str(tmp_path / "exp.yaml"),
        "--model",
        "drsn_cs_paper",
        "--data",
        str(root),
        "--data-arg",
        "sample_rate=1000",
        "--epochs",
        "2",
        "--out",
        str(run),
        "--quiet",
    ]
    assert main(args) == 0, capsys.readouterr().err
    assert (run / "model.safetensors").is_file()
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "--noise", "none", "--quiet"]) == 0
    assert "accuracy" in capsys.readouterr().out  # --quiet silences progress, not the result table
    saved = json.loads((run / "evaluate" / "eval.json").read_text())
    assert saved["records"][0]["noise"] == "none" and (run / "evaluate" / "eval.csv").is_file()
    assert main(["predict", "--run", str(run), str(root / "outer" / "r0.npy"), "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["files"][0]["vote"] == "outer"


def test_evaluate_on_other_test_conditions_refuses_windows_the_run_saw(tmp_path, capsys):
    """`evaluate` takes train's test-side scenario options: a cross-condition run is evaluated on a condition
    it never saw; conditions (or a scenario) whose test windows it trained or validated on are refused."""
    rng = np.random.default_rng(2)
    rows = ["path,label,sample_rate,condition"]
    for label, name in enumerate(["inner", "outer"]):
        for cond in ("c0", "c1", "c2"):
            np.save(tmp_path / f"{name}_{cond}.npy", _signal(label, WINDOW * 24, rng))
            rows.append(f"{name}_{cond}.npy,{name},1000,{cond}")
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    run = tmp_path / "run"
    args = [
        "train", "--model", "resnet_paper", "--data", str(tmp_path / "m.csv"), "--window", str(WINDOW),
        "--stride", str(WINDOW), "--eval-stride", str(WINDOW), "--scenario", "cross-condition",
        "--train-conditions", "c0", "--test-conditions", "c2", "--epochs", "1", "--noise", "none",
        "--eval-noise", "none", "--out", str(run), "--quiet",
    ]  # fmt: skip
    assert main(args) == 0, capsys.readouterr().err
    capsys.readouterr()
    assert main(["evaluate", "--run", str(run), "--noise", "none", "--test-conditions", "c1", "-q"]) == 0
    saved = json.loads((run / "evaluate" / "eval.json").read_text())
    assert saved["scenario"]["test_conditions"] == ["c1"] and saved["records"][0]["n"] == 2 * 24
    refused = {
        "--test-conditions": "overlap; they must be disjoint",  # caught by the scenario itself
        "--scenario": "overlap windows the run trained or validated on",  # within: c0's last part is tested
    }
    for flag, message in refused.items():
        value = "c0,c1" if flag == "--test-conditions" else "within"
        assert main(["evaluate", "--run", str(run), "--noise", "none", flag, value]) == 2
        err = capsys.readouterr().err.strip()
        assert message in err and "c0" in err and len(err.splitlines()) == 1
    assert main(["evaluate", "--run", str(run), "--fold", "x"]) == 2
    assert "fold" in capsys.readouterr().err


@pytest.mark.parametrize(
    "command",
    [*SUBCOMMANDS, "dae train", "dae denoise", "dae score", "monitor stream"],
)
def test_every_command_parses_with_one_parser_family(command, monkeypatch, capsys):
    # issue 24: no command lives in a second (plain argparse) world; its help and errors look alike
    import argparse

    import jsonargparse

    built = []
    init = argparse.ArgumentParser.__init__

    def record(self, *args, **kwargs):
        built.append(type(self))
        init(self, *args, **kwargs)

    monkeypatch.setattr(argparse.ArgumentParser, "__init__", record)
    assert main([*command.split(), "--help"]) == 0
    capsys.readouterr()
    assert built or command == "dae", command  # `dae --help` lists its actions, each with its parser
    assert all(issubclass(cls, jsonargparse.ArgumentParser) for cls in built), (command, built)
