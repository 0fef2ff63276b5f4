"""What a new user meets in the first hour, through the real command line: one-line errors instead of
tracebacks, messages that say what to do, one data lookup, output a person reads, usual file modes."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import scipy.io as sio

from deepshrink.cli._common import EpochLine
from deepshrink.cli.main import main

WINDOW = 256
REPO = Path(__file__).resolve().parents[1]


def _tone(k: int, n: int, rng) -> np.ndarray:
    t = np.arange(n)
    return (np.sin(2 * np.pi * (k + 1) * t / 32.0) + 0.3 * rng.standard_normal(n)).astype(np.float32)


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    root = tmp_path_factory.mktemp("fc")
    rng = np.random.default_rng(0)
    folder = root / "folder"
    for k, name in enumerate(["inner", "normal", "outer"]):
        (folder / name).mkdir(parents=True)
        np.save(folder / name / "r.npy", _tone(k, WINDOW * 30, rng))
    return root


@pytest.fixture(scope="module")
def run(data):
    """A classifier run trained through the command line (its output is checked below)."""
    out = data / "run"
    args = [
        "train", "--model", "resnet_paper", "--data", str(data / "folder"), "--data-arg", "sample_rate=1000",
        "--window", str(WINDOW), "--stride", "128", "--eval-stride", str(WINDOW), "--epochs", "2",
        "--eval-snr", "0", "--out", str(out),
    ]  # fmt: skip
    r = _cli(*args)
    assert r.returncode == 0, r.stderr
    (data / "train_output.txt").write_text(r.stdout + "\n---\n" + r.stderr)
    return out


@pytest.fixture(scope="module")
def dae_run(data):
    rng = np.random.default_rng(1)
    np.save(data / "windows.npy", np.stack([_tone(k % 3, WINDOW, rng) for k in range(64)]))
    out = data / "dae"
    args = [
        "dae",
        "train",
        "--data",
        str(data / "windows.npy"),
        "--kind",
        "signal",
        "--epochs",
        "1",
        "--out",
        str(out),
    ]
    assert main(args) == 0
    return out


def _cli(*args, **kw) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONWARNINGS": "ignore"}
    return subprocess.run(
        [sys.executable, "-m", "deepshrink.cli.main", *args], capture_output=True, text=True, env=env, **kw
    )


def _one_line_error(capsys, needle: str) -> str:
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and needle in err and "Traceback" not in err, err
    return err


# --- tracebacks that are now one line (or work) ---------------------------------------------------------


def test_export_without_onnx_names_the_extra(run, tmp_path, capsys, monkeypatch):
    import deepshrink.engine.classify.export as export

    real = export.importlib.import_module

    def no_onnx(name, *a):
        if name.startswith("onnx"):
            raise ImportError(f"No module named {name!r}")
        return real(name, *a)

    monkeypatch.setattr(export.importlib, "import_module", no_onnx)
    assert main(["export", "--run", str(run), "--out", str(tmp_path / "m.onnx")]) == 2
    _one_line_error(capsys, 'pip install "deepshrink[export]"')
    assert "deepshrink[export]" in (REPO / "README.md").read_text()


def test_runs_given_to_the_wrong_command_say_which_fits(run, dae_run, data, capsys):
    assert main(["predict", "--run", str(dae_run), str(data / "folder")]) == 2
    _one_line_error(
        capsys, "an autoencoder run, not a classifier run; use deepshrink dae denoise / dae score"
    )
    assert main(["dae", "score", "--run", str(run), str(data / "folder")]) == 2
    _one_line_error(capsys, "a classifier run, not an autoencoder run; use deepshrink predict")


def test_output_piped_into_a_closed_reader_ends_quietly(run, tmp_path):
    np.save(tmp_path / "long.npy", np.zeros(WINDOW * 4000, np.float32))
    cmd = [
        sys.executable,
        "-m",
        "deepshrink.cli.main",
        "predict",
        "--run",
        str(run),
        str(tmp_path / "long.npy"),
    ]
    proc = subprocess.Popen(
        [*cmd, "--format", "csv"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    assert proc.stdout.readline().startswith("file,start")
    proc.stdout.close()  # `| head -1`
    err = proc.stderr.read()
    assert proc.wait(timeout=120) == 0 and "Traceback" not in err and "BrokenPipe" not in err, err


# --- messages that say what to do -------------------------------------------------------------------------


def test_predict_skips_files_that_are_not_signals(run, data, tmp_path, capsys):
    folder = tmp_path / "mixed"
    folder.mkdir()
    rng = np.random.default_rng(2)
    np.save(folder / "a.npy", _tone(0, WINDOW * 3, rng))
    (folder / "MANIFEST.csv").write_text("path,label\na.npy,inner\n")
    (folder / "notes.txt").write_text("field notes")
    assert main(["predict", "--run", str(run), str(folder)]) == 0
    captured = capsys.readouterr()
    warning = [ln for ln in captured.err.splitlines() if ln.startswith("warning")]
    assert len(warning) == 1 and "MANIFEST.csv" in warning[0] and "notes.txt" in warning[0]
    assert "a.npy" in captured.out
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "MANIFEST.csv").write_text("path,label\n")
    assert main(["predict", "--run", str(run), str(empty)]) == 2
    _one_line_error(capsys, "no readable signal file")


def test_train_explains_autoencoders_files_and_renamed_split_options(data, tmp_path, capsys):
    assert main(["train", "--model", "dae_conv1d", "--out", str(tmp_path / "r")]) == 2
    _one_line_error(capsys, "is an autoencoder, not a classifier: train it with `deepshrink dae train`")
    (tmp_path / "118.mat").write_bytes(b"x")
    assert main(["train", "--data", f"cwru:{tmp_path / '118.mat'}", "--out", str(tmp_path / "r")]) == 2
    _one_line_error(capsys, "is a file; cwru data is read from the folder that holds its files")
    assert main(["train", "--split-by", "group", "--out", str(tmp_path / "r")]) == 2
    _one_line_error(capsys, "--split-by was renamed --scenario")


def test_a_split_without_validation_or_test_windows_is_refused(data, tmp_path, capsys):
    args = [
        "train",
        "--data",
        str(data / "folder"),
        "--data-arg",
        "sample_rate=1000",
        "--window",
        str(WINDOW),
    ]
    assert main([*args, "--scenario", "cross-group", "--out", str(tmp_path / "r")]) == 2
    err = _one_line_error(capsys, "split has no windows of class(es) inner, normal, outer")
    assert not (tmp_path / "r" / "model.json").exists() and "scenario cross-group" in err


def test_dae_commands_accept_folders(dae_run, data, tmp_path, capsys):
    folder = tmp_path / "sig"
    folder.mkdir()
    rng = np.random.default_rng(3)
    for i in range(2):
        np.save(folder / f"s{i}.npy", _tone(i, WINDOW * 4, rng))
    assert (
        main(["dae", "denoise", "--run", str(dae_run), str(folder), "--out-dir", str(tmp_path / "out")]) == 0
    )
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == ["s0.denoised.npy", "s1.denoised.npy"]
    assert main(["dae", "score", "--run", str(dae_run), str(folder)]) == 0
    out = capsys.readouterr().out
    assert "s0.npy" in out and "s1.npy" in out and "above the threshold" in out


def test_a_manifest_without_rates_takes_the_sample_rate_argument(data, tmp_path, capsys):
    (tmp_path / "m.csv").write_text(
        "path,label\n"
        + "".join(f"{data / 'folder' / c / 'r.npy'},{c}\n" for c in ("inner", "normal", "outer"))
    )
    assert (
        main(
            ["datasets", str(tmp_path / "m.csv"), "--data-arg", "sample_rate=51200", "--window", str(WINDOW)]
        )
        == 0
    )
    assert "51200 Hz" in capsys.readouterr().out


def test_a_benchmark_whose_data_cannot_be_read_stops_before_the_grid(tmp_path, capsys):
    (tmp_path / "bad.npy").write_bytes(b"not an array")
    (tmp_path / "m.csv").write_text(f"path,label,sample_rate\n{tmp_path / 'bad.npy'},a,1000\n")
    assert main(["benchmark", "--data", str(tmp_path / "m.csv"), "--out", str(tmp_path / "b")]) == 2
    _one_line_error(capsys, "bad.npy")
    assert not (tmp_path / "b" / "report.md").exists()


def test_a_benchmark_with_failed_cells_exits_non_zero_and_lists_them(tmp_path, capsys, monkeypatch):
    import deepshrink.benchmark.runner as runner

    def broken(cfg, cell, on_epoch):
        raise RuntimeError("the GPU fell off")

    monkeypatch.setattr(runner, "train_and_evaluate", broken)
    args = ["benchmark", "--models", "resnet_paper", "--noise", "gaussian", "--seeds", "0", "--snr", "0"]
    args += [
        "--data-arg",
        "n_recordings_per_class=1",
        "--data-arg",
        "duration_s=3.0",
        "--out",
        str(tmp_path / "b"),
    ]
    assert main([*args, "--shortcut", "false", "-q"]) == 1
    err = capsys.readouterr().err
    assert "1 cell(s) failed" in err and "the GPU fell off" in err


# --- one data lookup --------------------------------------------------------------------------------------


def test_datasets_says_where_it_looked(tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("DEEPSHRINK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DEEPSHRINK_CACHE", str(tmp_path / "cache"))
    assert main(["datasets"]) == 0
    out = capsys.readouterr().out
    assert out.count("looked in") >= 5  # cwru, uestc, mfpt, pu, mnist: none is there
    assert main(["train", "--data", "uestc", "--out", str(tmp_path / "r")]) == 2
    err = _one_line_error(capsys, "no uestc data found: looked in")
    assert str(tmp_path / "data" / "uestc") in err and str(tmp_path / "cache" / "uestc") in err


# --- output a person reads --------------------------------------------------------------------------------


def test_train_prints_our_progress_only_and_consistent_epoch_counts(run, data):
    text = (data / "train_output.txt").read_text()
    for chatter in ("GPU available", "Tip:", "litlogger", "LOCAL_RANK", "| Name", "limit_val_batches"):
        assert chatter not in text, chatter
    assert "epoch 1/2" in text and "epoch 2/2" in text and "after 2 epochs" in text and "epoch 3" not in text


def test_epoch_line_estimates_are_steady_and_never_negative():
    class Stream:
        def __init__(self):
            self.lines: list[str] = []

        def isatty(self):
            return False

        def write(self, s):
            self.lines.append(s)

        def flush(self):
            pass

    stream = Stream()
    line = EpochLine("m", stream)
    for e in range(1, 4):
        line(e, 3, {"train_loss": 1.0, "val_acc": 0.5})
    text = "".join(stream.lines)
    assert "epoch 3/3" in text and "-0.0" not in text and "val_acc 50.0 %" in text
    assert "min left" not in stream.lines[-1]  # nothing is left after the last epoch


def test_evaluate_quiet_keeps_the_table_and_lists_what_it_wrote(run, capsys):
    assert main(["evaluate", "--run", str(run), "--snr", "0", "-q"]) == 0
    assert "accuracy" in capsys.readouterr().out
    assert main(["evaluate", "--run", str(run), "--snr", "0,5"]) == 0
    out = capsys.readouterr().out
    for name in ("eval.json", "eval.csv", "accuracy_vs_snr.png"):
        assert name in out


def test_reports_say_what_the_spread_is_over_and_bands_are_disjoint():
    from deepshrink.benchmark.report import render_report, summary_table

    records = [
        {"model": m, "noise": "gaussian", "snr_db": s, "seed": 0, "accuracy": 80.0 + s, "n_test": 10}
        for m in ("a", "b")
        for s in (-10.0, -6.0, -5.0, 0.0, 5.0)
    ] + [
        {"model": m, "noise": "none", "snr_db": None, "seed": 0, "accuracy": 99.0, "n_test": 10} for m in "ab"
    ]
    text = render_report({"records": records, "dataset": "x", "protocol": "robust"}, [])
    assert "±" not in summary_table(records) and "-10..-6 dB" in text and "mean -5..5 dB" in text
    assert "paper Table" not in summary_table(records, paper=False)
    assert "over 1 trained unit" in text


def test_help_pages_describe_and_show_defaults(capsys):
    for args, needles in (
        (["dae", "train", "--help"], ["examples:", "--corruption", "salt_pepper or masking"]),
        (["dae", "score", "--help"], ["example:", "machine and sensor"]),
        (["dae", "denoise", "--help"], ["example:"]),
        (
            ["benchmark", "--help"],
            ["--noises", "type: NoiseKinds, default: ('gaussian', 'laplacian', 'pink')"],
        ),
        (["datasets", "--help"], ["$DEEPSHRINK_DATA/<name>, else the download cache"]),
        (
            ["evaluate", "--help"],
            ["examples:", "--test-conditions TEST_CONDITIONS cross-condition: conditions"],
        ),
    ):
        assert main(args) == 0
        out = " ".join(capsys.readouterr().out.split())
        for needle in needles:
            assert needle in out, (args, needle)


def test_dae_score_warns_when_scores_are_far_outside_the_training_range(dae_run, tmp_path, capsys):
    rng = np.random.default_rng(4)
    np.save(tmp_path / "loud.npy", 1000 * _tone(0, WINDOW * 4, rng))
    assert main(["dae", "score", "--run", str(dae_run), str(tmp_path / "loud.npy")]) == 0
    captured = capsys.readouterr()
    assert "far outside the training range" in captured.err and "loud.npy" in captured.out


# --- files ------------------------------------------------------------------------------------------------


def test_written_files_get_the_usual_mode(run):
    umask = os.umask(0)
    os.umask(umask)
    for name in (
        "config.yaml",
        "model.json",
        "model.safetensors",
        "metrics.csv",
        "eval.json",
        "training_curves.png",
    ):
        assert stat.S_IMODE((run / name).stat().st_mode) == 0o666 & ~umask, name
    assert "/demo/" in (REPO / ".gitignore").read_text()


def test_files_without_a_rate_are_announced_and_sample_rate_is_accepted(run, tmp_path, capsys):
    rng = np.random.default_rng(5)
    np.save(tmp_path / "a.npy", _tone(0, WINDOW * 8, rng))
    assert main(["predict", "--run", str(run), str(tmp_path / "a.npy")]) == 0
    assert "taken at the run's 1000 Hz" in capsys.readouterr().err
    assert (
        main(
            [
                "predict",
                "--run",
                str(run),
                str(tmp_path / "a.npy"),
                "--sample-rate",
                "2000",
                "--format",
                "json",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    assert "taken at" not in captured.err
    assert (
        len(json.loads(captured.out)["files"][0]["windows"]) == 4
    )  # resampled 2000 -> 1000 Hz: half the windows


def test_float_wav_and_struct_mat_inputs(tmp_path):
    from deepshrink.data.readers.io import read_signal_file
    from deepshrink.errors import DataError

    sio.savemat(tmp_path / "b.mat", {"bearing": {"gs": np.arange(10.0), "sr": 1000.0}})
    with pytest.raises(DataError, match=r"variable='bearing.gs'"):
        read_signal_file(tmp_path / "b.mat")
    sig, rate = read_signal_file(tmp_path / "b.mat", variable="bearing.gs")
    assert sig.shape == (1, 10) and rate == 1000.0


def test_a_cross_dataset_preview_describes_the_training_and_the_test_data_apart(data, tmp_path, capsys):
    rng = np.random.default_rng(2)
    rows = {"train": [], "test": []}
    for role in rows:
        for k, c in enumerate(("inner", "normal", "outer")):
            path = tmp_path / f"{role}_{c}.npy"
            np.save(path, _tone(k, WINDOW * (20 if role == "train" else 8), rng))
            rows[role].append(f"{path},{c},1000\n")
        (tmp_path / f"{role}.csv").write_text("path,label,sample_rate\n" + "".join(rows[role]))
    args = ["datasets", str(tmp_path / "train.csv"), "--test-data", str(tmp_path / "test.csv")]
    assert main([*args, "--scenario", "cross-dataset", "--window", str(WINDOW)]) == 0
    out = capsys.readouterr().out
    assert f"train data {tmp_path / 'train.csv'}: 3 recordings" in out
    assert f"test data {tmp_path / 'test.csv'}: 3 recordings" in out
    assert "│ test  │ normal" in out and "│ train │ normal" in out


def test_evaluate_keeps_the_training_evaluation_and_labels_clean_as_train_does(run, capsys, tmp_path):
    before = (run / "eval.json").read_bytes()
    assert main(["evaluate", "--run", str(run), "--snr", "0", "-q"]) == 0
    out = capsys.readouterr().out
    assert (run / "eval.json").read_bytes() == before  # the training-time evaluation is kept
    assert (run / "evaluate" / "eval.json").is_file() and (run / "evaluate" / "eval.csv").is_file()
    assert "clean" in out and "│ none" not in out
    assert main(["evaluate", "--run", str(run), "--snr", "0", "-q", "--out", str(tmp_path / "e")]) == 0
    assert (tmp_path / "e" / "eval.json").is_file()


def test_each_command_help_line_is_the_one_the_overview_prints():
    import importlib

    from deepshrink.cli.main import COMMANDS

    for name, text in COMMANDS.items():
        assert importlib.import_module(f"deepshrink.cli.{name}").HELP == text, name
