"""The monitor's reference, verdict and saved state: a reference after the running-in, over a stated time;
warnings that say what to do; exact streaming; a saved monitor that survives a new indicator."""

from __future__ import annotations

import json
import math
import os
import shutil
from types import SimpleNamespace

import numpy as np
import pytest

from deepshrink.cli.main import main
from deepshrink.data.simulate.degradation import make_run_to_failure
from deepshrink.engine.core.option_types import parse_span
from deepshrink.engine.monitor import indicators, policy
from deepshrink.engine.monitor.scores import flag_rows, new_state, read_scores, write_scores
from deepshrink.engine.monitor.store import load_reference
from deepshrink.engine.monitor.stream import LOCK, stream
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.health import artefact_of

FAST = ["--epochs", "1", "--window", "512", "-q"]
STATIONARY = ["--data-arg", "realistic=false", "--data-arg", "n_snapshots=80", "--data-arg", "onset=60"]


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ref") / "run"
    assert main(["monitor", *STATIONARY, "--skip", "0", "--healthy", "30", *FAST, "--out", str(out)]) == 0
    return out


def _cfg(**kw):
    base = dict(rebaseline=None, healthy=None, healthy_s=None, reference=None, skip="auto", holdout=1 / 3)
    return SimpleNamespace(**{**base, **kw})


def _levels(seq):
    def levels(i, j):
        return np.array([20 * math.log10(float(np.sqrt(np.mean(s.read() ** 2)))) for s in seq.snapshots[i:j]])

    return levels


@pytest.mark.parametrize(
    ("text", "want"),
    [("90min", (5400.0, None)), ("2h", (7200.0, None)), ("30s", (30.0, None)), ("1.5h", (5400.0, None)),
     ("40", (None, 40)), (40, (None, 40)), (None, (None, None))],
)  # fmt: skip
def test_a_span_is_a_time_or_a_count(text, want):
    assert parse_span(text, "skip") == want


@pytest.mark.parametrize("text", ["2 weeks", "1.5", "h", "-3h", "", True])
def test_a_bad_span_names_its_option(text):
    with pytest.raises(ConfigError, match=r"^skip: expected a time"):
        parse_span(text, "skip")


def test_running_in_is_detected_and_left_out():
    # a machine 7 dB quieter at first, settling within 2 h, no drift or duties
    seq = make_run_to_failure(realistic=True, running_in_db=-7.0, drift_db=0.0, conditions=[], random_state=3)
    plan = policy.plan_reference(seq, _cfg(), _levels(seq))
    start_h = seq.snapshots[plan.start].time_s / 3600
    assert 0.5 <= start_h <= 2.0, plan.skip_how
    assert plan.skip_how.startswith("auto: level settled")
    assert seq.snapshots[plan.end].time_s - seq.snapshots[plan.start].time_s == 7200
    plan.split([s.condition for s in seq.snapshots], {})
    assert max(plan.fit) < min(plan.calibration) and len(plan.calibration) == 20
    # a stated skip and reference are taken as said
    plan = policy.plan_reference(seq, _cfg(skip="3h", reference="1h"), _levels(seq))
    assert seq.snapshots[plan.start].time_s == 3 * 3600 and plan.end - plan.start == 30
    assert plan.roles(len(seq))[: plan.start] == ["skipped"] * plan.start


def test_a_reference_that_is_all_running_in_gets_a_warning_with_its_drift(tmp_path, capsys):
    args = ["--data-arg", "running_in_db=-7", "--data-arg", "drift_db=0", "--data-arg", "artefact_rate=0",
            "--skip", "0", "--reference", "2h", *FAST, "--out", str(tmp_path / "r")]  # fmt: skip
    assert main(["monitor", *args]) == 0
    err = capsys.readouterr().err
    assert "warning: the reference drifts: its level moves +" in err and "--skip 3h" in err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["reference"]["drift"]["level_shift_db"] > 1.0


def test_a_condition_the_reference_never_saw_is_named(tmp_path, capsys):
    # duties switching every 20 h: the reference (the first hours) sees only the first
    args = ["--data-arg", "condition_period_s=72000", "--data-arg", "running_in_s=0", "--skip", "0", *FAST,
            "--out", str(tmp_path / "r")]  # fmt: skip
    assert main(["monitor", *args]) == 0
    assert "operating condition(s) the reference never saw: 1500rpm_load0.7" in capsys.readouterr().err
    summary = json.loads((tmp_path / "r" / "summary.json").read_text())
    assert summary["unseen_conditions"] == ["1500rpm_load0.7"] and summary["conditions"] == ["1800rpm_load1"]


