"""Snapshot sequences: the FEMTO reader (both published variants), folders, manifests and `load_sequence`."""

from __future__ import annotations

import os
import pickle
from pathlib import Path

import numpy as np
import pytest

from deepshrink.data.readers.names import snapshot_number
from deepshrink.data.readers.sequence import (
    load_sequence,
    load_snapshot_folder,
    load_snapshot_manifest,
    natural_key,
)
from deepshrink.data.sets import femto
from deepshrink.data.sets.femto import (
    FEMTO_CHANNELS,
    FEMTO_CONDITIONS,
    FEMTO_INTERVAL_S,
    FEMTO_RATE,
    femto_bearings,
    load_femto,
    read_femto_snapshot,
)
from deepshrink.errors import ConfigError, DataError

REAL_FEMTO = Path(os.environ.get("DEEPSHRINK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
REAL_FEMTO = REAL_FEMTO / "femto"

# (hour, minute, second, microsecond, horizontal, vertical) as the files write them: mixed notation
ROWS = [
    ("9", "39", "39", "65664", "0.552", "-0.146"),
    ("9", "39", "39", "1.1555e+005", "-12.25", "3"),
    ("9", "39", "39", "1e+06", "+0.5", ".125"),
    ("9", "39", "40", "1.6562e+005", "-0", "20.001"),
]


def write_femto(path: Path, rows=ROWS, *, variant: str = "comma", newline: str = "\n") -> Path:
    """A FEMTO acc file: "comma" (as published here) or "semicolon" (';' cells, decimal commas)."""
    if variant == "comma":
        lines = [",".join(r) for r in rows]
    else:
        lines = [";".join(c.replace(".", ",") for c in r) for r in rows]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes((newline.join(lines) + newline).encode())
    return path


def reference(rows) -> np.ndarray:
    """The slow, obviously right parse: Python's float of each acceleration cell."""
    return np.array([[float(r[4]) for r in rows], [float(r[5]) for r in rows]], dtype=np.float32)


def reference_file(path: Path) -> np.ndarray:
    return reference([line.split(",") for line in path.read_text().splitlines() if line.strip()])


def random_rows(n: int, seed: int) -> list[tuple[str, ...]]:
    """Rows with accelerations in every notation a writer might use (0-3 decimals, signs, integers)."""
    rng = np.random.default_rng(seed)
    formats = ["{:.3f}", "{:.2f}", "{:.1f}", "{:.0f}", "{:+.3f}", "{:g}"]
    rows = []
    for i in range(n):
        h, v = rng.normal(0, 3, 2) * rng.choice([1, 10])
        rows.append(
            (
                "9",
                "39",
                "39",
                f"{65664 + 39 * i:.4e}",
                formats[i % 6].format(h),
                formats[(i * 7) % 6].format(v),
            )
        )
    return rows


# ---- read_femto_snapshot ----


@pytest.mark.parametrize("variant", ["comma", "semicolon"])
def test_femto_file_value_for_value(tmp_path, variant):
    x = read_femto_snapshot(write_femto(tmp_path / "acc_00001.csv", variant=variant))
    assert x.dtype == np.float32 and x.shape == (2, 4)
    np.testing.assert_array_equal(x, np.float32([[0.552, -12.25, 0.5, 0.0], [-0.146, 3.0, 0.125, 20.001]]))
    assert x[0, 0] == np.float32(0.552) and x[1, 3] == np.float32(20.001)


@pytest.mark.parametrize("variant", ["comma", "semicolon"])
def test_femto_random_files_match_the_slow_parse_bit_for_bit(tmp_path, variant):
    rows = random_rows(3000, seed=len(variant))
    p = write_femto(tmp_path / "acc_00001.csv", rows, variant=variant)
    normalised = (
        p.read_bytes().replace(b",", b".").replace(b";", b",") if variant != "comma" else p.read_bytes()
    )
    assert femto._parse_fast(normalised) is not None  # the vectorised parser is the one under test here
    x = read_femto_snapshot(p)
    ref = reference(rows)
    assert x.shape == ref.shape == (2, 3000)
    assert np.array_equal(x.view(np.uint32), ref.view(np.uint32))


def test_femto_semicolon_file_with_decimal_points(tmp_path):
    p = tmp_path / "acc_00001.csv"
    p.write_text("9;39;39;65664;0.552;-0.146\n9;39;39;1.1555e+005;1.5;2\n")
    np.testing.assert_array_equal(read_femto_snapshot(p), np.float32([[0.552, 1.5], [-0.146, 2.0]]))


def test_femto_crlf_bom_blank_end_and_exponent_accelerations(tmp_path):
    # an exponent in an acceleration cell takes the general parser: same values
    rows = [*ROWS, ("9", "39", "40", "1e+06", "1e-3", "-2.5E+01")]
    p = write_femto(tmp_path / "acc_00001.csv", rows, newline="\r\n")
    p.write_bytes(b"\xef\xbb\xbf" + p.read_bytes() + b"\r\n\r\n")
    x = read_femto_snapshot(p)
    np.testing.assert_array_equal(x, reference(rows))
    assert x[:, -1].tolist() == [np.float32(0.001), -25.0]


def test_femto_channel_choice(tmp_path):
    p = write_femto(tmp_path / "acc_00001.csv")
    both = reference(ROWS)
    for channel, row in [(0, 0), (1, 1), ("horizontal", 0), ("vertical", 1), ("1", 1), ("Vertical", 1)]:
        x = read_femto_snapshot(p, channel)
        assert x.shape == (1, 4)
        np.testing.assert_array_equal(x[0], both[row])
    for bad in [2, -1, "left", True, 0.5]:
        with pytest.raises(ConfigError, match="channel") as err:
            read_femto_snapshot(p, bad)
        assert err.value.key == "channel"


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (b"9,39,39,65664,0.552\n9,39,39,65703,0.501\n", "row 1 has 5 column"),
        (b"9,39,39,1,0.5,0.1\n9,39,39,2,0.5,0.1\n9,39,39,3,0.5,0.1,7\n", "row 3 has 7 column.*ragged"),
        (b"9,39,39,1,0.5,0.1\n9,39,39,2,abc,0.1\n", "row 2 column 5: 'abc' is not a number"),
        (b"9,39,39,1,0.5,0.1\n9,39,39,2,1.2.3,0.1\n", "row 2 column 5: '1.2.3' is not a number"),
        (b"9,39,x,1,0.5,0.1\n", "row 1 column 3: 'x' is not a number"),
        (b"9,39,39,1,0.5,,\n", "row 1 has 7 column"),
        (b"9,39,39,1,0.5,\n", "row 1 column 6: '' is not a number"),
        (b"9,39,39,1,0.5,1-2\n", "row 1 column 6: '1-2' is not a number"),
        (b"9,39,39,1,0.5,1_0\n", "row 1 column 6: '1_0' is not a number"),
        (b"9,39,nan,1,0.5,0.1\n", "row 1 column 3: 'nan' is NaN/inf"),
        (b"9,39,39,1,0.5,0.1\n9,39,39,1,nan,0.1\n", "1 NaN/inf value.*channel 0, sample 1"),
        (b"9,39,39,1,0.5,-inf\n", "1 NaN/inf value.*channel 1, sample 0"),
        (b"9,39,39,1,0.5,1e999\n", "NaN/inf value"),
        (b"9,39,39,1,0.5,1e39\n", "NaN/inf value"),  # beyond float32
        (b"", "no rows"),
        (b"\n \n", "no rows"),
        (b"\x00\x01\x02binary", "not a text file"),
        (b"\xff\xfe9,3\n", "not a text file"),
    ],
)
def test_femto_bad_files_name_the_file_and_the_problem(tmp_path, content, problem):
    p = tmp_path / "acc_00007.csv"
    p.write_bytes(content)
    with pytest.raises(DataError, match=problem) as err:
        read_femto_snapshot(p)
    assert str(err.value).startswith(str(p)) and "\n" not in str(err.value)


