"""A plant's own export through `deepshrink monitor` (issue 35): a DAQ CSV folder with a time column and named
channels, a gap in the numbering, a damaged file in the monitored part, a stray README, alarms named by file.
One run serves the module (the reader-level cases are in tests/test_plant_files.py)."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import numpy as np
import pytest

from deepshrink.cli.main import main

RATE = 10240.0
FAST = ["--epochs", "1", "--window", "512", "-q"]  # a one-epoch DAE: what is tested here is the reading


def healthy(n: int) -> list[str]:
    """No skip and a reference of the first `n` snapshots, and the fast DAE."""
    return ["--skip", "0", "--healthy", str(n), *FAST]


N = 60  # numbered 1..61 with 31 missing


def _write(path, x: np.ndarray) -> None:
    t = np.arange(x.shape[1]) / RATE
    lines = ["time_s,acc_h_g,acc_v_g"] + [
        f"{t[i]:.8f},{x[0, i]:.6f},{x[1, i]:.6f}" for i in range(x.shape[1])
    ]
    path.write_text("\n".join(lines) + "\n")


@pytest.fixture(scope="module")
def plant(tmp_path_factory):
    root = tmp_path_factory.mktemp("plant")
    folder = root / "pump"
    folder.mkdir()
    rng = np.random.default_rng(7)
    numbers = [n for n in range(1, N + 2) if n != 31]
    for k, n in enumerate(numbers):
        x = 0.05 * rng.standard_normal((2, 1024))
        if k >= 50:  # the last 10 snapshots: a growing fault, impulsive and louder
            x *= 1 + 0.6 * (k - 49)
            x[:, ::97] += 2.0 * (k - 49) * 0.05
        _write(folder / f"pump_{n:04d}.csv", x)
    (folder / "pump_0045.csv").write_text("time_s,acc_h_g,acc_v_g\n0.0,0.1,0.2\n0.0001,0.1\n")  # damaged
    (folder / "README.txt").write_text("exported by the plant historian\n")
    run = root / "run"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        code = main(
            ["monitor", "--data", str(folder), "--channels", "acc_h_g,acc_v_g", "--interval-s", "600",
             *healthy(20), "--out", str(run)]
        )  # fmt: skip
    return folder, run, code, [str(w.message) for w in caught]


def test_named_channels_are_read_and_the_time_column_is_not_a_channel(plant):
    _, run, code, caught = plant
    assert code == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["sequence"]["channel_names"] == ["acc_h_g", "acc_v_g"]
    assert summary["sequence"]["sample_rate"] == pytest.approx(RATE, rel=1e-6)
    assert 0.01 < summary["reference_rms"] < 0.2  # the 0.05 g vibration, not a clock in seconds
    assert not [m for m in caught if "clock" in m]


def test_the_gap_and_the_damaged_file_are_accounted_and_the_run_goes_on(plant):
    _, run, code, _ = plant
    assert code == 0
    account = json.loads((run / "summary.json").read_text())["account"]
    assert account["expected"] == N + 1 and account["missing_numbers"] == [31]
    assert account["scored"] == N - 1
    damaged = [u for u in account["unreadable"] if u["file"].endswith("pump_0045.csv")]
    assert len(damaged) == 1 and damaged[0]["status"].startswith("unreadable:")
    assert "README.txt" not in (run / "scores.csv").read_text()


def test_alarms_name_the_file_of_the_first_and_the_confirming_exceedance(plant, capsys):
    folder, run, _, _ = plant
    summary = json.loads((run / "summary.json").read_text())
    first = summary["machine"]["first_alert"]
    assert first is not None and summary["machine"]["state"] != "normal"
    assert first["first_exceedance"]["file"].startswith(str(folder / "pump_00"))
    assert first["first_exceedance"]["index"] <= first["confirmed"]["index"]
    for name in ("rms", "kurtosis"):
        item = summary["indicators"][name]
        assert item["first_alarm_file"] and item["first_exceedance_file"], name
        assert item["first_exceedance_index"] <= item["first_alarm_index"], name
        assert item["first_exceedance_time_s"] == 600.0 * (item["first_exceedance_number"] - 1), name
    # the table names both files (persistence 3: the run starts two snapshots before the alarm at least)
    rms = summary["indicators"]["rms"]
    capsys.readouterr()
    assert main(["monitor", "--run", str(run), str(folder)]) == 0  # nothing new: every file already scored
    out = capsys.readouterr().out
    start, alarm = (Path(rms[f"{k}_file"]).name for k in ("first_exceedance", "first_alarm"))
    assert f"{alarm} #{rms['first_alarm_index']}" in out and f"from {start} #" in out


def test_a_channel_name_that_does_not_exist_lists_the_columns(plant, tmp_path, capsys):
    folder, _, _, _ = plant
    code = main(["monitor", "--data", str(folder), "--channels", "acc_x", "--interval-s", "600", "-q",
                 "--out", str(tmp_path / "r")])  # fmt: skip
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "acc_x" in err and "acc_h_g" in err and "acc_v_g" in err


def _stamped(folder, start: int, stop: int, rng) -> None:
    for k in range(start, stop):
        hh, mm = divmod(10 * k, 60)  # one snapshot every 10 minutes from 2024-01-01 00:00
        x = (0.05 * (1 + max(0, k - 40) * 0.5) * rng.standard_normal((1, 1024))).astype(np.float32)
        np.save(folder / f"pump_20240101T{hh:02d}{mm:02d}00.npy", x)


def test_times_from_the_file_names_carry_over_streaming(tmp_path, capsys):
    # a historian's export named by time stamps, not numbers: --time-from name, and a nightly folder later
    rng = np.random.default_rng(3)
    first, later = tmp_path / "first", tmp_path / "later"
    first.mkdir(), later.mkdir()
    _stamped(first, 0, 36, rng)
    _stamped(later, 36, 48, rng)
    run = tmp_path / "run"
    args = ["--time-from", "name", "--sample-rate", "10240", "--skip", "0", "--reference", "3h", *FAST]
    assert main(["monitor", "--data", str(first), *args, "--out", str(run)]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["sequence"]["start_time"] == "2024-01-01T00:00:00Z"
    assert summary["reference"]["span_s"] == pytest.approx(3 * 3600, abs=600)
    assert main(["monitor", "--run", str(run), str(later), "-q"]) == 0
    times = [float(line.split(",")[2]) for line in (run / "scores.csv").read_text().splitlines()[1:]]
    assert times == [600.0 * k for k in range(48)]  # the streamed files continue the clock of their names
    (later / "pump_20231231T235000.npy").write_bytes((later / "pump_20240101T060000.npy").read_bytes())
    capsys.readouterr()
    assert main(["monitor", "--run", str(run), str(later / "pump_20231231T235000.npy"), "-q"]) == 2
    err = capsys.readouterr().err.strip()
    assert (
        "pump_20231231T235000.npy" in err
        and "not after the last scored" in err
        and len(err.splitlines()) == 1
    )


def _manifest(tmp_path, conditions: list[str], *, louder: str = "B") -> Path:
    # a machine that alternates between two duties, the second 8 dB louder, healthy throughout
    rng = np.random.default_rng(5)
    lines = ["path,time,condition"]
    for k, c in enumerate(conditions):
        gain = 10 ** (8 / 20) if c == louder else 1.0
        np.save(tmp_path / f"s{k:03d}.npy", (0.05 * gain * rng.standard_normal((1, 1024))).astype(np.float32))
        lines.append(f"s{k:03d}.npy,{600 * k},{c}")
    (tmp_path / "manifest.csv").write_text("\n".join(lines) + "\n")
    return tmp_path / "manifest.csv"


def test_a_manifest_condition_column_gives_each_duty_its_baseline(tmp_path, capsys):
    duties = ["A" if (k // 4) % 2 == 0 else "B" for k in range(60)]
    manifest = _manifest(tmp_path, duties)
    run = tmp_path / "run"
    args = ["--sample-rate", "10240", "--skip", "0", "--reference", "5h", *FAST]
    assert main(["monitor", "--data", str(manifest), *args, "--out", str(run)]) == 0
    summary = json.loads((run / "summary.json").read_text())
    assert summary["conditions"] == ["A", "B"] and summary["unseen_conditions"] == []
    rms = summary["indicators"]["rms"]
    assert set(rms["thresholds_by_condition"]) == {"A", "B"}
    assert rms["thresholds_by_condition"]["B"] > 2 * rms["thresholds_by_condition"]["A"]
    # the 8-dB duty steps alone raise no alarm: neither RMS's nor the machine's
    assert rms["first_alarm_index"] is None and summary["machine"]["first_alert"] is None


def test_a_condition_with_nan_is_one_line_naming_the_manifest(tmp_path, capsys):
    manifest = _manifest(tmp_path, ["A"] * 40)
    text = manifest.read_text().splitlines()
    text[7] = text[7].rsplit(",", 1)[0] + ",NaN"
    manifest.write_text("\n".join(text) + "\n")
    code = main(
        ["monitor", "--data", str(manifest), "--sample-rate", "10240", "-q", "--out", str(tmp_path / "r")]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert f"{manifest}: line 8: condition is missing (NaN)" in err


def _femto_snapshot(path: Path, rng, scale: float = 1.0) -> None:
    us = np.arange(2560) * 39
    acc = (scale * rng.standard_normal((2560, 2))).round(3)
    path.write_text(
        "\n".join(f"9,39,{u // 10**6},{u % 10**6:.4e},{a},{b}" for u, (a, b) in zip(us, acc, strict=True))
    )


def test_the_published_femto_archive_is_monitored_from_its_root(tmp_path, capsys):
    # FEMTO unpacks to Learning_set/, Test_set/ and Full_Test_Set/: a bearing of any set, named in any case,
    # is found from the root; a name in two sets is one line naming both and the spelling that chooses
    rng = np.random.default_rng(11)
    sets = [("Learning_set/Bearing1_1", 3), ("Test_set/Bearing1_3", 2), ("Full_Test_Set/Bearing1_3", 3)]
    for where, n in [*sets, ("Full_Test_Set/Bearing1_7", 40)]:
        (tmp_path / where).mkdir(parents=True)
        for k in range(1, n + 1):
            _femto_snapshot(tmp_path / where / f"acc_{k:05d}.csv", rng)
    run = tmp_path / "run"
    args = healthy(20)
    assert (
        main(["monitor", "--data", f"femto:{tmp_path}", "--bearing", "bearing1_7", *args, "--out", str(run)])
        == 0
    )
    summary = json.loads((run / "summary.json").read_text())
    assert summary["sequence"]["name"] == "Bearing1_7" and summary["sequence"]["set"] == "Full_Test_Set"
    assert summary["snapshots"] == 40 and summary["unit"] == "g"
    capsys.readouterr()
    code = main(
        [
            "monitor",
            "--data",
            f"femto:{tmp_path}",
            "--bearing",
            "Bearing1_3",
            *args,
            "--out",
            str(tmp_path / "r"),
        ]
    )
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1
    assert "Test_set and Full_Test_Set" in err and "--bearing Full_Test_Set/Bearing1_3" in err
    code = main(["monitor", "--data", f"femto:{tmp_path}", *args, "--out", str(tmp_path / "r")])
    err = capsys.readouterr().err.strip()
    assert code == 2 and "choose one with --bearing" in err and len(err.splitlines()) == 1


def test_an_existing_out_suggests_only_options_that_exist(plant, capsys):
    # case 8: re-running into an existing --out named --resume, which monitor does not have
    folder, run, _, _ = plant
    capsys.readouterr()
    code = main(["monitor", "--data", str(folder), "--channels", "0,1", "-q", "--out", str(run)])
    err = capsys.readouterr().err.strip()
    assert code == 2 and len(err.splitlines()) == 1 and "--resume" not in err
    assert "replace it (--overwrite)" in err and "--run DIR FILES" in err


def test_femto_files_in_a_plain_folder_read_like_femto_with_channels_4_5(tmp_path, capsys):
    # case 1's first half: FEMTO's CSVs (hour, minute, second, microsecond, then two accelerations) renamed
    # into a plain folder were read as six channels; with --channels 4,5 they read exactly as FEMTO's loader
    rng = np.random.default_rng(21)
    femto, plain = tmp_path / "Bearing9_1", tmp_path / "plain"
    femto.mkdir(), plain.mkdir()
    for k in range(1, 31):
        _femto_snapshot(femto / f"acc_{k:05d}.csv", rng)
        (plain / f"snap_{k:03d}.csv").write_bytes((femto / f"acc_{k:05d}.csv").read_bytes())
    args = [*healthy(15), "--sample-rate", "25600"]
    # without --channels: a warning names the clock columns, and the constant hour column makes every
    # reference snapshot a sensor artefact, so the run is refused in one line rather than misread
    with pytest.warns(UserWarning, match=r"look like a clock or a counter"):
        assert main(["monitor", "--data", str(plain), *args, "--out", str(tmp_path / "six")]) == 2
    err = capsys.readouterr().err.strip()
    assert "sensor artefacts" in err and len(err.splitlines()) == 1
    assert (
        main(["monitor", "--data", str(plain), "--channels", "4,5", *args, "--out", str(tmp_path / "p")]) == 0
    )
    # FEMTO's loader knows the rate
    assert main(["monitor", "--data", str(femto), *healthy(15), "--out", str(tmp_path / "f")]) == 0

    def rms(run):
        lines = (run / "scores.csv").read_text().splitlines()
        col = lines[0].split(",").index("rms")
        return [float(line.split(",")[col]) for line in lines[1:]]

    assert rms(tmp_path / "p") == rms(tmp_path / "f")


def test_time_from_name_is_refused_where_times_come_from_numbers(tmp_path, capsys):
    assert main(["monitor", "--time-from", "name", "-q", "--out", str(tmp_path / "r")]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "time_from='name' does not apply to the simulator" in err
