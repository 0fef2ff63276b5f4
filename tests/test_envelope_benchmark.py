"""benchmarks/envelope_cwru.py on four short simulated recordings: its segments stay inside their split part
(the networks' split), and its "none" threshold is chosen from the training parts only."""

from __future__ import annotations

import dataclasses
import itertools
import sys
from pathlib import Path

import numpy as np
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
import envelope_cwru as E
from deepshrink.data.simulate.simulator import make_bearing_signals
from deepshrink.data.split.scenarios import assign
from deepshrink.data.split.windows import make_windows

LENGTHS = (2048, 6000)
CONDITION = {"normal": "0HP", "ball": "0HP", "inner": "1HP", "outer": "1HP"}


@pytest.fixture(scope="module")
def recs():
    """One 5-s recording per location class at 12 kHz; ball at 0 HP, inner and outer at 1 HP."""
    raw = make_bearing_signals(classes="4class", n_recordings_per_class=1, duration_s=5.0, random_state=3)
    return [dataclasses.replace(r, condition=CONDITION[r.label]) for r in raw]


def _inside(pieces, split, rec, start, length):
    return any(s == split and i == rec and lo <= start and start + length <= hi for s, i, lo, hi in pieces)


def _check_segments(pieces, n_recs):
    for length in LENGTHS:
        for split in ("train", "val", "test"):
            segs = E.segments(pieces, split, length)
            for rec, start in segs:
                assert _inside(pieces, split, rec, start, length), (split, rec, start, length)
            for rec in range(n_recs):  # non-overlapping inside one recording
                starts = sorted(s for r, s in segs if r == rec)
                assert all(b - a >= length for a, b in itertools.pairwise(starts))


def test_segments_never_cross_split_boundaries(recs):
    pieces = E.within_pieces(recs)
    assert pieces == assign(recs, "within", E.SPLIT, rng=np.random.default_rng(0)).pieces
    _check_segments(pieces, len(recs))
    # the test part is the networks': make_windows (what `deepshrink benchmark` cuts) gives the same starts
    ds = make_windows(recs, window=2048, stride=2048, split=E.SPLIT, scenario="within")
    got = sorted(E.segments(pieces, "test", 2048))
    assert got == sorted(zip(ds.test.recording.tolist(), ds.test.start.tolist(), strict=True))
    for rec, start in got:  # the last 15 % in time
        assert start >= int(np.floor(recs[rec].n_samples * 0.85 + 1e-9))
    conds = E.fault_conditions(recs)
    assert conds == ["0HP", "1HP"]
    for fold, cond in enumerate(conds):
        fp, describe = E.cross_pieces(recs, fold)
        assert describe["test_conditions"] == [cond]
        _check_segments(fp, len(recs))
        for name, rec, lo, hi in fp:
            r = recs[rec]
            if r.label == "normal":  # the normal recording keeps its within split in every fold
                assert (name, rec, lo, hi) in pieces
            elif r.condition == cond:
                assert (name, lo, hi) == ("test", 0, r.n_samples)
            else:
                assert name in ("train", "val")


def test_choose_threshold_on_known_scores():
    th = E.choose_threshold(np.array([1.0, 2.0, 3.0]), np.array([5.0, 6.0]))
    assert th["threshold_db"] == pytest.approx(4.0)  # the widest gap's midpoint
    assert th["train_balanced_accuracy"] == 100.0
    th = E.choose_threshold(np.array([1.0, 2.0, 7.0]), np.array([5.0, 6.0, 9.0]))
    assert th["threshold_db"] == pytest.approx(3.5)  # one false alarm, every fault: 83.3 % beats 66.7 %
    assert th["train_false_alarm"] == pytest.approx(33.33)
    # a tie (75 % at 1.5 and at 5): the wider margin (1 dB against 0.5 dB) wins
    assert E.choose_threshold(np.array([1.0, 4.0]), np.array([2.0, 6.0]))["threshold_db"] == pytest.approx(
        5.0
    )
    with pytest.raises(ValueError, match="normal and fault"):
        E.choose_threshold(np.array([]), np.array([5.0]))
    assert E.predict(np.array([[3.0, 9.0, 1.0], [3.0, 4.0, 1.0]]), 5.0) == ["inner", "normal"]