def test_rebaseline_keeps_the_history_and_never_alarms_on_it(tmp_path):
    out = tmp_path / "r"
    args = [*STATIONARY, "--rebaseline", "20", "--skip", "0", "--healthy", "30", *FAST, "--out", str(out)]
    assert main(["monitor", *args]) == 0
    rows = read_scores(out / "scores.csv")
    assert {r["role"] for r in rows[:20]} == {"history"} and rows[20]["role"] == "fit"
    assert not any(r[f"{n}_alarm"] for r in rows[:50] for n in indicators.INDICATORS)


def test_sensor_artefacts_are_found_and_kept_out_of_the_reference():
    seq = make_run_to_failure(realistic=True, random_state=1)
    found = {i: artefact_of(s.read()) for i, s in enumerate(seq.snapshots)}
    assert {i: a for i, a in found.items() if a} == {
        i: {"clip": "clipped"}.get(a, a) for i, a in seq.meta["artefacts"].items()
    }
    x = seq.snapshots[0].read()
    assert artefact_of(x) is None


def test_streaming_is_exact_at_the_threshold(run):
    """Rows within 1e-9 of their thresholds, flagged in ten pieces with the saved state and read back from
    scores.csv, get exactly the flags of one pass."""
    ref, _ = load_reference(run)
    base = ref.baselines["*"]
    rng = np.random.default_rng(0)
    rows = []
    for i in range(60):
        r = {"index": i, "number": i + 1, "time_s": float(i), "file": f"f{i}", "condition": None,
             "role": "monitored", "status": "ok"}  # fmt: skip
        for n in indicators.INDICATORS:
            if n in ref.missing:  # velocity: no unit given here
                r[n] = math.nan
                continue
            thr, c = base.thresholds[n], base.centres[n]
            edge = c + thr if indicators.INDICATORS[n].kind == "level" else thr
            r[n] = edge * (1 + rng.choice([-1e-12, 1e-12, 2e-10, -2e-10])) + rng.choice([0.0, 1e-9])
        rows.append(r)
    whole = [dict(r) for r in rows]
    state = flag_rows(whole, ref, new_state())
    pieces, st = [], new_state()
    for k in range(10):
        part = [dict(r) for r in rows[6 * k : 6 * k + 6]]
        st = json.loads(json.dumps(flag_rows(part, ref, st)))  # through JSON, as state.json
        pieces += part
    assert st == json.loads(json.dumps(state))
    path = run.parent / "exact.csv"
    write_scores(path, pieces)
    back = read_scores(path)
    for a, b in zip(whole, back, strict=True):
        for n in indicators.INDICATORS:
            same = a[n] == b[n] or (math.isnan(a[n]) and math.isnan(b[n]))
            assert same and a[f"{n}_alarm"] == b[f"{n}_alarm"]
        assert a["machine"] == b["machine"]
    assert any(r["kurtosis_alarm"] for r in whole)  # the test exercises flags, not only their absence


def test_streaming_skips_files_already_scored_and_non_signal_files(run, tmp_path, capsys):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    folder = tmp_path / "night"
    folder.mkdir()
    seq = make_run_to_failure(realistic=False, n_snapshots=90, onset=60)
    for s in seq.snapshots[80:84]:
        np.save(folder / f"snap_{s.number}.npy", s.read())
    (folder / "README.txt").write_text("exported by the DAQ")
    assert main(["monitor", "--run", str(copy), str(folder), "-q"]) == 0
    capsys.readouterr()
    np.save(folder / "snap_85.npy", seq.snapshots[84].read())
    assert main(["monitor", "--run", str(copy), str(folder), "-q"]) == 0
    assert "skipped 4 file(s) already scored" in capsys.readouterr().out
    rows = read_scores(copy / "scores.csv")
    assert [r["number"] for r in rows[80:]] == [81, 82, 83, 84, 85]


