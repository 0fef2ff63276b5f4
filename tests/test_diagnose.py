"""`deepshrink diagnose` (issue 36): envelope verdicts on simulated faults in .npy/.mat/.csv files, JSON
output, the figure, one-line errors (exit 2), the registry's bearing facts, and real CWRU files when
present."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pytest
from scipy.io import savemat

from deepshrink.cli.main import main
from deepshrink.data.sets.registry import DATASETS, SIMULATOR_BEARINGS, dataset
from deepshrink.data.simulate.simulator import BEARING_6205, make_bearing_signals
from deepshrink.functional import BEARINGS

FS = 12000.0


@pytest.fixture(scope="module")
def faults():
    """label -> (signal float32 (n,), rpm): 2 s of simulated outer- and inner-race faults at 12 kHz."""
    recs = make_bearing_signals(
        classes=["OR014", "IR014"],
        n_recordings_per_class=1,
        duration_s=2.0,
        sample_rate=FS,
        random_state=0,
        rpm_range=(1760.0, 1780.0),  # one --rpm 1770 fits both within the 2 % slip window
    )
    return {r.meta["fault"]: (r.signal[0], float(r.meta["rpm"])) for r in recs}


def run_json(capsys, *args):
    assert main(["diagnose", *map(str, args), "--format", "json"]) == 0, capsys.readouterr().err
    return json.loads(capsys.readouterr().out)


def test_simulated_faults_in_npy_mat_and_csv_get_their_verdict(faults, tmp_path, capsys):
    x, rpm = faults["outer"]
    np.save(tmp_path / "outer.npy", x)
    (out,) = run_json(capsys, tmp_path / "outer.npy", "--geometry", "6205", "--rpm", rpm, "--sample-rate", FS)
    assert out["verdict"] == "outer" and out["scores"]["outer"] > 20, out
    assert set(out) >= {"file", "verdict", "scores", "band_hz", "shaft_hz", "sample_rate"}
    assert out["shaft_hz"] == pytest.approx(rpm / 60, abs=1e-3) and out["rate_source"] == "--sample-rate"
    assert set(out["scores"]) == {"outer", "inner", "ball"} and 0 <= out["band_hz"][0] < out["band_hz"][1]

    x, rpm = faults["inner"]
    savemat(tmp_path / "inner.mat", {"vib": x[:, None], "fs": FS})  # the rate from the file's fs
    (out,) = run_json(capsys, tmp_path / "inner.mat", "--geometry", "9,0.3126,1.537", "--shaft-hz", rpm / 60)
    assert out["verdict"] == "inner" and out["sample_rate"] == FS and out["rate_source"] == "file", out

    np.savetxt(tmp_path / "inner.csv", x[:, None], fmt="%.6f")
    args = ["diagnose", tmp_path / "inner.csv", "--geometry", "6205", "--rpm", rpm, "--sample-rate", FS]
    assert main([*map(str, args), "--band", "prewhiten"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if "inner.csv" in line)
    assert re.search(r"\binner\b", row) and "0-6000" in row  # the table: verdict, the band pre-whitened


def test_a_folder_and_the_figure(faults, tmp_path, capsys):
    folder = tmp_path / "recs"
    folder.mkdir()
    for fault, (x, _) in faults.items():
        savemat(folder / f"{fault}.mat", {"vib": x[:, None], "fs": FS})
    (folder / "notes.txt").write_text("not a signal")
    figs = tmp_path / "figs"
    out = run_json(capsys, folder, "--geometry", "6205", "--rpm", 1770, "--out", figs)
    assert [r["verdict"] for r in out] == ["inner", "outer"]  # sorted names; rpm within the 2 % slip
    for r in out:
        assert r["figure"] == str(figs / f"{r['file'].rsplit('/', 1)[-1][:-4]}.png")
        assert Path(r["figure"]).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_plot_envelope_has_two_panels_with_the_family_lines(faults):
    from deepshrink.functional import diagnose_signal, fast_kurtogram
    from deepshrink.plots import plot_envelope

    x, rpm = faults["outer"]
    d = diagnose_signal(x.astype(float), FS, rpm / 60, BEARINGS["6205"])
    kg, levels, _ = fast_kurtogram(x.astype(float), FS)
    fig = plot_envelope(d, BEARINGS["6205"], rpm / 60, kurtogram=(kg, levels), sample_rate=FS)
    spectrum_ax, kurtogram_ax = fig.axes[:2]
    labels = [t.get_text() for t in spectrum_ax.get_legend().get_texts()]
    assert [lab.split()[0] for lab in labels] == ["outer", "inner", "ball"]
    assert len(spectrum_ax.lines) == 1 + 3 * 3  # the spectrum, then 3 harmonics of 3 families
    assert kurtogram_ax.images and kurtogram_ax.patches  # the heat map and the band used


def _bad_inputs(tmp_path, faults):
    x, _ = faults["outer"]
    np.save(tmp_path / "ok.npy", x)
    np.save(tmp_path / "short.npy", x[:600])
    np.save(tmp_path / "nan.npy", np.where(np.arange(x.size) == 10, np.nan, x))
    ok, r, fs = str(tmp_path / "ok.npy"), ["--rpm", "1797"], ["--sample-rate", "12000"]
    g = ["--geometry", "6205"]
    return [
        ([ok, "--geometry", "9,2.0,1.5", *r, *fs], ["--geometry", "ball_diameter (2.0) must be smaller"]),
        ([ok, "--geometry", "0,0.3,1.5", *r, *fs], ["--geometry", "balls must be an integer >= 3"]),
        ([ok, "--geometry", "6999", *r, *fs], ["--geometry", "unknown bearing '6999'"]),
        ([ok, *g, *r, "--sample-rate", "600"], ["ok.npy", "defect harmonics reach", "fs/2 = 300"]),
        (
            [str(tmp_path / "short.npy"), *g, *r, *fs],
            ["short.npy", "too short for the resolution the defect frequencies need: 0.05 s, needs 0.0931 s"],
        ),
        ([str(tmp_path / "nan.npy"), *g, *r, *fs], ["nan.npy", "NaN"]),
        ([ok, *r, *fs], ["--geometry", "no bearing geometry"]),
        ([ok, *g, *fs], ["--shaft-hz", "no shaft speed"]),
        ([ok, *g, *r, "--shaft-hz", "30", *fs], ["--rpm", "not both"]),
        ([ok, *g, "--rpm", "-5", *fs], ["--rpm", "must be a finite number > 0"]),
        ([str(tmp_path / "missing.npy"), *g, *r, *fs], ["missing.npy", "no such file or folder"]),
        ([ok, *g, *r], ["ok.npy", "no sample rate; pass --sample-rate"]),
        ([ok, "--data", "nope", *fs], ["--data", "unknown data set 'nope'"]),
        ([ok, "--data", "uestc", *fs], ["--data", "geometry of uestc (test) is unknown", "--geometry"]),
        ([ok, "--data", "cwru", "--position", "top", *fs], ["--position", "no bearing position 'top'"]),
        ([ok, *g, *r, *fs, "--band", "4000:9000"], ["ok.npy", "--band 4000:9000 reaches above fs/2"]),
        ([ok, *g, *r, *fs, "--band", "wide"], ["--band", "'wide' is not kurtogram"]),
    ]


def test_bad_inputs_are_one_line_naming_the_option_or_file(faults, tmp_path, capsys):
    for args, needles in _bad_inputs(tmp_path, faults):
        assert main(["diagnose", *args]) == 2, args
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "Traceback" not in err, (args, err)
        for needle in needles:
            assert needle in err, (args, err)


def test_registry_bearing_facts_cite_their_source():
    cwru = dataset("cwru").bearings
    assert cwru.bearing() is BEARINGS["6205"] and cwru.bearing("fan_end") is BEARINGS["6203"]
    assert cwru.shaft_rpm == {"0HP": 1797.0, "1HP": 1772.0, "2HP": 1750.0, "3HP": 1730.0}
    mfpt = dataset("mfpt").bearings.bearing()
    # MFPT publishes BPFO 81.125 Hz and BPFI 118.875 Hz at its 25 Hz shaft
    assert (25 * mfpt.bpfo, 25 * mfpt.bpfi) == pytest.approx((81.125, 118.875), abs=0.01)
    for name, entry in DATASETS.items():
        facts = entry.bearings
        if facts is None:
            continue
        assert "http" in facts.source or "README" in facts.source or entry.builtin, name
        for position, spec in facts.geometry.items():
            assert (spec is None) == bool(facts.why_unknown(position)), (name, position)
    assert {n for n, d in DATASETS.items() if d.bearings and d.bearings.bearing() is None} == {
        "uestc",
        "pu",
        "femto",
    }
    # the simulator's bearing is the package's one bearing type, the same 6205 (issue 36: a ball defect
    # strikes at 2 x its spin frequency, the value CWRU publishes as BSF, 4.7135)
    sim = SIMULATOR_BEARINGS.bearing()
    assert sim == BEARING_6205 == BEARINGS["6205"]
    assert 2 * BEARING_6205.bsf == pytest.approx(4.7135, abs=1e-3)


def test_data_cwru_takes_rate_and_speed_from_the_file_and_its_name(faults, tmp_path, capsys):
    # CWRU-named files: the rate from the numbering (12 kHz), the rpm from XNNNRPM, else from the load
    x, rpm = faults["outer"]
    savemat(tmp_path / "12k_Drive_End_OR014@6_0_197.mat", {"X197_DE_time": x[:, None], "X197RPM": rpm})
    savemat(tmp_path / "12k_Drive_End_OR014@6_1_198.mat", {"X198_DE_time": x[:, None]})
    out = run_json(capsys, "--data", "cwru", tmp_path)
    assert [r["verdict"] for r in out] == ["outer", "outer"] and [r["label"] for r in out] == ["OR014"] * 2
    assert out[0]["speed_source"] == "X197RPM" and out[0]["shaft_hz"] == pytest.approx(rpm / 60, abs=1e-3)
    assert out[1]["speed_source"] == "nominal at 1 HP"
    assert out[1]["shaft_hz"] == pytest.approx(1772 / 60, abs=1e-3)
    assert out[0]["sample_rate"] == 12000 and out[0]["rate_source"] == "data set cwru"


def test_real_cwru_zero_hp_fault_files(cwru_root, capsys):
    files = sorted(cwru_root.glob("12k_Drive_End_*_0_*.mat"))
    if len(files) != 9:
        pytest.skip(
            f"{cwru_root}: expected the nine 12 kHz drive-end fault files of 0 HP, found {len(files)}"
        )
    verdicts = {r["label"]: r["verdict"] for r in run_json(capsys, "--data", "cwru", *files)}
    assert {verdicts[k] for k in ("IR007", "IR014", "IR021")} == {"inner"}, verdicts
    # OR014@6 (file 197) shows no BPFO series in its envelope spectrum (inner 22.8 dB, outer 12.1 dB here)
    assert verdicts["OR007"] == verdicts["OR021"] == "outer", verdicts


def test_every_simulated_fault_is_named_by_envelope_analysis():
    # the simulator's defects strike at the orders envelope analysis looks for: ball faults at 2 x BSF (spin),
    # not at twice CWRU's already doubled "BSF" (which the simulator used before: its ball faults went "none")
    from deepshrink.functional import diagnose_signal

    def verdicts(seed):
        recs = make_bearing_signals(
            classes="4class", n_recordings_per_class=2, duration_s=2.0, random_state=seed
        )
        for r in recs:
            x = np.asarray(r.signal[0], float)
            yield r.label, diagnose_signal(x, r.sample_rate, r.meta["rpm"] / 60, BEARING_6205)

    for label, d in verdicts(3):
        if label == "normal":
            assert d.verdict == "none", d.scores
        else:  # the defect's family scores highest (a weak, intermittent ball defect may stay below 12 dB)
            assert max(d.scores, key=d.scores.get) == label, d.scores
    # seed 0: every recording named; its ball faults score 17-21 dB (before the fix: "none" at 10 dB)
    assert [(label, d.verdict) for label, d in verdicts(0)] == [
        ("normal", "none"), ("normal", "none"), ("ball", "ball"), ("ball", "ball"),
        ("inner", "inner"), ("inner", "inner"), ("outer", "outer"), ("outer", "outer"),
    ]  # fmt: skip
