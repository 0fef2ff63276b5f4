"""Leak-free windowing (split first, then window) and per-window normalisation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepshrink.data import Recording, make_windows
from deepshrink.data.split.windows import window_starts
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional import normalize


def rec(name: str, label: str, n: int, *, rate: float = 1000.0, channels: int = 1, **meta) -> Recording:
    # a ramp makes every window's content identify its start sample
    sig = np.tile(np.arange(n, dtype=np.float32), (channels, 1)) + 1e6 * np.arange(channels)[:, None]
    return Recording(signal=sig, sample_rate=rate, label=label, name=name, meta=meta)


def ranges(ws, window):
    return [(int(r), int(s), int(s) + window) for r, s in zip(ws.recording, ws.start, strict=True)]


def overlaps(a, b) -> int:
    """Number of (a, b) window pairs from the same recording sharing at least one sample."""
    count = 0
    for ra, sa, ea in a:
        for rb, sb, eb in b:
            count += ra == rb and sa < eb and sb < ea
    return count


def test_time_split_never_overlaps_even_with_overlapping_windows():
    recs = [rec(f"r{i}", "ab"[i % 2], 5000 + 37 * i) for i in range(4)]
    ds = make_windows(recs, window=256, stride=64, eval_stride=32, split=(0.6, 0.2, 0.2))
    tr, va, te = (ranges(getattr(ds, s), 256) for s in ("train", "val", "test"))
    assert len(tr) > 100 and len(va) > 0 and len(te) > 0
    assert overlaps(tr, te) == 0 and overlaps(tr, va) == 0 and overlaps(va, te) == 0
    # overlap exists, but only inside the training part
    assert overlaps(tr, tr) > len(tr)
    # time order: train windows come before val windows, val before test, in every recording
    for i in range(4):
        t_end = max(e for r, _, e in tr if r == i)
        v = [(s, e) for r, s, e in va if r == i]
        assert t_end <= min(s for s, _ in v) and max(e for _, e in v) <= min(s for r, s, _ in te if r == i)


def test_window_content_matches_provenance_and_shapes():
    recs = [rec("a", "x", 3000, channels=2), rec("b", "y", 4000, channels=2)]
    ds = make_windows(recs, window=100, stride=50)
    for split in ("train", "val", "test"):
        ws = getattr(ds, split)
        assert ws.x.dtype == np.float32 and ws.y.dtype == np.int64 and ws.x.shape[1:] == (2, 100)
        assert ws.x.flags.c_contiguous
        for k in range(0, len(ws), 7):
            r, s = int(ws.recording[k]), int(ws.start[k])
            np.testing.assert_array_equal(ws.x[k], recs[r].signal[:, s : s + 100])
            assert ws.y[k] == ds.classes.index(recs[r].label)
    assert ds.classes == ["x", "y"] and ds.sample_rate == 1000.0 and ds.window == 100
    assert ds.recordings[0] is recs[0]


def test_exact_window_counts():
    # 10000 samples, (0.7, 0.15, 0.15): segments [0, 7000), [7000, 8500), [8500, 10000)
    ds = make_windows([rec("a", "x", 10000)], window=1000, stride=500, eval_stride=250)
    assert len(ds.train) == (7000 - 1000) // 500 + 1 == 13
    assert len(ds.val) == len(ds.test) == (1500 - 1000) // 250 + 1 == 3
    assert ds.test.start.tolist() == [8500, 8750, 9000]
    np.testing.assert_array_equal(window_starts(0, 7000, 1000, 500), ds.train.start)
    assert window_starts(0, 999, 1000, 1).size == 0
    assert ds.counts() == {"train": {"x": 13}, "val": {"x": 3}, "test": {"x": 3}}
    table = ds.summary()
    assert "x" in table and "13" in table and "scenario within" in table


def test_default_stride_is_the_window_and_eval_stride_follows_stride():
    ds = make_windows([rec("a", "x", 10000)], window=1000)
    assert len(ds.train) == 7 and np.all(np.diff(ds.train.start) == 1000)
    ds2 = make_windows([rec("a", "x", 10000)], window=500, stride=250)
    assert np.all(np.diff(ds2.test.start) == 250)


def test_shuffle_segments_is_deterministic_and_still_leak_free():
    recs = [rec(f"r{i}", "x", 6000) for i in range(6)]
    a = make_windows(recs, window=200, stride=100, random_state=3, shuffle_segments=True)
    b = make_windows(recs, window=200, stride=100, random_state=3, shuffle_segments=True)
    np.testing.assert_array_equal(a.test.start, b.test.start)
    np.testing.assert_array_equal(a.train.x, b.train.x)
    assert overlaps(ranges(a.train, 200), ranges(a.test, 200)) == 0
    # some recording must have its test part somewhere other than the end
    assert any(a.test.start[a.test.recording == i].max() + 200 < 6000 for i in range(6))


def test_group_split_keeps_groups_whole_and_stratifies():
    recs = []
    for label in ("a", "b"):
        for g in range(5):
            for part in range(2):
                r = rec(f"{label}{g}_{part}", label, 1200)
                r.group = f"{label}{g}"
                recs.append(r)
    ds = make_windows(recs, window=300, split=(0.6, 0.2, 0.2), scenario="cross-group", random_state=1)
    where = {}
    for split in ("train", "val", "test"):
        for r in set(getattr(ds, split).recording.tolist()):
            where.setdefault(recs[r].group, set()).add(split)
    assert all(len(s) == 1 for s in where.values()) and len(where) == 10
    counts = ds.counts()
    for label in ("a", "b"):  # 5 groups per label -> 3 / 1 / 1, whole recordings of 4 windows each
        assert (counts["train"][label], counts["val"][label], counts["test"][label]) == (24, 8, 8)
    again = make_windows(recs, window=300, split=(0.6, 0.2, 0.2), scenario="cross-group", random_state=1)
    np.testing.assert_array_equal(ds.test.recording, again.test.recording)
    other = make_windows(recs, window=300, split=(0.6, 0.2, 0.2), scenario="cross-group", random_state=2)
    assert not np.array_equal(ds.test.recording, other.test.recording)


def test_group_split_with_forced_test_groups():
    recs = [rec(f"r{i}", "ab"[i % 2], 1000) for i in range(8)]
    ds = make_windows(recs, window=500, scenario="cross-group", test_groups=["r0", "r3"])
    assert sorted({recs[r].name for r in ds.test.recording}) == ["r0", "r3"]
    assert not {"r0", "r3"} & {recs[r].name for r in ds.train.recording}
    with pytest.raises(ConfigError, match=r"test_groups \['zz'\] not found"):
        make_windows(recs, window=500, scenario="cross-group", test_groups=["zz"])


def cond(name, label, n, condition):
    r = rec(name, label, n)
    r.condition = condition
    return r


def test_cross_condition_split():
    recs = [cond(f"{lab}{load}", lab, 4000, f"{load}HP") for lab in ("a", "b") for load in range(3)]
    ds = make_windows(
        recs,
        window=400,
        split=(0.8, 0.2, 0.0),
        scenario="cross-condition",
        train_conditions=["0HP"],
        test_conditions=["1HP", "2HP"],
    )
    assert {recs[r].condition for r in ds.test.recording} == {"1HP", "2HP"}
    assert {recs[r].condition for r in ds.train.recording} == {"0HP"}
    assert len(ds.test) == 4 * 10 and len(ds.train) == 2 * 8 and len(ds.val) == 2 * 2
    assert overlaps(ranges(ds.train, 400), ranges(ds.val, 400)) == 0
    assert ds.split_info["test_conditions"] == ["1HP", "2HP"]
    with pytest.raises(ConfigError, match="needs test_conditions or a fold"):
        make_windows(recs, window=400, scenario="cross-condition")
    with pytest.raises(ConfigError, match="overlap"):
        make_windows(
            recs,
            window=400,
            scenario="cross-condition",
            train_conditions=["0HP", "1HP"],
            test_conditions=["1HP"],
        )
    with pytest.raises(DataError, match="no operating condition"):
        make_windows([rec("z", "a", 4000)], window=400, scenario="cross-condition", test_conditions=["1HP"])


def test_cross_condition_folds_leave_one_condition_out():
    from deepshrink.data.split.scenarios import scenario_folds

    recs = [cond(f"{lab}{rpm}", lab, 4000, f"{rpm}rpm") for lab in ("a", "b") for rpm in (800, 1000, 1200)]
    assert scenario_folds(recs, "cross-condition") == [0, 1, 2]
    for fold, tested in enumerate(["800rpm", "1000rpm", "1200rpm"]):  # numeric order, not text order
        ds = make_windows(recs, window=400, scenario="cross-condition", fold=fold)
        assert {recs[r].condition for r in ds.test.recording} == {tested}
        assert tested not in {recs[r].condition for r in ds.train.recording}
    with pytest.raises(ConfigError, match="fold 3 out of range"):
        make_windows(recs, window=400, scenario="cross-condition", fold=3)


def test_cross_group_folds_never_share_a_group():
    from deepshrink.data.split.scenarios import scenario_folds

    recs = []
    for lab in ("a", "b"):
        for g in range(3):
            r = rec(f"{lab}{g}", lab, 3000)
            r.group = f"{lab}-bearing{g}"
            recs.append(r)
    assert scenario_folds(recs, "cross-group") == [0, 1, 2]
    for fold in range(3):
        ds = make_windows(recs, window=300, scenario="cross-group", fold=fold)
        test = {recs[r].group for r in ds.test.recording}
        train = {recs[r].group for r in ds.train.recording} | {recs[r].group for r in ds.val.recording}
        assert test == {f"a-bearing{fold}", f"b-bearing{fold}"} and not test & train
    one = [rec(f"{lab}", lab, 3000) for lab in ("a", "b")]
    with pytest.raises(DataError, match="at least two groups"):
        make_windows(one, window=300, scenario="cross-group", fold=0)


def test_cross_dataset_tests_on_the_other_data_set():
    train = [rec(f"tr{lab}", lab, 4000) for lab in ("normal", "inner")]
    test = [rec(f"te{lab}", lab, 2000) for lab in ("normal", "inner")]
    ds = make_windows(
        train, window=400, split=(0.8, 0.2, 0.0), scenario="cross-dataset", test_recordings=test
    )
    assert {ds.recordings[r].name for r in ds.test.recording} == {"tenormal", "teinner"}
    assert {ds.recordings[r].name for r in ds.train.recording} == {"trnormal", "trinner"}
    with pytest.raises(ConfigError, match="test_data"):
        make_windows(train, window=400, scenario="cross-dataset")


def test_check_coverage_names_the_class_and_the_split():
    from deepshrink.data.split.windows import check_coverage

    recs = [rec(f"r{i}", "ab"[i], 2000) for i in range(2)]  # one recording per class
    ds = make_windows(recs, window=500, scenario="cross-group", split=(0.6, 0.2, 0.2))
    with pytest.raises(DataError, match=r"the (val|test) split has no windows of class\(es\) a, b"):
        check_coverage(ds)


def test_relabel_to_fault_types_and_select_classes():
    from deepshrink.data.split.scenarios import relabel, select_classes

    recs = [rec("x", "IR007", 100, fault="inner"), rec("y", "B014", 100, fault="ball")]
    mapped = relabel(recs, "fault")
    assert [r.label for r in mapped] == ["inner", "ball"] and recs[0].label == "IR007"  # copies
    assert [r.name for r in select_classes(mapped, ["ball"])] == ["y"]
    with pytest.raises(DataError, match=r"classes \['outer'\] have no recording"):
        select_classes(mapped, ["outer"])
    with pytest.raises(DataError, match="no fault type"):
        relabel([rec("z", "q", 100)], "fault")


def test_short_recording_is_named():
    recs = [rec("long", "a", 10000), rec("tiny_one", "b", 2500)]
    with pytest.raises(DataError, match=r"recording 'tiny_one': its val part has 375 samples, shorter than"):
        make_windows(recs, window=1000)


def test_rates_channels_labels_nan_and_options():
    with pytest.raises(DataError, match="different sample rates"):
        make_windows([rec("a", "x", 5000), rec("b", "x", 5000, rate=2000.0)], window=100)
    with pytest.raises(DataError, match="different channel counts"):
        make_windows([rec("a", "x", 5000), rec("b", "x", 5000, channels=2)], window=100)
    with pytest.raises(DataError, match=r"recording 'a': label 'x' not in the classes \['y'\]"):
        make_windows([rec("a", "x", 5000)], window=100, classes=["y"])
    bad = rec("nanrec", "x", 5000)
    bad.signal[0, 10] = np.nan
    with pytest.raises(DataError, match="recording 'nanrec': holds NaN/inf"):
        make_windows([bad], window=100)
    with pytest.raises(DataError, match="no recordings"):
        make_windows([], window=100)
    ok = [rec("a", "x", 5000)]
    for kwargs, msg in [
        ({"window": 0}, "window must be a positive integer"),
        ({"stride": 2.5}, "stride must be a positive integer"),
        ({"split": (0.5, 0.2)}, "three fractions"),
        ({"split": (0.5, 0.2, 0.2)}, "sum to 1"),
        ({"split": (0.0, 0.5, 0.5)}, "train > 0"),
        ({"scenario": "random"}, "scenario must be"),
    ]:
        with pytest.raises(ConfigError, match=msg):
            make_windows(ok, **{"window": 100, **kwargs})


def test_given_classes_fix_the_label_order_and_empty_splits():
    ds = make_windows([rec("a", "x", 5000)], window=100, classes=["z", "x"], split=(1.0, 0.0, 0.0))
    assert ds.classes == ["z", "x"] and set(ds.train.y.tolist()) == {1}
    assert len(ds.val) == 0 and ds.val.x.shape == (0, 1, 100) and ds.test.y.dtype == np.int64
    assert ds.counts()["test"] == {"z": 0, "x": 0}


def test_building_many_windows_is_fast():
    import time

    recs = [rec(f"r{i}", f"c{i}", 122000) for i in range(10)]
    t0 = time.perf_counter()
    ds = make_windows(recs, window=2048, stride=256)
    assert time.perf_counter() - t0 < 1.0
    assert len(ds.train) == 10 * ((85400 - 2048) // 256 + 1)


# ---------------------------------------------------------------- normalize


def test_normalize_modes():
    g = torch.Generator().manual_seed(0)
    x = torch.randn(4, 2, 64, generator=g) * 5 + 3
    z = normalize(x, "zscore")
    assert torch.allclose(z.mean(dim=(1, 2)), torch.zeros(4), atol=1e-5)
    assert torch.allclose(z.std(dim=(1, 2), correction=0), torch.ones(4), atol=1e-4)
    # pooled over channels: the ratio between channels survives
    ratio = (x[:, 0] - x.mean(dim=(1, 2))[:, None]) / (x[:, 1] - x.mean(dim=(1, 2))[:, None])
    zr = z[:, 0] / z[:, 1]
    assert torch.allclose(ratio, zr, rtol=1e-3, atol=1e-3)
    m = normalize(x, mode="minmax")
    assert torch.allclose(m.amin(dim=(1, 2)), -torch.ones(4)) and torch.allclose(
        m.amax(dim=(1, 2)), torch.ones(4)
    )
    assert normalize(x, "none") is x


def test_normalize_constant_windows_do_not_make_nan():
    x = torch.full((3, 1, 32), 7.0)
    x[1] = 0.0
    for mode in ("zscore", "minmax"):
        out = normalize(x, mode)
        assert torch.isfinite(out).all() and torch.equal(out, torch.zeros_like(out))
    half = normalize(torch.full((2, 1, 16), 3.0, dtype=torch.float16), "zscore")
    assert torch.isfinite(half).all()
    assert normalize(torch.ones(2, 1, 4, dtype=torch.int64), "minmax").dtype == torch.float32


def test_normalize_errors():
    with pytest.raises(ConfigError, match="normalize mode must be one of"):
        normalize(torch.zeros(2, 1, 4), "l2")
    with pytest.raises(ConfigError, match="expects a batch"):
        normalize(torch.zeros(4), "zscore")
    with pytest.raises(ConfigError, match=r"torch\.Tensor"):
        normalize(np.zeros((2, 1, 4)), "zscore")


def test_seen_windows_finds_test_windows_that_share_samples_with_training():
    from deepshrink.data.split.windows import seen_windows

    recs = [cond(f"{lab}{c}", lab, 4000, c) for lab in ("a", "b") for c in ("0HP", "1HP")]
    within = make_windows(recs, window=400, stride=100)
    assert seen_windows(within, within) == {}  # the time split never tests a trained sample
    left_out = make_windows(recs, window=400, scenario="cross-condition", test_conditions=["1HP"])
    assert seen_windows(left_out, left_out) == {}
    # the within split's test windows of 0HP recordings were training windows of the cross-condition run
    seen = seen_windows(within, left_out)
    assert set(seen) == {"a0HP", "b0HP"} and all(n > 0 for n in seen.values())