def test_femto_missing_file_and_folder(tmp_path):
    with pytest.raises(DataError, match="file not found") as err:
        read_femto_snapshot(tmp_path / "acc_00001.csv")
    assert str(err.value).startswith(str(tmp_path / "acc_00001.csv"))
    with pytest.raises(DataError, match="is a folder"):
        read_femto_snapshot(tmp_path)


# ---- load_femto / femto_bearings ----


def femto_tree(root: Path) -> Path:
    """Learning_set with Bearing1_1 (snapshots 1, 2, 10 and a temperature file), Bearing2_9, Bearing2_10."""
    bearing = root / "Learning_set" / "Bearing1_1"
    for n, value in [(10, "3.5"), (1, "1.5"), (2, "2.5")]:
        write_femto(bearing / f"acc_{n:05d}.csv", [("9", "39", "39", "1", value, f"-{value}")] * 3)
    (bearing / "temp_00001.csv").write_text("9,39,39,0,50.1\n")
    for name in ["Bearing2_10", "Bearing2_9"]:
        write_femto(root / "Learning_set" / name / "acc_00001.csv")
    return root


def test_femto_bearings_in_natural_order(tmp_path):
    femto_tree(tmp_path)
    assert femto_bearings(tmp_path) == ["Bearing1_1", "Bearing2_9", "Bearing2_10"]
    assert femto_bearings(tmp_path / "Learning_set") == ["Bearing1_1", "Bearing2_9", "Bearing2_10"]
    assert femto_bearings(tmp_path / "Learning_set" / "Bearing2_9") == ["Bearing2_9"]


