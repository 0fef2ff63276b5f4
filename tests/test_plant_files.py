"""Plant exports in the file readers: CSV columns (time axis, names, units, clocks), FEMTO's archive layout,
gaps and skipped entries of snapshot folders, run-directory advice, and time stamps in file names."""

from __future__ import annotations

import os
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pytest

from deepshrink.data.readers.io import read_signal, read_signal_file
from deepshrink.data.readers.manifest import load_manifest
from deepshrink.data.readers.names import TIMESTAMP_FORMATS, timestamp_of
from deepshrink.data.readers.sequence import load_sequence, load_snapshot_folder
from deepshrink.data.sets.femto import femto_bearings, load_femto_sequence, read_femto_snapshot
from deepshrink.engine.core.artifacts import MONITOR_ADVICE, check_run_dir, prepare_run_dir
from deepshrink.errors import ConfigError, DataError, DataWarning

RNG = np.random.default_rng(7)
REAL_FEMTO = Path(os.environ.get("DEEPSHRINK_DATA", Path(__file__).resolve().parents[2] / "shared" / "data"))
REAL_FEMTO = REAL_FEMTO / "femto" / "Learning_set" / "Bearing1_1"


def one_line(err: pytest.ExceptionInfo, path: Path | str) -> str:
    """The error's message, checked to be one line that names `path` and never says None."""
    msg = str(err.value)
    assert "\n" not in msg and str(path) in msg and "None" not in msg, msg
    return msg


def plant_csv(path: Path, header: str, n: int = 64, rate: float = 1000.0, *, digits: int = 6) -> Path:
    """time_s plus two vibration columns (decimals, never monotonic), the time printed with `digits`."""
    t = np.arange(n) / rate
    h, v = RNG.standard_normal(n).round(4), RNG.standard_normal(n).round(4)
    rows = [f"{a:.{digits}f},{b},{c}" for a, b, c in zip(t, h, v, strict=True)]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(header + "\n" + "\n".join(rows) + "\n")
    return path


def femto_rows(n: int = 64, second: int = 39) -> list[str]:
    """FEMTO acc rows: hour, minute, second, microsecond (a clock), then two accelerations in g."""
    us = np.sort(RNG.integers(0, 999_999, n))
    acc = RNG.standard_normal((n, 2)).round(3)
    return [f"9,39,{second},{u:.4e},{a},{b}" for u, (a, b) in zip(us, acc, strict=True)]


# ---- 1. CSV columns ----


def test_csv_time_column_is_the_axis_and_names_are_kept(tmp_path):
    p = plant_csv(tmp_path / "a.csv", "time_s,acc_h_g,acc_v_g", rate=25600.0, digits=9)
    info = read_signal(p)
    assert info.signal.shape == (2, 64) and info.sample_rate == 25600.0
    assert info.channel_names == ("acc_h_g", "acc_v_g") and info.units == ("g", "g")
    x, rate = read_signal_file(p)  # the old two-value API: the time column is not a channel either
    assert x.shape == (2, 64) and rate == 25600.0
    ms = tmp_path / "ms.csv"
    ms.write_text("Time [ms],acc\n0,1.5\n0.5,-2.5\n1,0.25\n")
    assert read_signal(ms).sample_rate == 2000.0
    back = tmp_path / "back.csv"
    back.write_text("time,acc\n0.0,1\n0.1,2\n0.05,3\n")
    with pytest.raises(DataError, match=r"time column 'time' goes backwards at data row 3") as err:
        read_signal_file(back)
    one_line(err, back)


def test_csv_sequence_takes_rate_names_and_units_from_the_first_file(tmp_path):
    for n in (1, 2, 3):  # printed with 6 decimals: each file's measured rate is a little off 25600
        plant_csv(tmp_path / "m" / f"snap_{n}.csv", "time_s,acc_h[g],acc (m/s^2)", rate=25600.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)
        seq = load_snapshot_folder(tmp_path / "m")
        assert seq.sample_rate == 25600.0 and seq.channel_names == ("acc_h[g]", "acc (m/s^2)")
        assert seq.meta["units"] == ["g", "m/s^2"]
        assert all(s.read().shape == (2, 64) for s in seq.snapshots)
    vel = plant_csv(tmp_path / "v" / "snap_1.csv", "time_s,vel_mm_s,acc_v")
    assert read_signal(vel).units == ("mm/s", None)
    (tmp_path / "v" / "m.csv").write_text("path,label,sample_rate\nsnap_1.csv,normal,1000\n")
    rec = load_manifest(tmp_path / "v" / "m.csv")[0]  # labelled recordings carry them too
    assert rec.meta["channel_names"] == ["vel_mm_s", "acc_v"] and rec.meta["units"] == ["mm/s", None]