def _replace_tail(recs, start_frac, donor_label, others_noise=True):
    """Copies where everything from `start_frac` of each recording on is replaced: the normal recording's by
    the donor fault's samples (a fault signature), the others' by strong white noise."""
    rng = np.random.default_rng(7)
    donor = next(r for r in recs if r.label == donor_label)
    out = []
    for r in recs:
        sig = np.array(r.signal, copy=True)
        b = int(np.floor(r.n_samples * start_frac))
        if r.label == "normal":
            sig[:, b:] = donor.signal[:, b : r.n_samples] * 5.0
        elif others_noise:
            sig[:, b:] = rng.standard_normal(sig[:, b:].shape) * 10.0
        out.append(dataclasses.replace(r, signal=sig))
    return out


def test_threshold_is_chosen_from_training_parts_only(recs, monkeypatch):
    base = E.run(recs, lengths=LENGTHS, snrs=(None, 0.0))
    # within: replace everything after the training part (val and test) of every recording
    changed = E.run(_replace_tail(recs, 0.7, "outer"), lengths=LENGTHS, snrs=(None, 0.0))
    for length in map(str, LENGTHS):
        assert changed["within"][length]["threshold"] == base["within"][length]["threshold"]
    # ... while what was replaced does reach the test results (so it would have moved a leaky threshold)
    assert any(
        changed["within"][k]["snr"]["clean"]["confusion"] != base["within"][k]["snr"]["clean"]["confusion"]
        for k in map(str, LENGTHS)
    )
    # the test parts never reach the threshold selection: it sees only segments inside training pieces
    seen = []
    original = E.choose_threshold

    def spy(normal_best, fault_best):
        seen.append(len(normal_best) + len(fault_best))
        return original(normal_best, fault_best)

    calls = []
    original_scores = E.Scorer.scores

    def scores_spy(self, segs, length, snr_db):
        calls.append((list(segs), length, snr_db))
        return original_scores(self, segs, length, snr_db)

    monkeypatch.setattr(E, "choose_threshold", spy)
    monkeypatch.setattr(E.Scorer, "scores", scores_spy)
    E.run(recs, lengths=LENGTHS, snrs=(None,))
    pieces = E.within_pieces(recs)
    # within, one threshold per length from exactly the training segments' scores
    assert seen[: len(LENGTHS)] == [len(E.segments(pieces, "train", n)) for n in LENGTHS]
    # within, per length: first the training call (clean), then the test call; the training call's segments
    # all lie in training pieces
    for k, length in enumerate(LENGTHS):
        segs, got_length, snr = calls[2 * k]
        assert got_length == length and snr is None
        assert all(_inside(pieces, "train", rec, s, length) for rec, s in segs)


def test_cross_condition_threshold_ignores_the_held_out_load(recs):
    base = E.run(recs, lengths=LENGTHS, snrs=(None,))
    for fold, cond in enumerate(E.fault_conditions(recs)):
        rng = np.random.default_rng(fold)
        altered = []
        for r in recs:
            sig = np.array(r.signal, copy=True)
            if r.label != "normal" and r.condition == cond:  # the held-out load, whole
                sig[:] = rng.standard_normal(sig.shape) * 10.0
            elif r.label == "normal":  # the normal recording's val and test parts
                b = int(np.floor(r.n_samples * 0.7))
                sig[:, b:] = rng.standard_normal(sig[:, b:].shape) * 10.0
            altered.append(dataclasses.replace(r, signal=sig))
        out = E.run(altered, lengths=LENGTHS, snrs=(None,))
        for length in map(str, LENGTHS):
            got = out["cross_condition"]["folds"][fold]["lengths"][length]["threshold"]
            assert got == base["cross_condition"]["folds"][fold]["lengths"][length]["threshold"]