def test_load_femto_bearing(tmp_path):
    femto_tree(tmp_path)
    seq = load_femto(tmp_path, bearing="Bearing1_1")
    assert seq.name == "Bearing1_1" and len(seq) == 3
    assert [s.number for s in seq.snapshots] == [1, 2, 10]
    assert [s.time_s for s in seq.snapshots] == [0.0, 10.0, 90.0]
    assert [s.index for s in seq.snapshots] == [0, 1, 2]
    folder = tmp_path / "Learning_set" / "Bearing1_1"
    assert seq.snapshots[2].source == str(folder / "acc_00010.csv")
    assert seq.sample_rate == FEMTO_RATE == 25600.0 and seq.condition == "1800rpm_4000N"
    assert seq.channel_names == FEMTO_CHANNELS == ("horizontal", "vertical")
    assert seq.meta == {
        "interval_s": FEMTO_INTERVAL_S,
        "end_of_life": True,
        "dataset": "femto",
        "group": "Bearing1_1",
        "rpm": 1800,
        "load_n": 4000,
        "gaps": 7,
        "set": "Learning_set",
        "units": ["g", "g"],
        "expected_snapshots": 10,
        "missing_numbers": [3, 4, 5, 6, 7, 8, 9],
        "skipped_entries": [],
    }
    np.testing.assert_array_equal(seq.snapshots[2].read(), [[3.5] * 3, [-3.5] * 3])
    # the reader pickles (worker processes score snapshots)
    np.testing.assert_array_equal(
        pickle.loads(pickle.dumps(seq.snapshots[0].read))(), [[1.5] * 3, [-1.5] * 3]
    )


def test_load_femto_channel_condition_and_shorthand(tmp_path):
    femto_tree(tmp_path)
    seq = load_femto(tmp_path, bearing="2_10", channel="vertical")
    assert seq.name == "Bearing2_10" and seq.condition == "1650rpm_4200N"
    assert (seq.meta["rpm"], seq.meta["load_n"]) == FEMTO_CONDITIONS[2] == (1650, 4200)
    assert seq.channel_names == ("vertical",)
    np.testing.assert_array_equal(seq.snapshots[0].read(), reference(ROWS)[[1]])
    # a bearing folder itself, and a condition the data set does not define
    write_femto(tmp_path / "Bearing9_1" / "acc_00003.csv")
    seq = load_femto(tmp_path / "Bearing9_1")
    assert seq.name == "Bearing9_1" and seq.condition is None and seq.meta["rpm"] is None
    assert seq.snapshots[0].time_s == 20.0 and seq.meta["gaps"] == 0


def test_load_femto_bearing_choice_errors(tmp_path):
    femto_tree(tmp_path)
    with pytest.raises(ConfigError, match=r"3 bearings.*Bearing1_1, Bearing2_9, Bearing2_10") as err:
        load_femto(tmp_path)
    assert err.value.key == "bearing"
    with pytest.raises(ConfigError, match=r"unknown FEMTO bearing 'Bearing3_1'.*Bearing1_1") as err:
        load_femto(tmp_path, bearing="Bearing3_1")
    assert err.value.key == "bearing"
    with pytest.raises(ConfigError) as err:
        load_femto(tmp_path, bearing="Bearing1_1", channel=3)
    assert err.value.key == "channel"