@pytest.mark.parametrize("channel", ["acc_h_g,acc_v_g", "1,2", ["acc_h_g", 2], [1, "acc_v_g"], "ACC_H_G, 2"])
def test_csv_several_channels_by_name_or_index(tmp_path, channel):
    p = plant_csv(tmp_path / "a.csv", "time_s,acc_h_g,acc_v_g")
    full = np.loadtxt(p, delimiter=",", skiprows=1, dtype=np.float64).T[1:].astype(np.float32)
    info = read_signal(p, channel=channel)
    np.testing.assert_array_equal(info.signal, full)
    assert info.channel_names == ("acc_h_g", "acc_v_g")
    np.testing.assert_array_equal(read_signal(p, channel="2,1").signal, full[::-1])


def test_csv_channel_mistakes_are_one_line(tmp_path):
    p = plant_csv(tmp_path / "a.csv", "time_s,acc_h_g,acc_v_g")
    with pytest.raises(DataError, match=r"no column 'acc_x' \(columns: time_s, acc_h_g, acc_v_g\)") as err:
        read_signal_file(p, channel="acc_h_g,acc_x")
    one_line(err, p)
    for bad, problem in [
        ("1,1", "twice"),
        ("1,,2", "holds ''"),
        ([], "picks no column"),
        ("7", "out of range"),
    ]:
        with pytest.raises(DataError, match=problem) as err:
            read_signal_file(p, channel=bad)
        one_line(err, p)
    npy = tmp_path / "x.npy"
    np.save(npy, np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(read_signal_file(npy, channel="2,0")[0], [[8, 9, 10, 11], [0, 1, 2, 3]])


def test_femto_files_in_a_plain_folder_warn_of_the_clock_and_read_like_femto(tmp_path):
    femto = tmp_path / "femto" / "Bearing1_1"
    plain = tmp_path / "plain"
    femto.mkdir(parents=True)
    plain.mkdir()
    for n in (1, 2):
        text = "\n".join(femto_rows(second=38 + n)) + "\n"
        (femto / f"acc_{n:05d}.csv").write_text(text)
        (plain / f"snap_{n:05d}.csv").write_text(text)
    with pytest.warns(DataWarning, match=r"columns 0 \(constant\), 1 \(constant\), 2 .*, 3 .* clock") as rec:
        seq = load_snapshot_folder(plain)
    assert len(rec) == 1 and str(plain / "snap_00001.csv") in str(rec[0].message)
    assert 'channel="4,5"' in str(rec[0].message) and issubclass(DataWarning, UserWarning)
    assert seq.snapshots[0].read().shape == (6, 64)  # read as asked, but not silently
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataWarning)  # picked columns: nothing to warn about
        seq = load_snapshot_folder(plain, channel="4,5")
        ref = load_femto_sequence(femto)
        for mine, theirs in zip(seq.snapshots, ref.snapshots, strict=True):
            np.testing.assert_array_equal(mine.read(), theirs.read())


def test_semicolon_decimal_comma_variant_reads_like_femto(tmp_path):
    rows = [r.split(",") for r in femto_rows(16)]
    semi = tmp_path / "snap_1.csv"
    semi.write_text("\n".join(";".join(c.replace(".", ",") for c in r) for r in rows) + "\n")
    np.testing.assert_array_equal(read_signal_file(semi, channel=[4, 5])[0], read_femto_snapshot(semi))


@pytest.mark.data
def test_real_femto_file_renamed_reads_like_femto(tmp_path):
    real = REAL_FEMTO / "acc_00001.csv"
    if not real.is_file():
        pytest.skip(f"real FEMTO data not found at {real}")
    copy = tmp_path / "snap_1.csv"
    copy.write_bytes(real.read_bytes())
    hint = r"columns 0 .*, 1 .*, 2 .*, 3 .*--channels \(Python: channel=\) "
    hint += r'\(here --channels 4,5, or channel="4,5"\)'
    with pytest.warns(DataWarning, match=hint):
        assert read_signal_file(copy)[0].shape == (6, 2560)
    np.testing.assert_array_equal(read_signal_file(copy, channel="4,5")[0], read_femto_snapshot(real))


# ---- 2. FEMTO archive layout ----


