"""`deepshrink monitor`: fit on a machine's healthy snapshots, score its life, alarms, streaming, bad input"""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

from deepshrink.cli.main import main
from deepshrink.data.simulate.degradation import make_run_to_failure
from deepshrink.engine.monitor.scores import columns

# the default data: a realistic simulated life (40 h: running-in, drift, two duties, sensor artefacts; the
# fault from snapshot 900, at 30 h), with a small, fast DAE fit
SIM = ["--epochs", "2", "--window", "512", "-q"]
# a stationary life for the tests of mechanics (no running-in, drift, duties or artefacts): short and quick
STATIONARY = ["--data-arg", "realistic=false", "--data-arg", "n_snapshots=90", "--data-arg", "onset=60",
              "--skip", "0", "--healthy", "30", *SIM]  # fmt: skip


def _rows(run):
    with open(run / "scores.csv", newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def sim_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("monitor")
    assert main(["monitor", *STATIONARY, "--out", str(root / "run")]) == 0
    return root / "run"


@pytest.fixture(scope="module")
def life_run(tmp_path_factory):
    root = tmp_path_factory.mktemp("life")
    assert main(["monitor", *SIM, "--out", str(root / "run")]) == 0
    return root / "run"


def test_the_default_life_gets_a_machine_verdict_after_the_onset_and_none_before(life_run):
    summary = json.loads((life_run / "summary.json").read_text())
    machine, ref = summary["machine"], summary["reference"]
    assert summary["sequence"]["realistic"] is True and summary["sequence"]["onset_index"] == 900
    # the running-in is detected and left out; the reference spans a stated time, its thresholds later
    assert ref["skip"].startswith("auto") and ref["start_s"] > 0 and 0.5 * 3600 <= ref["span_s"] <= 2 * 3600
    assert ref["calibration_snapshots"] >= 18 and ref["fit_snapshots"] >= 36
    # one baseline per duty, so the speed changes every 40 minutes raise nothing
    assert (
        summary["conditions"] == ["1500rpm_load0.7", "1800rpm_load1"] and summary["unseen_conditions"] == []
    )
    assert machine["alert_before_onset"] is False and machine["first_alert"] is not None
    confirmed = machine["first_alert"]["confirmed"]
    assert 900 <= confirmed["index"] < 1200 and confirmed["file"] == f"simulator:{confirmed['index'] + 1}"
    first = machine["first_alert"]["first_exceedance"]
    assert first["index"] <= confirmed["index"] and machine["first_alert"]["drivers"]
    # the knocks make crest factor and kurtosis heavy-tailed: their held-back values reject the bound's model,
    # so they leave the verdict (and its Bonferroni count) and the warning says so; the others stay
    assert set(machine["outside_verdict"]) == {"crest", "kurtosis"}
    assert all(machine["model_p"][n] < 0.05 for n in ("crest", "kurtosis"))
    assert machine["indicators"] == ["dae", "rms", "level_db"] and set(machine["bounds"]) == {
        "dae",
        "rms",
        "level_db",
    }
    assert any("outside the machine verdict (which reads dae, rms, level_db)" in w for w in ref["warnings"])
    # the DAE finds the fault after its onset, never before
    assert summary["indicators"]["dae"]["alarm_before_onset"] is False
    assert summary["indicators"]["dae"]["first_alarm_index"] is not None
    rows = _rows(life_run)
    assert {r["machine"] for r in rows[:900]} == {"normal"} and rows[-1]["machine"] in ("alert", "danger")
    assert summary["account"] == {"expected": 1200, "scored": 1200, "unreadable": [], "missing_numbers": [],
                                  "skipped_entries": []}  # fmt: skip


def test_the_verdict_line_ends_the_table(life_run, tmp_path, capsys):
    import shutil

    from deepshrink.cli.monitor import _print_summary

    summary = json.loads((life_run / "summary.json").read_text())
    _print_summary(summary, life_run)
    out = capsys.readouterr().out.strip().splitlines()
    assert out[-2].startswith("MACHINE: ") and "first alert confirmed at simulator:" in out[-2]
    assert "driven by" in out[-2]
    # what is failing: the simulator's bearing is known, its fault is on the outer race
    assert (
        out[-3].startswith("WHAT: outer race (BPFO) in ") and summary["diagnosis"]["after_alert"] == "outer"
    )
    shutil.rmtree(tmp_path)


def test_plot_marks_the_thresholds_and_alarms_where_the_summary_says(life_run):
    from deepshrink.engine.monitor.scores import read_scores
    from deepshrink.engine.monitor.store import load_reference
    from deepshrink.plots.health import plot_health

    summary = json.loads((life_run / "summary.json").read_text())
    rows = read_scores(life_run / "scores.csv")
    ref, _ = load_reference(life_run)
    thresholds, centres = ref.per_row("thresholds", rows), ref.per_row("centres", rows)
    fig = plot_health(rows, thresholds, centres, names=list(ref.thresholds), onset=900,
                      machine=summary["machine"])  # fmt: skip
    top, bottom = fig.axes[:2]
    hours = {r["index"]: r["time_s"] / 3600 for r in rows}
    vlines = {round(float(line.get_xdata()[0]), 6) for line in top.lines if len(set(line.get_xdata())) == 1}
    assert round(hours[summary["machine"]["first_alert"]["confirmed"]["index"]], 6) in vlines
    assert round(hours[900], 6) in vlines  # the known onset
    assert any(list(line.get_ydata()) == [1.0, 1.0] for line in top.lines)  # the threshold line at 1
    for name, item in summary["indicators"].items():
        if name == "level_db" or item["first_alarm_index"] is None:
            continue
        # each indicator's first-alarm triangle sits at its first alarm, at value / its condition's
        # threshold: above 1, where the alarm is (the duties have thresholds of their own)
        marks = [line for line in top.lines if line.get_marker() == "v" and line.get_label().startswith("_")]
        at = hours[item["first_alarm_index"]]
        mark = [m for m in marks if abs(float(m.get_xdata()[0]) - at) < 1e-9]
        assert mark and float(mark[0].get_ydata()[0]) > 1.0, name
    # the level's healthy band is each duty's: its top is the row's centre + threshold
    (band,) = [c for c in bottom.collections if c.get_label() == "healthy band"]
    tops = band.get_paths()[0].vertices[:, 1].max()
    assert abs(tops - np.nanmax(centres["level_db"] + thresholds["level_db"])) < 1e-9
    # and a scalar threshold (one baseline, no condition) still draws one band
    flat = plot_health(rows, ref.thresholds, ref.centres, names=list(ref.thresholds))
    assert [p for p in flat.axes[1].patches if p.get_label() == "healthy band"]


def test_stationary_run_writes_every_file_and_finds_the_onset(sim_run):
    for name in (
        "scores.csv",
        "summary.json",
        "health.png",
        "model.json",
        "model.safetensors",
        "reference.safetensors",
        "config.yaml",
        "state.json",
    ):
        assert (sim_run / name).is_file(), name
    assert not list(sim_run.glob("*.pkl")) and not list(sim_run.glob("*.pickle"))
    assert not (sim_run / "checkpoints").exists()  # nothing to resume: no empty folder
    rows = _rows(sim_run)
    assert len(rows) == 90 and tuple(rows[0]) == columns()
    assert [r["role"] for r in rows[:30]] == ["fit"] * 20 + ["calibration"] * 10
    assert rows[5]["time_s"] == "50.0" and rows[5]["number"] == "6"
    summary = json.loads((sim_run / "summary.json").read_text())
    assert summary["sequence"]["onset_index"] == 60 and summary["false_alarm_rate"] == 0.01
    ind = summary["indicators"]
    assert set(ind) == {"dae", "rms", "kurtosis", "crest", "iforest", "level_db", "velocity_mm_s"}
    assert ind["velocity_mm_s"]["missing"] is True  # no unit given: left out
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
    assert summary["machine"]["alert_before_onset"] is False and summary["machine"]["state"] != "normal"
    assert "no operating condition given" in " ".join(summary["notes"])


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
    opts += ["--skip", "0", "--healthy", "30"]
    assert main(["monitor", "--data", str(full), "--out", str(tmp_path / "a"), *opts]) == 0
    assert main(["monitor", "--data", str(part), "--out", str(tmp_path / "b"), *opts]) == 0
    files = sorted(later.iterdir())
    assert main(["monitor", "--run", str(tmp_path / "b"), *map(str, files[:6]), "-q"]) == 0
    assert main(["monitor", "--run", str(tmp_path / "b"), *map(str, files[6:]), "-q"]) == 0
    a, b = _rows(tmp_path / "a"), _rows(tmp_path / "b")
    assert len(a) == len(b) == 70
    for ra, rb in zip(a, b, strict=True):
        for col in columns():
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
    assert f"not scored: {tmp_path / 's034.npy'} (nan)" in capsys.readouterr().err


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
            "6 snapshots from snapshot #0 hold 6 snapshots, too few",
        ),
        (lambda t: _folder(t, 40), ["--healthy", "40"], "leaves nothing of the 40 snapshots"),
        (lambda t: _folder(t, 40, length=(12, 1000)), [], "snap_13.npy: snapshot of shape (1, 1000)"),
        (lambda t: _folder(t, 40, nan_at=3), [], "snap_4.npy: 1 NaN/inf value(s)"),
        (lambda t: _folder(t, 40, dup=True), [], "snap_01.npy"),
        (lambda t: (t / "empty").mkdir() or t / "empty", [], "empty"),
        (lambda t: _folder(t, 40), ["--healthy", "20", "--healthy-s", "100"], "not healthy and healthy_s"),
        (lambda t: _folder(t, 40), ["--skip", "10"], "from snapshot #10 leaves nothing of the 40"),
        (lambda t: _folder(t, 40), ["--skip", "50"], "--skip: 50 lies beyond the last of the 40 snapshots"),
        (lambda t: _folder(t, 40), ["--rebaseline", "45"], "--rebaseline: 45 lies beyond the last of the 40"),
        (lambda t: _folder(t, 40), ["--skip", "2 weeks"], "--skip: expected a time"),
        (lambda t: _folder(t, 40), ["--reference", "1h"], "have no times"),
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
    import shutil

    run = tmp_path / "run"
    shutil.copytree(sim_run, run)
    new = tmp_path / "new"
    new.mkdir()
    np.save(new / "snap_5.npy", np.zeros((1, 2560), np.float32))
    assert main(["monitor", "--run", str(run), str(new / "snap_5.npy")]) == 2
    assert "snapshot number 5 is not after the last scored one" in capsys.readouterr().err
    # a damaged file in the monitored part is a row with its status, and the run goes on
    np.save(new / "snap_500.npy", np.zeros((1, 1000), np.float32))
    assert main(["monitor", "--run", str(run), str(new / "snap_500.npy"), "-q"]) == 0
    row = _rows(run)[-1]
    assert row["status"].startswith("unreadable: snapshot of shape (1, 1000)") and row["dae"] == "nan"
    assert "snap_500.npy (unreadable: snapshot of shape (1, 1000)" in capsys.readouterr().err
    assert main(["monitor", "--run", str(tmp_path), str(new / "snap_500.npy")]) == 2
    assert "model.json: missing" in capsys.readouterr().err
    # a re-baseline is a new fit: streaming says how to get one, in one line
    assert main(["monitor", "--run", str(run), str(new / "snap_500.npy"), "--rebaseline", "2h"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        "cannot re-baseline it" in err
        and "--rebaseline TIME --out NEW_RUN" in err
        and len(err.splitlines()) == 1
    )


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
    assert set(every) == {"dae", "rms", "kurtosis", "crest", "iforest", "level_db", "velocity_mm_s"}
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
    # in the monitored part: a row that says why it was not scored, and the run goes on
    assert main([*base, "--data", str(folder)]) == 0
    err = capsys.readouterr().err.strip()
    assert "snap_38.mat (unreadable: sample rate 2000 Hz differs from the sequence's rate, 1000 Hz)" in err
    assert _rows(tmp_path / "run")[37]["status"].startswith("unreadable: sample rate 2000 Hz")
    nameless = _folder(tmp_path, 40)
    np.save(nameless / "snap_latest.npy", np.zeros((1, 1024), np.float32))
    assert main([*base, "--data", str(nameless), "--sample-rate", "1000", "--overwrite"]) == 2
    err = capsys.readouterr().err.strip()
    assert "snap_latest.npy: no snapshot number in its name" in err


def test_a_missing_data_path_answers_before_torch_loads():
    import subprocess
    import sys

    code = (
        "import sys; from deepshrink.cli.main import main;"
        " rc = main(['monitor', '--data', '/no/such/folder']);"
        " assert 'torch' not in sys.modules, 'torch was imported'; sys.exit(rc)"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 2, done.stderr
    assert "data '/no/such/folder' is not found" in done.stderr and "Traceback" not in done.stderr