def test_load_femto_bad_folders(tmp_path):
    (tmp_path / "Bearing1_1").mkdir()
    write_femto(tmp_path / "Bearing1_2" / "acc_00001.csv")
    write_femto(tmp_path / "Bearing1_2" / "acc_1.csv")
    write_femto(tmp_path / "Bearing1_3" / "acc_x.csv")
    with pytest.raises(DataError, match="no FEMTO snapshot files") as err:
        load_femto(tmp_path, bearing="Bearing1_1")
    assert str(tmp_path / "Bearing1_1") in str(err.value)
    with pytest.raises(DataError, match=r"two files for snapshot 1: acc_00001.csv and acc_1.csv"):
        load_femto(tmp_path, bearing="Bearing1_2")
    with pytest.raises(DataError, match="no number") as err:
        load_femto(tmp_path, bearing="Bearing1_3")
    assert str(err.value).startswith(str(tmp_path / "Bearing1_3" / "acc_x.csv"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(DataError, match="no FEMTO bearing folders"):
        load_femto(tmp_path / "empty")
    with pytest.raises(DataError, match="femto folder not found"):
        load_femto(tmp_path / "missing")


def test_femto_default_root_from_environment(tmp_path, monkeypatch):
    femto_tree(tmp_path / "femto")
    monkeypatch.setenv("DEEPSHRINK_DATA", str(tmp_path))
    assert femto_bearings() == ["Bearing1_1", "Bearing2_9", "Bearing2_10"]
    monkeypatch.setenv("DEEPSHRINK_DATA", str(tmp_path / "nothing"))
    monkeypatch.setenv("DEEPSHRINK_CACHE", str(tmp_path / "cache"))
    with pytest.raises(DataError, match="no femto data found"):
        load_femto(bearing="Bearing1_1")


# ---- generic folders and manifests ----


def test_natural_key_and_snapshot_number():
    names = ["snap_10.npy", "snap_2.npy", "Snap_1.npy", "snap_02b.npy"]
    assert sorted(names, key=natural_key) == ["Snap_1.npy", "snap_2.npy", "snap_02b.npy", "snap_10.npy"]
    assert snapshot_number("run3/bearing2_snap_0012.npy") == 12
    assert snapshot_number(Path("acc_02803.csv")) == 2803
    assert snapshot_number("baseline.npy") is None


def npy_folder(folder: Path, numbers=(10, 2, 1)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for n in numbers:
        np.save(folder / f"snap_{n}.npy", np.full((2, 8), float(n), np.float32))
    return folder


def test_snapshot_folder_natural_order_and_times(tmp_path):
    folder = npy_folder(tmp_path / "machine")
    seq = load_snapshot_folder(folder, interval_s=5)
    assert seq.name == "machine" and seq.sample_rate is None
    assert [Path(s.source).name for s in seq.snapshots] == ["snap_1.npy", "snap_2.npy", "snap_10.npy"]
    assert [s.number for s in seq.snapshots] == [1, 2, 10]
    assert [s.time_s for s in seq.snapshots] == [0.0, 5.0, 45.0]
    assert seq.meta["interval_s"] == 5.0 and seq.meta["gaps"] == 7
    np.testing.assert_array_equal(seq.snapshots[2].read(), np.full((2, 8), 10.0))
    seq = load_snapshot_folder(folder, channel=1, sample_rate=1000)
    assert [s.time_s for s in seq.snapshots] == [None] * 3 and seq.sample_rate == 1000.0
    assert seq.snapshots[0].read().shape == (1, 8)
    with pytest.raises(ConfigError) as err:
        load_snapshot_folder(folder, interval_s=-1)
    assert err.value.key == "interval_s"


def test_snapshot_folder_rates(tmp_path):
    for n, fs in [(1, 1000.0), (2, 1000.0), (3, 2000.0)]:
        np.savez(tmp_path / f"s{n}.npz", x=np.ones(16, np.float32), fs=fs)
    seq = load_snapshot_folder(tmp_path)
    assert seq.sample_rate == 1000.0
    assert seq.snapshots[1].read().shape == (1, 16)
    with pytest.raises(DataError, match=r"2000 Hz differs.*1000 Hz") as err:
        seq.snapshots[2].read()
    assert str(err.value).startswith(str(tmp_path / "s3.npz"))


def test_snapshot_folder_errors(tmp_path):
    folder = npy_folder(tmp_path / "a", numbers=(1, 2))
    np.save(folder / "baseline.npy", np.zeros(4))
    with pytest.raises(DataError, match="no snapshot number in its name; name files like snap_0001") as err:
        load_snapshot_folder(folder)
    assert str(err.value).startswith(str(folder / "baseline.npy"))
    folder = npy_folder(tmp_path / "b", numbers=(1, 2))
    np.save(folder / "snap_01.npy", np.zeros(4))
    with pytest.raises(DataError, match=r"number 1 appears twice: snap_01.npy and snap_1.npy"):
        load_snapshot_folder(folder)
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / "notes_1.txt").write_text("x")
    with pytest.raises(DataError, match="no snapshot files") as err:
        load_snapshot_folder(tmp_path / "c")
    assert str(err.value).startswith(str(tmp_path / "c"))
    with pytest.raises(DataError, match="folder not found"):
        load_snapshot_folder(tmp_path / "missing")


def test_snapshot_folder_of_femto_files_is_femto(tmp_path):
    write_femto(tmp_path / "Bearing3_2" / "acc_00005.csv")
    seq = load_snapshot_folder(tmp_path / "Bearing3_2", channel="horizontal")
    assert seq.meta["dataset"] == "femto" and seq.condition == "1500rpm_5000N"
    assert seq.snapshots[0].time_s == 40.0 and seq.channel_names == ("horizontal",)
    with pytest.raises(ConfigError) as err:
        load_snapshot_folder(tmp_path / "Bearing3_2", sample_rate=1000)
    assert err.value.key == "sample_rate"


def manifest(tmp_path: Path, body: str) -> Path:
    npy_folder(tmp_path / "files", numbers=(1, 2, 3))
    p = tmp_path / "life.csv"
    p.write_text(body)
    return p


def test_manifest_sorted_by_time(tmp_path):
    absolute = tmp_path / "files" / "snap_3.npy"
    p = manifest(
        tmp_path, f"path,time,number\nfiles/snap_1.npy,20,7\nfiles/snap_2.npy,5,\n{absolute},12.5,9\n"
    )
    seq = load_snapshot_manifest(p, channel=0)
    assert seq.name == "life" and seq.sample_rate is None and seq.meta["dataset"] == "manifest"
    assert [Path(s.source).name for s in seq.snapshots] == ["snap_2.npy", "snap_3.npy", "snap_1.npy"]
    assert [s.time_s for s in seq.snapshots] == [0.0, 7.5, 15.0]
    assert [s.number for s in seq.snapshots] == [None, 9, 7]
    np.testing.assert_array_equal(seq.snapshots[1].read(), np.full((1, 8), 3.0))


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ("file,time\nfiles/snap_1.npy,0\n", "needs columns path and time; missing \\['path'\\]"),
        ("path,time\nfiles/snap_1.npy,3\nfiles/snap_2.npy,3\n", "lines 2 and 3 have the same time 3 s"),
        ("path,time\nfiles/snap_1.npy,0\nfiles/snap_2.npy,\n", "line 3: time is missing"),
        ("path,time\nfiles/snap_1.npy,soon\n", "line 2: time 'soon' is not a number"),
        ("path,time\nfiles/snap_1.npy,nan\n", "line 2: time 'nan' is not finite"),
        ("path,time\nfiles/snap_9.npy,0\n", "line 2: file .*snap_9.npy not found"),
        ("path,time,number\nfiles/snap_1.npy,0,x1\n", "line 2: number 'x1' is not a whole number"),
        ("path,time\n", "lists no snapshot files"),
    ],
)
def test_manifest_errors(tmp_path, body, problem):
    p = manifest(tmp_path, body)
    with pytest.raises(DataError, match=problem) as err:
        load_snapshot_manifest(p)
    assert str(err.value).startswith(str(p))