def test_a_live_lock_is_refused_and_a_stale_one_taken_over(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    new = tmp_path / "snap_200.npy"
    np.save(new, make_run_to_failure(realistic=False, n_snapshots=90, onset=60).snapshots[10].read())
    (copy / LOCK).write_text(str(os.getpid()))  # this process is alive
    with pytest.raises(DataError, match=rf"another monitor \(pid {os.getpid()}\) is streaming into it"):
        stream(copy, [new])
    (copy / LOCK).write_text("999999999")  # no such process
    _, summary = stream(copy, [new])
    assert "took over a stale lock" in summary["stream"]["notes"][0] and not (copy / LOCK).exists()


def test_a_saved_monitor_outlives_a_new_indicator(run, tmp_path):
    copy = tmp_path / "run"
    shutil.copytree(run, copy)
    try:
        # an indicator added after the monitor was saved: registered in one line, scored NaN, reported
        indicators.register("p2p", lambda b: np.ptp(b.raw, axis=(1, 2)).astype(np.float64), "amplitude")
        _, meta = load_reference(copy)
        assert meta["missing"] == ["p2p"]
        new = tmp_path / "snap_300.npy"
        np.save(new, make_run_to_failure(realistic=False, n_snapshots=90, onset=60).snapshots[10].read())
        rows, summary = stream(copy, [new])
        assert math.isnan(rows[0]["p2p"]) and summary["stream"]["missing_indicators"] == ["p2p"]
        assert summary["indicators"]["p2p"]["missing"] is True
        # a new monitor fits it like any other: thresholds, CSV column, verdict bound
        out = tmp_path / "fresh"
        assert main(["monitor", *STATIONARY, "--skip", "0", "--healthy", "30", *FAST, "--out", str(out)]) == 0
        fresh = json.loads((out / "summary.json").read_text())
        assert fresh["indicators"]["p2p"]["threshold"] > 0 and "p2p" in fresh["machine"]["bounds"]
        assert "p2p" in read_scores(out / "scores.csv")[0]
    finally:
        indicators.INDICATORS.pop("p2p", None)
    # a version-1 monitor (one flat baseline, no verdict bounds) still loads and streams
    meta = json.loads((copy / "model.json").read_text())
    pooled = meta.pop("baselines")["*"]
    meta.update(monitor_version=1, scale=pooled["scale"], thresholds=pooled["thresholds"],
                centres=pooled["centres"])  # fmt: skip
    (copy / "model.json").write_text(json.dumps(meta))
    new = tmp_path / "snap_400.npy"
    np.save(new, make_run_to_failure(realistic=False, n_snapshots=90, onset=60).snapshots[11].read())
    _, summary = stream(copy, [new])
    assert summary["machine"]["rule"].startswith("no verdict")


def test_velocity_in_mm_s_where_the_unit_is_known(run, tmp_path, capsys):
    from deepshrink.functional.health import velocity_rms

    fs = 25600
    t = np.arange(fs) / fs
    # 1 m/s^2 at 100 Hz: velocity amplitude 1 / (2 pi 100) m/s, RMS 1.125 mm/s; outside 10-1,000 Hz: nothing
    assert velocity_rms(np.sin(2 * np.pi * 100 * t), fs, "m/s2") == pytest.approx(
        1000 / (2 * np.pi * 100) / 2**0.5
    )
    assert velocity_rms(np.sin(2 * np.pi * 100 * t), fs, "g") == pytest.approx(9.80665 * 1.1253954, rel=1e-6)
    assert velocity_rms(np.sin(2 * np.pi * 2000 * t), fs, "m/s2") < 1e-9
    out = tmp_path / "r"
    assert (
        main(
            [
                "monitor",
                *STATIONARY,
                "--skip",
                "0",
                "--healthy",
                "30",
                *FAST,
                "--unit",
                "g",
                "--zones",
                "0.001,0.002,1e6",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    table = capsys.readouterr().out
    assert " mm/s " in table and " g " in table and " dB " in table
    summary = json.loads((out / "summary.json").read_text())
    assert summary["unit"] == "g" and summary["indicators"]["velocity_mm_s"]["threshold"] > 0
    assert "velocity_mm_s" in summary["machine"]["bounds"]
    # zone boundaries given: the velocity's zone now, and the first snapshot in zone C (here the first
    # monitored one) and in zone D (none), on the verdict line too; the saved monitor keeps them
    zone = summary["machine"]["zone"]
    first_monitored = summary["reference"]["fit"][1] + 1
    assert zone["boundaries_mm_s"] == [0.001, 0.002, 1e6] and zone["now"]["zone"] == "C"
    assert zone["first_C"]["index"] == first_monitored and zone["first_D"] is None
    assert "mm/s: zone C (boundaries given A/B 0.001, B/C 0.002, C/D 1e+06 mm/s), first in zone C at" in table
    assert load_reference(out)[0].zones == (0.001, 0.002, 1e6)
    # without a unit it does not apply: left out of the thresholds and the verdict, and never reported as new
    ref, meta = load_reference(run)
    assert "velocity_mm_s" in ref.missing and meta["missing"] == [] and meta["left_out"] == ["velocity_mm_s"]
    assert "velocity_mm_s" not in json.loads((run / "summary.json").read_text())["machine"]["bounds"]


# the verdict's bounds are parametric: the model is checked on the values they are built from


def test_the_model_check_passes_log_normal_values_and_rejects_knocks():
    from deepshrink.engine.monitor.verdict import model_check

    rng = np.random.default_rng(0)
    quiet = np.exp(rng.normal(np.log(4.0), 0.05, 20))
    knocks = quiet.copy()
    knocks[[3, 11, 17]] *= [2.6, 3.1, 2.2]  # three snapshots of twenty with a knock, as the simulator's
    centres = [{"crest": 4.0, "rms": 4.0, "level_db": 0.0}] * 20
    p = model_check({"crest": knocks, "rms": quiet, "level_db": 20 * np.log10(quiet / 4.0)}, centres)
    assert p["crest"] < 0.001 and p["rms"] > 0.05 and p["level_db"] == pytest.approx(p["rms"])
    # no spread, too few values, or an indicator outside the verdict's kinds: not tested
    few = np.r_[quiet[:2], np.full(18, np.nan)]
    flat = model_check({"rms": np.full(20, 4.0), "crest": few, "iforest": knocks}, centres)
    assert flat == {"rms": 1.0, "crest": 1.0}


def test_an_indicator_that_rejects_the_model_leaves_the_verdict_unless_all_do():
    from deepshrink.engine.monitor.reference import POOLED, Baseline, HealthReference, verdict_warnings

    base = Baseline(scale=1.0, calibration=20)
    ref = HealthReference(window=8, channels=1, length=8, sample_rate=None, model_name="x", model_kwargs={},
                          dae=None, features=np.random.default_rng(0).normal(size=(20, 4)), seed=0,
                          false_alarm_rate=0.01, persistence=3, baselines={POOLED: base},
                          missing=("velocity_mm_s",))  # fmt: skip
    ref.model_p = {"dae": 0.4, "rms": 0.3, "kurtosis": 1e-4, "crest": 0.01, "level_db": 0.3}
    assert ref.outside_verdict == {"kurtosis": 1e-4, "crest": 0.01}
    assert ref.verdict_names() == ["dae", "rms", "level_db"]
    (text,) = verdict_warnings(ref)
    assert text.startswith("crest, kurtosis: held-back values not normal in log")
    assert (
        "0.33 % per snapshot can be set from 20 of them" in text
        and "(which reads dae, rms, level_db)" in text
    )
    # every one rejected: none is left out (a silent verdict would be worse), and the rate is not promised
    ref.model_p = dict.fromkeys(ref.model_p, 1e-3)
    assert ref.outside_verdict == {} and len(ref.verdict_names()) == 5
    (text,) = verdict_warnings(ref)
    assert "its false-alarm rate is not promised" in text
    ref.model_p = dict.fromkeys(ref.model_p, 0.5)
    assert verdict_warnings(ref) == []


def test_the_zone_of_a_velocity_and_bad_zones():
    from deepshrink.engine.monitor.verdict import zone_of, zone_summary

    bounds = (1.4, 2.8, 4.5)
    assert [zone_of(v, bounds) for v in (0.3, 1.4, 2.0, 2.8, 4.49, 4.5, 30.0)] == list("ABBCCDD")
    rows = [{"index": i, "number": i + 1, "time_s": 60.0 * i, "file": f"f{i}", "role": role,
             "velocity_mm_s": v} for i, (role, v) in enumerate(
                 [("fit", 9.0), ("monitored", 1.0), ("monitored", 3.0), ("monitored", math.nan),
                  ("monitored", 5.0), ("monitored", 2.0), ("monitored", math.nan)])]  # fmt: skip
    z = zone_summary(rows, bounds, "velocity_mm_s")
    # the reference's 9 mm/s is not monitored; NaN rows are skipped: now = the last scored one
    assert z["now"]["index"] == 5 and z["now"]["zone"] == "B"
    assert z["first_C"]["index"] == 2 and z["first_D"]["index"] == 4
    # the verdict line gives the zone whether or not the machine alerted
    from deepshrink.engine.monitor.report import verdict_line

    quiet = {"state": "normal", "first_alert": None, "rule": "machine verdict: ...", "zone": z}
    assert verdict_line(quiet).startswith("MACHINE: NORMAL (no alert; machine verdict)")
    line = verdict_line(quiet)
    assert "; velocity 2 mm/s: zone B (boundaries given A/B 1.4, B/C 2.8, C/D 4.5 mm/s)" in line


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--zones", "4.5,2.8,1.4"], "zones: expected three increasing boundaries in mm/s"),
        (["--zones", "1.4,2.8"], "zones: expected three increasing boundaries"),
        (["--zones", "a,b,c"], "zones: expected three increasing boundaries"),
        (["--zones", "1.4,2.8,4.5"], "zones: they bound velocity in mm/s, which needs the acceleration unit"),
    ],
)
def test_bad_zones_are_one_line(tmp_path, capsys, args, needle):
    code = main(["monitor", *STATIONARY, "--skip", "0", "--healthy", "30", *FAST, *args,
                 "--out", str(tmp_path / "r")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and needle in err and len(err.splitlines()) == 1, err