def femto_archive(root: Path) -> Path:
    """Learning_set/Bearing1_1, Test_set/Bearing1_3 (cut short), Full_Test_Set/Bearing1_3 and Bearing1_7."""
    for where, numbers in [
        ("Learning_set/Bearing1_1", (1, 2)),
        ("Test_set/Bearing1_3", (1,)),
        ("Full_Test_Set/Bearing1_3", (1, 2, 3)),
        ("Full_Test_Set/Bearing1_7", (1, 2)),
    ]:
        for n in numbers:
            (root / where).mkdir(parents=True, exist_ok=True)
            (root / where / f"acc_{n:05d}.csv").write_text("\n".join(femto_rows(4)) + "\n")
    return root


def test_femto_bearings_are_found_in_every_set(tmp_path):
    root = femto_archive(tmp_path)
    seq = load_femto_sequence(root, bearing="Bearing1_7")
    assert seq.name == "Bearing1_7" and len(seq) == 2 and seq.meta["set"] == "Full_Test_Set"
    assert load_femto_sequence(root, bearing="bearing1_1").meta["set"] == "Learning_set"
    full = load_femto_sequence(root, bearing="Full_Test_Set/Bearing1_3")
    assert len(full) == 3 and full.meta["set"] == "Full_Test_Set"
    assert len(load_femto_sequence(root, bearing="test_set/bearing1_3")) == 1
    assert len(load_sequence(f"femto:{root}", bearing="Full_Test_Set/Bearing1_3")) == 3
    assert femto_bearings(root) == [
        "Bearing1_1",
        "Test_set/Bearing1_3",
        "Full_Test_Set/Bearing1_3",
        "Bearing1_7",
    ]


def test_femto_bearing_choice_errors_name_the_sets(tmp_path):
    root = femto_archive(tmp_path)
    with pytest.raises(ConfigError) as err:
        load_femto_sequence(root, bearing="Bearing1_3")
    msg = one_line(err, root)
    assert "in both Test_set and Full_Test_Set" in msg and "--bearing Full_Test_Set/Bearing1_3" in msg
    assert err.value.key == "bearing"
    with pytest.raises(ConfigError, match=r"4 bearings .*choose one with --bearing") as err:
        load_femto_sequence(root)
    one_line(err, root)
    with pytest.raises(ConfigError, match="unknown FEMTO bearing 'Bearing2_1'") as err:
        load_femto_sequence(root, bearing="Bearing2_1")
    msg = one_line(err, root)
    assert "Learning_set: Bearing1_1; Test_set: Bearing1_3; Full_Test_Set: Bearing1_3, Bearing1_7" in msg


# ---- 3. gaps and skipped entries ----


def test_snapshot_folder_meta_says_what_was_expected_and_found(tmp_path):
    folder = tmp_path / "m"
    folder.mkdir()
    for n in (1, 2, 6):
        np.save(folder / f"snap_{n}.npy", np.full((1, 8), float(n), np.float32))
    (folder / "snap_3.npy").symlink_to(tmp_path / "gone.npy")  # broken link
    (folder / "snap_4.npy").mkdir()  # a folder named like a snapshot
    with pytest.warns(DataWarning, match=r"skipped 2 entries .*snap_3.npy \(broken symbolic link"):
        seq = load_snapshot_folder(folder)
    assert len(seq) == 3 and seq.meta["expected_snapshots"] == 6 and seq.meta["gaps"] == 3
    assert seq.meta["missing_numbers"] == [3, 4, 5]
    assert seq.meta["skipped_entries"] == [
        {"name": "snap_3.npy", "reason": "broken symbolic link (its target is missing)"},
        {"name": "snap_4.npy", "reason": "a folder, not a file"},
    ]
    sparse = tmp_path / "sparse"
    sparse.mkdir()
    for n in (1, 500):
        np.save(sparse / f"snap_{n}.npy", np.zeros((1, 8), np.float32))
    seq = load_snapshot_folder(sparse)
    assert seq.meta["gaps"] == 498 and seq.meta["missing_numbers"] == list(range(2, 52))
    assert seq.meta["skipped_entries"] == []