# ---- load_sequence ----


def test_load_sequence_sources(tmp_path):
    femto_tree(tmp_path / "femto")
    seq = load_sequence(f"femto:{tmp_path / 'femto'}", bearing="Bearing1_1", channel=0, sample_rate=25600)
    assert seq.name == "Bearing1_1" and len(seq) == 3 and seq.channel_names == ("horizontal",)
    assert load_sequence(str(tmp_path / "femto"), bearing="Bearing2_9").name == "Bearing2_9"
    folder = npy_folder(tmp_path / "m")
    seq = load_sequence(folder, interval_s=2)
    assert [s.time_s for s in seq.snapshots] == [0.0, 2.0, 18.0]
    p = tmp_path / "m.csv"
    p.write_text("path,time\nm/snap_1.npy,1\nm/snap_2.npy,4\n")
    assert [s.time_s for s in load_sequence(str(p)).snapshots] == [0.0, 3.0]


@pytest.mark.parametrize(
    ("spec", "options", "key"),
    [
        ("femto:{femto}", {"variable": "x"}, "variable"),
        ("femto:{femto}", {"bearing": "Bearing1_1", "n_snapshots": 5}, "n_snapshots"),
        ("femto:{femto}", {"bearing": "Bearing1_1", "interval_s": 1}, "interval_s"),
        ("femto:{femto}", {"bearing": "Bearing1_1", "sample_rate": 1000}, "sample_rate"),
        ("{folder}", {"bearing": "Bearing1_1"}, "bearing"),
        ("{folder}", {"onset": 3}, "onset"),
        ("{manifest}", {"interval_s": 10}, "interval_s"),
        ("{folder}/snap_1.npy", {}, "data"),
        ("{folder}/nothing_here", {}, "data"),
        ("cwru", {}, "data"),
        ("simulator", {"bearing": "Bearing1_1"}, "bearing"),  # refused before anything is simulated
    ],
)
def test_load_sequence_refuses_options_the_source_does_not_use(tmp_path, spec, options, key):
    femto_tree(tmp_path / "femto")
    folder = npy_folder(tmp_path / "m")
    (tmp_path / "m.csv").write_text("path,time\nm/snap_1.npy,1\n")
    spec = spec.format(femto=tmp_path / "femto", folder=folder, manifest=tmp_path / "m.csv")
    with pytest.raises(ConfigError) as err:
        load_sequence(spec, **options)
    assert err.value.key == key
    if key == "data":
        assert "'simulator', 'femto' or 'femto:PATH', a folder" in str(err.value)
    else:
        assert key in str(err.value)


