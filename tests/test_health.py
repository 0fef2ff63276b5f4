"""Health indicators, thresholds at a false-alarm rate, persistent alarms, prognostic metrics, and the
simulated run to failure (functional/health.py, data/simulate/degradation.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from deepshrink.data.simulate.degradation import make_run_to_failure, severity_at
from deepshrink.errors import ConfigError
from deepshrink.functional import health


def test_classical_indicators_match_scipy():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 4096))
    x[1, 100] = 30.0  # one impulse on the second channel
    assert health.rms(x) == pytest.approx(math.sqrt(np.mean(x**2)))
    assert health.kurtosis(x) == pytest.approx(stats.kurtosis(x[1], fisher=False))
    assert health.crest_factor(x) == pytest.approx(30.0 / math.sqrt(np.mean(x[1] ** 2)))
    assert health.level_db(x * 0.5, health.rms(x)) == pytest.approx(-6.0206, abs=1e-3)


def test_window_features_shape_and_values():
    w = np.random.default_rng(1).standard_normal((5, 2, 256))
    f = health.window_features(w)
    assert f.shape == (5, 2 * len(health.FEATURE_NAMES))
    assert f[0, 0] == pytest.approx(np.log(np.sqrt(np.mean(w[0, 0] ** 2))), rel=1e-5)
    assert f[3, 6 + 2] == pytest.approx(stats.kurtosis(w[3, 1], fisher=False), rel=1e-4)


def test_threshold_false_alarm_rate_holds_on_lognormal_data():
    # the prediction bound is exact for log-normal data: over many draws, a new value exceeds it 5 % of
    # the time, although each threshold comes from only 10 held-back values
    rng = np.random.default_rng(2)
    hits = 0
    trials = 4000
    for _ in range(trials):
        held = np.exp(rng.normal(1.0, 0.3, size=10))
        thr, _ = health.threshold_at_rate(held, 0.05)
        hits += np.exp(rng.normal(1.0, 0.3)) > thr
    assert hits / trials == pytest.approx(0.05, abs=0.012)


def test_two_sided_threshold_is_a_band():
    thr, centre = health.threshold_at_rate(np.array([-1.0, 0.0, 1.0, 0.5, -0.5]), 0.01, two_sided=True)
    assert centre == pytest.approx(0.0)
    assert thr == pytest.approx(
        stats.t.ppf(0.995, 4) * np.std([-1, 0, 1, 0.5, -0.5], ddof=1) * math.sqrt(1.2)
    )
    with pytest.raises(ValueError, match="at least 3"):
        health.threshold_at_rate(np.array([1.0, np.nan, 2.0]), 0.01)


def test_alarm_needs_consecutive_exceedances_and_nan_neither_counts_nor_resets():
    e = np.array([1, 1, 0, 1, np.nan, 1, 1, 0], dtype=float)
    flags, run = health.alarm_flags(e, 3)
    assert flags.tolist() == [False, False, False, False, False, False, True, False]
    assert run == 0
    # streaming: the run carries over
    f1, r1 = health.alarm_flags(np.array([0, 1, 1.0]), 3)
    f2, _ = health.alarm_flags(np.array([1.0, 1.0]), 3, run=r1)
    assert not f1.any() and f2.tolist() == [True, True]


def test_prognostic_metrics_known_values():
    rising = np.arange(10.0)
    assert health.monotonicity(rising) == 1.0
    assert health.monotonicity(np.array([0, 1, 0, 1, 0.0])) == 0.0
    assert health.trendability(rising, np.arange(10.0) * 10) == pytest.approx(1.0)
    # several units: the smallest |correlation| between two units on a common life axis
    a, b = np.linspace(0, 1, 50), np.linspace(0, 1, 80) ** 2
    assert health.trendability([a, b], [np.arange(50.0), np.arange(80.0)]) == pytest.approx(
        abs(np.corrcoef(np.linspace(0, 1, 101), np.linspace(0, 1, 101) ** 2)[0, 1]), abs=1e-6
    )
    # every unit fails at the same value -> 1; scattered failure values -> lower
    assert health.prognosability([np.array([0.0, 5.0]), np.array([1.0, 5.0])]) == pytest.approx(1.0)
    assert health.prognosability([np.array([0.0, 5.0]), np.array([0.0, 10.0])]) == pytest.approx(
        math.exp(-np.std([5.0, 10.0], ddof=1) / 7.5)
    )


def test_run_to_failure_simulator_onset_and_growth():
    seq = make_run_to_failure(n_snapshots=60, onset=40, random_state=3)
    assert len(seq) == 60 and seq.meta["onset_index"] == 40 and seq.meta["end_of_life"]
    assert seq.snapshots[5].time_s == 50.0 and seq.snapshots[5].number == 6
    x = np.stack([s.read() for s in seq.snapshots])
    assert x.shape == (60, 1, 2560) and x.dtype == np.float32
    # a snapshot is the same whenever it is made (generated on reading)
    np.testing.assert_array_equal(seq.snapshots[7].read(), x[7])
    sev = seq.meta["severities"]
    assert sev[39] == 0.0 and sev[40] == pytest.approx(0.003) and sev[-1] == pytest.approx(0.021)
    assert severity_at(50, onset=40, n_snapshots=60, start=0.003, end=0.021) == pytest.approx(sev[50])
    kurt = np.array([health.kurtosis(s) for s in x])
    assert np.median(kurt[-10:]) > 2 * np.median(kurt[:40])
    assert health.rms(x[-1]) > 1.5 * np.median([health.rms(s) for s in x[:40]])


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"onset": 60, "n_snapshots": 60}, "onset"),
        ({"fault": "cage"}, "fault"),
        ({"start_severity": 0.02, "end_severity": 0.01}, "end_severity"),
        ({"snapshot_s": 0.001}, "64 samples"),
        ({"n_snapshots": 1}, "n_snapshots"),
    ],
)
def test_run_to_failure_bad_options(kwargs, match):
    with pytest.raises(ConfigError, match=match):
        make_run_to_failure(**kwargs)
