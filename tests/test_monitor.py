"""`deepshrink monitor`: fit on a machine's healthy snapshots, score its life, alarms, streaming, bad input"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from deepshrink.cli.main import main
from deepshrink.data.simulate.degradation import make_run_to_failure
from deepshrink.engine.monitor.run import COLUMNS

# a short simulated life: 90 snapshots, the fault from #60; a small, fast DAE fit
SIM = ["--data-arg", "n_snapshots=90", "--data-arg", "onset=60", "--epochs", "2", "--window", "512", "-q"]


def _rows(run):
    with open(run / "scores.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def sim_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor")
    assert main(["monitor", *SIM, "--out", str(root / "run")]) == 0
    return root / "run"


def test_simulator_run_writes_every_file_and_finds_the_onset(sim_run):
    for name in (
        "scores.csv",
        "summary.json",
        "health.png",
        "model.json",
        "model.safetensors",
        "reference.safetensors",
        "config.yaml",
    ):
        assert (sim_run / name).is_file(), name
    assert not list(sim_run.glob("*.pkl")) and not list(sim_run.glob("*.pickle"))
    assert not (sim_run / "checkpoints").exists()  # nothing to resume: no empty folder
    rows = _rows(sim_run)
    assert len(rows) == 90 and tuple(rows[0]) == COLUMNS
    assert [r["role"] for r in rows[:30]] == ["fit"] * 20 + ["calibration"] * 10
    assert rows[5]["time_s"] == "50" and rows[5]["number"] == "6"
    summary = json.loads((sim_run / "summary.json").read_text())
    assert summary["sequence"]["onset_index"] == 60 and summary["false_alarm_rate"] == 0.01
    ind = summary["indicators"]
    assert set(ind) == {"dae", "rms", "kurtosis", "crest", "iforest", "level_db"}
    # the impulsive indicators find the fault within a few snapshots of its known onset, and no indicator
    # alarms before it (3 exceedances in a row; one of them may be a healthy snapshot's 1 % chance)
    assert 60 <= ind["kurtosis"]["first_alarm_index"] <= 70
    assert 60 <= ind["iforest"]["first_alarm_index"] <= 70
    for name, item in ind.items():
        assert item["alarm_before_onset"] is False, name
        assert item["calibration_snapshots"] == 10
        if item["first_alarm_index"] is not None:
            assert item["lead_time_s"] == (89 - item["first_alarm_index"]) * 10.0
            assert item["alarm_delay_snapshots"] == item["first_alarm_index"] - 60
    # the alarm flags in scores.csv are 3 consecutive exceedances of the threshold in summary.json
    thr = ind["kurtosis"]["threshold"]
    k = np.array([float(r["kurtosis"]) for r in rows])
    first = next(i for i in range(32, 90) if (k[i - 2 : i + 1] > thr).all() and i - 2 >= 30)
    assert first == ind["kurtosis"]["first_alarm_index"]
    assert all(r["kurtosis_alarm"] == "False" for r in rows[:30])


def test_level_drop_shows_beside_the_dae(sim_run, tmp_path, capsys):
    # a machine that became 10x quieter: its DAE score falls (looks healthier), the level alarms
    x = make_run_to_failure(n_snapshots=90, onset=60).snapshots[40].read()
    for i in range(3):
        np.save(tmp_path / f"snap_{91 + i}.npy", x * 0.1)
    assert main(["monitor", "--run", str(sim_run), str(tmp_path), "-q"]) == 0
    rows = _rows(sim_run)
    assert len(rows) == 93
    new = rows[90:]
    thr = json.loads((sim_run / "summary.json").read_text())["indicators"]
    assert all(float(r["level_db"]) < -15 for r in new)
    assert new[-1]["level_db_alarm"] == "True"
    assert all(float(r["dae"]) < thr["dae"]["threshold"] for r in new)
    assert "ALARM level_db" in capsys.readouterr().out


def test_streaming_equals_the_batch_run(tmp_path):
    seq = make_run_to_failure(n_snapshots=70, onset=45, random_state=4)
    full, part = tmp_path / "full", tmp_path / "part"
    later = tmp_path / "later"
    for d in (full, part, later):
        d.mkdir()
    for s in seq.snapshots:
        x = s.read()
        np.save(full / f"snap_{s.number}.npy", x)
        np.save((part if s.index < 55 else later) / f"snap_{s.number}.npy", x)
    opts = ["--epochs", "2", "--window", "512", "--interval-s", "10", "--sample-rate", "25600", "-q"]
    assert main(["monitor", "--data", str(full), "--out", str(tmp_path / "a"), *opts]) == 0
    assert main(["monitor", "--data", str(part), "--out", str(tmp_path / "b"), *opts]) == 0
    files = sorted(later.iterdir())
    assert main(["monitor", "--run", str(tmp_path / "b"), *map(str, files[:6]), "-q"]) == 0
    assert main(["monitor", "--run", str(tmp_path / "b"), *map(str, files[6:]), "-q"]) == 0
    a, b = _rows(tmp_path / "a"), _rows(tmp_path / "b")
    assert len(a) == len(b) == 70
    for ra, rb in zip(a, b, strict=True):
        for col in COLUMNS:
            if col not in ("file",):
                assert ra[col] == rb[col], (ra["index"], col)


def test_nan_snapshot_in_the_scored_part_is_reported(tmp_path, capsys):
    seq = make_run_to_failure(n_snapshots=40, onset=35)
    for s in seq.snapshots:
        x = s.read()
        if s.index == 33:
            x[0, 100] = np.nan
        np.save(tmp_path / f"s{s.number:03d}.npy", x)
    run = tmp_path / "run"
    assert (
        main(
            [
                "monitor",
                "--data",
                str(tmp_path),
                "--out",
                str(run),
                "--epochs",
                "1",
                "--window",
                "512",
                "--sample-rate",
                "25600",
                "-q",
            ]
        )
        == 0
    )
    rows = _rows(run)
    assert rows[33]["status"] == "nan" and rows[33]["dae"] == "nan" and rows[33]["dae_alarm"] == "False"
    summary = json.loads((run / "summary.json").read_text())
    assert summary["unscored"] == [str(tmp_path / "s034.npy")]
    assert "not scored (NaN/inf)" in capsys.readouterr().err


def _folder(tmp_path, n=40, *, length=None, nan_at=None, dup=False):
    folder = tmp_path / "snaps"
    folder.mkdir(exist_ok=True)
    rng = np.random.default_rng(0)
    for i in range(n):
        x = rng.standard_normal((1, 1024)).astype(np.float32)
        if length is not None and i == length[0]:
            x = x[:, : length[1]]
        if nan_at == i:
            x[0, 3] = np.inf
        np.save(folder / f"snap_{i + 1}.npy", x)
    if dup:
        np.save(folder / "snap_01.npy", np.zeros((1, 1024), np.float32))
    return folder


@pytest.mark.parametrize(
    ("make", "args", "needle"),
    [
        (
            lambda t: _folder(t, 40),
            ["--healthy", "6"],
            "--healthy: 6 snapshots are too few healthy snapshots",
        ),
        (lambda t: _folder(t, 40), ["--healthy", "40"], "has only 40 snapshots"),
        (lambda t: _folder(t, 40, length=(12, 1000)), [], "snap_13.npy: snapshot of shape (1, 1000)"),
        (lambda t: _folder(t, 40, length=(35, 900)), [], "snap_36.npy: snapshot of shape (1, 900)"),
        (lambda t: _folder(t, 40, nan_at=3), [], "snap_4.npy: 1 NaN/inf value(s)"),
        (lambda t: _folder(t, 40, dup=True), [], "snap_01.npy"),
        (lambda t: (t / "empty").mkdir() or t / "empty", [], "empty"),
        (lambda t: _folder(t, 40), ["--healthy", "20", "--healthy-s", "100"], "not both"),
        (lambda t: _folder(t, 40), ["--false-alarm-rate", "0.7"], "--false-alarm-rate"),
        (lambda t: _folder(t, 40), ["--healthy-s", "100"], "have no times"),
        (lambda t: _folder(t, 40), ["--bearing", "Bearing1_1"], "bearing"),
        (lambda t: t / "missing", [], "missing"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, capsys, make, args, needle):
    data = make(tmp_path)
    code = main(
        [
            "monitor",
            "--data",
            str(data),
            "--out",
            str(tmp_path / "run"),
            "--epochs",
            "1",
            "--window",
            "256",
            "--sample-rate",
            "1000",
            "-q",
            *args,
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2, err
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err


def test_stream_refuses_old_snapshots_and_other_runs(sim_run, tmp_path, capsys):
    np.save(tmp_path / "snap_5.npy", np.zeros((1, 2560), np.float32))
    assert main(["monitor", "--run", str(sim_run), str(tmp_path / "snap_5.npy")]) == 2
    assert "snapshot number 5 is not after the last scored one" in capsys.readouterr().err
    np.save(tmp_path / "snap_500.npy", np.zeros((1, 1000), np.float32))
    assert main(["monitor", "--run", str(sim_run), str(tmp_path / "snap_500.npy")]) == 2
    assert "snap_500.npy: snapshot of shape (1, 1000)" in capsys.readouterr().err
    assert main(["monitor", "--run", str(tmp_path), str(tmp_path / "snap_500.npy")]) == 2
    assert "model.json: missing" in capsys.readouterr().err


def test_health_monitor_estimator_follows_pyod_conventions():
    from sklearn.base import clone

    from deepshrink.sklearn import HealthMonitor

    seq = make_run_to_failure(n_snapshots=60, onset=40, random_state=1)
    x = np.stack([s.read()[0] for s in seq.snapshots])  # (n, length): one channel
    mon = HealthMonitor("kurtosis", window=512, max_epochs=1, persistence=2, random_state=0).fit(x[:30])
    assert mon.threshold_ > 3 and mon.decision_scores_.shape == (30,) and set(mon.labels_) <= {0, 1}
    assert mon.fit_predict(x[:30]).sum() <= 1
    alarms = mon.predict(x[30:])
    assert alarms[:10].sum() == 0 and alarms[-10:].all()  # healthy until the onset, alarmed at the end
    every = mon.indicators(x[-3:])
    assert set(every) == {"dae", "rms", "kurtosis", "crest", "iforest", "level_db"}
    np.testing.assert_allclose(every["kurtosis"], mon.decision_function(x[-3:]))
    assert clone(mon).get_params()["indicator"] == "kurtosis"
    with pytest.raises(ValueError, match="indicator"):
        HealthMonitor("loudness").fit(x[:30])


def test_files_at_other_rates_or_without_a_number_are_refused(tmp_path, capsys):
    from scipy.io import savemat

    folder = tmp_path / "mats"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for i in range(40):
        fs = 2000.0 if i == 37 else 1000.0  # one snapshot in the monitored part recorded at another rate
        savemat(folder / f"snap_{i + 1}.mat", {"x": rng.standard_normal((1024, 1)), "fs": fs})
    base = ["monitor", "--epochs", "1", "--window", "256", "-q", "--out", str(tmp_path / "run")]
    assert main([*base, "--data", str(folder)]) == 2
    err = capsys.readouterr().err.strip()
    assert "snap_38.mat" in err and "2000" in err and "1000" in err and len(err.splitlines()) == 1
    nameless = _folder(tmp_path, 40)
    np.save(nameless / "snap_latest.npy", np.zeros((1, 1024), np.float32))
    assert main([*base, "--data", str(nameless), "--sample-rate", "1000"]) == 2
    err = capsys.readouterr().err.strip()
    assert "snap_latest.npy: no snapshot number in its name" in err