# ---- the real data ----


@pytest.mark.data
def test_real_femto_bearings():
    if not REAL_FEMTO.is_dir():
        pytest.skip(
            f"real FEMTO data not found at {REAL_FEMTO} (set DEEPSHRINK_DATA to the folder holding femto/)"
        )
    assert femto_bearings(REAL_FEMTO) == [f"Bearing{c}_{b}" for c in (1, 2, 3) for b in (1, 2)]
    seq = load_femto(REAL_FEMTO, bearing="Bearing1_1")
    numbers = [s.number for s in seq.snapshots]
    # snapshots 1-30, every 5th of the first 2 hours (to 720), every 50th after, and the last 120
    assert len(seq) == 327 and numbers[0] == 1 and numbers[-1] == 2803 and numbers == sorted(set(numbers))
    assert numbers[:34] == [*range(1, 31), 35, 40, 45, 50] and numbers[-120:] == list(range(2684, 2804))
    assert seq.snapshots[-1].time_s == 28020.0 and seq.meta["gaps"] == 2803 - 327
    first = seq.snapshots[0].read()
    assert first.shape == (2, 2560) and first.dtype == np.float32
    assert first[:, 0].tolist() == [np.float32(0.552), np.float32(-0.146)]
    seq = load_sequence(f"femto:{REAL_FEMTO}", bearing="Bearing3_2")
    assert len(seq) == 304 and seq.condition == "1500rpm_5000N"
    for s in seq.snapshots:
        x = s.read()
        assert x.shape == (2, 2560) and np.isfinite(x).all(), s.source
    for s in seq.snapshots[::45] + seq.snapshots[-1:]:
        assert np.array_equal(s.read().view(np.uint32), reference_file(Path(s.source)).view(np.uint32))