def test_femto_meta_says_what_was_expected_and_found(tmp_path):
    bearing = femto_archive(tmp_path) / "Full_Test_Set" / "Bearing1_3"
    (bearing / "acc_00003.csv").unlink()
    (bearing / "acc_00005.csv").write_text("\n".join(femto_rows(4)) + "\n")
    (bearing / "acc_00003.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.warns(DataWarning, match="skipped 1 entry named like snapshot files"):
        seq = load_femto_sequence(tmp_path, bearing="Full_Test_Set/Bearing1_3")
    assert [s.number for s in seq.snapshots] == [1, 2, 5]
    assert seq.meta["expected_snapshots"] == 5 and seq.meta["missing_numbers"] == [3, 4]
    assert seq.meta["skipped_entries"] == [
        {"name": "acc_00003.csv", "reason": "broken symbolic link (its target is missing)"}
    ]


# ---- 4. advice for an existing run directory ----


def test_existing_run_advice_depends_on_the_command(tmp_path):
    run = prepare_run_dir(tmp_path / "r")
    (run / "config.yaml").write_text("x: 1\n")
    with pytest.raises(ConfigError, match=r"resume it \(--resume\), replace it \(--overwrite\)"):
        check_run_dir(run)
    with pytest.raises(ConfigError) as err:
        prepare_run_dir(run, advice=MONITOR_ADVICE)
    msg = one_line(err, run)
    assert "--resume" not in msg and "stream new files into it (--run DIR FILES)" in msg
    assert "choose another --out" in msg and err.value.key == "out"


# ---- 5. time stamps in file names ----


def utc(*fields: int) -> float:
    return datetime(*fields, tzinfo=timezone.utc).timestamp()


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2004.02.12.10.32.39", utc(2004, 2, 12, 10, 32, 39)),
        ("2004.02.12.10.32.39.csv", utc(2004, 2, 12, 10, 32, 39)),
        ("pump3_20240101T120000.npy", utc(2024, 1, 1, 12)),
        ("20240101_120005.wav", utc(2024, 1, 1, 12, 0, 5)),
        ("2024-01-01T12:00:00.npy", utc(2024, 1, 1, 12)),
        ("snap 2024-01-01 12-00-30.csv", utc(2024, 1, 1, 12, 0, 30)),
        ("2024-01-01_12-00-30.5.npy", utc(2024, 1, 1, 12, 0, 30) + 0.5),
        ("snap_0012.npy", None),
        ("20241301_120000.npy", None),  # month 13
    ],
)
def test_timestamp_of(name, expected):
    assert timestamp_of(Path("/data") / name) == expected
    assert isinstance(TIMESTAMP_FORMATS, tuple) and len(TIMESTAMP_FORMATS) >= 3


def test_snapshot_folder_times_from_names(tmp_path):
    folder = tmp_path / "ims"
    folder.mkdir()
    for stamp in ("2004.02.12.10.32.39", "2004.02.12.10.42.39", "2004.02.12.11.02.39"):
        np.save(folder / f"{stamp}.npy", np.zeros((1, 8), np.float32))
    seq = load_snapshot_folder(folder, time_from="name")
    assert [s.time_s for s in seq.snapshots] == [0.0, 600.0, 1800.0]
    assert [s.number for s in seq.snapshots] == [None] * 3
    assert seq.meta["start_time"] == "2004-02-12T10:32:39Z" and seq.meta["time_from"] == "name"
    assert [s.time_s for s in load_sequence(folder, time_from="name").snapshots] == [0.0, 600.0, 1800.0]
    with pytest.raises(DataError, match=r"number 39 appears twice.*give time_from='name'"):
        load_snapshot_folder(folder)  # numbers, as before: the last digits of these names repeat
    with pytest.raises(ConfigError) as err:
        load_snapshot_folder(folder, time_from="clock")
    assert err.value.key == "time_from"


@pytest.mark.parametrize(
    ("names", "problem"),
    [
        (["20240101_120000.npy", "notes_1.npy"], "notes_1.npy: no time stamp in its name; expected one of"),
        (["a_20240101_120000.npy", "b_20240101T120000.npy"], "b_20240101T120000.npy has the same time as"),
        (["a_20240101_120000.npy", "b_20240101_115959.npy"], "has an earlier time .* than a_2024"),
    ],
)
def test_snapshot_folder_time_from_name_errors(tmp_path, names, problem):
    for n in names:
        np.save(tmp_path / n, np.zeros((1, 8), np.float32))
    with pytest.raises(DataError, match=problem) as err:
        load_snapshot_folder(tmp_path, time_from="name")
    msg = one_line(err, tmp_path)
    if "expected one of" in msg:
        assert "2004.02.12.10.32.39" in msg
    else:
        assert names[0] in msg and names[1] in msg
