"""Leak-free windowing (split first, then window) and per-window normalisation."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from deepshrink.data import Recording, make_windows, normalize
from deepshrink.data.windows import window_starts
from deepshrink.errors import ConfigError, DataError


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
    assert "x" in table and "13" in table and "split by time" in table


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
    ds = make_windows(recs, window=300, split=(0.6, 0.2, 0.2), split_by="group", random_state=1)
    where = {}
    for split in ("train", "val", "test"):
        for r in set(getattr(ds, split).recording.tolist()):
            where.setdefault(recs[r].group, set()).add(split)
    assert all(len(s) == 1 for s in where.values()) and len(where) == 10
    counts = ds.counts()
    for label in ("a", "b"):  # 5 groups per label -> 3 / 1 / 1, whole recordings of 4 windows each
        assert (counts["train"][label], counts["val"][label], counts["test"][label]) == (24, 8, 8)
    again = make_windows(recs, window=300, split=(0.6, 0.2, 0.2), split_by="group", random_state=1)
    np.testing.assert_array_equal(ds.test.recording, again.test.recording)
    other = make_windows(recs, window=300, split=(0.6, 0.2, 0.2), split_by="group", random_state=2)
    assert not np.array_equal(ds.test.recording, other.test.recording)


def test_group_split_with_forced_test_groups():
    recs = [rec(f"r{i}", "ab"[i % 2], 1000) for i in range(8)]
    ds = make_windows(recs, window=500, split_by="group", test_groups=["r0", "r3"])
    assert sorted({recs[r].name for r in ds.test.recording}) == ["r0", "r3"]
    assert not {"r0", "r3"} & {recs[r].name for r in ds.train.recording}
    with pytest.raises(ConfigError, match=r"test_groups \['zz'\] not found"):
        make_windows(recs, window=500, split_by="group", test_groups=["zz"])


def test_load_split():
    recs = [rec(f"{lab}{load}", lab, 4000, load_hp=load) for lab in ("a", "b") for load in range(3)]
    ds = make_windows(
        recs, window=400, split=(0.8, 0.2, 0.0), split_by="load", train_loads=(0,), test_loads=(1, 2)
    )
    assert {recs[r].meta["load_hp"] for r in ds.test.recording} == {1, 2}
    assert {recs[r].meta["load_hp"] for r in ds.train.recording} == {0}
    assert len(ds.test) == 4 * 10 and len(ds.train) == 2 * 8 and len(ds.val) == 2 * 2
    assert overlaps(ranges(ds.train, 400), ranges(ds.val, 400)) == 0
    with pytest.raises(ConfigError, match="needs train_loads and test_loads"):
        make_windows(recs, window=400, split_by="load")
    with pytest.raises(ConfigError, match="disjoint"):
        make_windows(recs, window=400, split_by="load", train_loads=(0, 1), test_loads=(1,))
    with pytest.raises(DataError, match=r"no meta\['load_hp'\]"):
        make_windows([rec("z", "a", 4000)], window=400, split_by="load", train_loads=(0,), test_loads=(1,))


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
        ({"split_by": "random"}, "split_by must be"),
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
