"""Users' recordings: manifest CSV, label folders, resampling to one rate, the load_recordings dispatcher."""

from __future__ import annotations

import wave

import numpy as np
import pytest
import scipy.io as sio

from deepshrink.data import Recording, load_folder, load_manifest, load_recordings, make_windows
from deepshrink.data.readers.manifest import harmonize_rates
from deepshrink.errors import ConfigError, DataError

RNG = np.random.default_rng(1)


def write_wav(path, n: int, rate: int) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes((RNG.standard_normal(n) * 3000).astype("<i2").tobytes())


@pytest.fixture
def recordings_dir(tmp_path):
    d = tmp_path / "rec"
    (d / "sub").mkdir(parents=True)
    write_wav(d / "a.wav", 8000, 8000)
    np.save(d / "b.npy", RNG.standard_normal(8000))
    sio.savemat(d / "sub" / "c.mat", {"noise": RNG.standard_normal(100), "vib": RNG.standard_normal(16000)})
    (d / "d.csv").write_text(
        "t,acc\n" + "\n".join(f"{i},{v}" for i, v in enumerate(RNG.standard_normal(4000)))
    )
    return d


def test_manifest_all_columns(recordings_dir):
    m = recordings_dir / "manifest.csv"
    m.write_text(
        "path,label,sample_rate,channel,variable,group\n"
        "a.wav,normal,,,,bearing1\n"
        "b.npy,inner,8000,,,bearing1\n"
        "sub/c.mat,outer,16000,,vib,bearing2\n"
        "d.csv,outer,4000,acc,,\n"
    )
    recs = load_manifest(m)
    assert [r.name for r in recs] == ["a.wav", "b.npy", "sub/c.mat", "d.csv"]
    assert [r.label for r in recs] == ["normal", "inner", "outer", "outer"]
    assert [r.group for r in recs] == ["bearing1", "bearing1", "bearing2", "d.csv"]
    # most common rate (8000) wins; the others are resampled to it
    assert all(r.sample_rate == 8000.0 for r in recs)
    assert [r.n_samples for r in recs] == [8000, 8000, 8000, 8000]
    assert recs[2].meta["native_rate"] == 16000.0 and recs[3].meta["native_rate"] == 4000.0
    assert recs[2].meta["path"].endswith("c.mat")
    up = load_manifest(m, target_rate=16000)
    assert [r.n_samples for r in up] == [16000] * 4
    ds = make_windows(recs, window=1000, scenario="cross-group", split=(0.5, 0.0, 0.5), random_state=0)
    assert len(ds.train) + len(ds.test) == 32


def test_manifest_sample_rate_rules(recordings_dir):
    m = recordings_dir / "m.csv"
    m.write_text("path,label\nb.npy,x\n")
    with pytest.raises(DataError, match=r"m\.csv, line 2: b\.npy has no own sample rate"):
        load_manifest(m)
    m.write_text("path,label,sample_rate\na.wav,x,44100\n")
    with pytest.raises(DataError, match=r"line 2: sample_rate 44100 disagrees with the file's own rate 8000"):
        load_manifest(m)
    m.write_text("path,label,sample_rate\nb.npy,x,fast\n")
    with pytest.raises(DataError, match=r"line 2: sample_rate 'fast' is not a number"):
        load_manifest(m)
    m.write_text("path,label,sample_rate\nb.npy,x,-5\n")
    with pytest.raises(DataError, match="must be positive"):
        load_manifest(m)


def test_manifest_errors(recordings_dir):
    m = recordings_dir / "m.csv"
    with pytest.raises(DataError, match=r"m\.csv: manifest file not found"):
        load_manifest(m)
    m.write_text("path,label,speed\na.wav,x,3\n")
    with pytest.raises(DataError, match=r"unknown column\(s\) \['speed'\]"):
        load_manifest(m)
    m.write_text("file,label\na.wav,x\n")
    with pytest.raises(DataError, match="needs 'path' and 'label' columns"):
        load_manifest(m)
    m.write_text("path,label\n")
    with pytest.raises(DataError, match="lists no recordings"):
        load_manifest(m)
    m.write_text("path,label\na.wav,\n")
    with pytest.raises(DataError, match=r"line 2: missing label for 'a\.wav'"):
        load_manifest(m)
    m.write_text("path,label\na.wav,x\nmissing.wav,y\n")
    with pytest.raises(DataError, match=r"line 3: .*missing\.wav: file not found"):
        load_manifest(m)
    m.write_text("path,label\na.wav,x\na.wav,y\n")
    with pytest.raises(DataError, match="listed twice"):
        load_manifest(m)
    m.write_text("path,label,variable,sample_rate\nsub/c.mat,x,acc,100\n")
    with pytest.raises(DataError, match=r"c\.mat: no variable 'acc' \(present: noise, vib\)"):
        load_manifest(m)


def test_load_folder(tmp_path):
    for label in ("healthy", "faulty"):
        (tmp_path / label).mkdir()
        for i in range(2):
            np.save(tmp_path / label / f"{i}.npy", RNG.standard_normal(3000))
    (tmp_path / "faulty" / "notes.txt").write_text("ignored")
    with pytest.raises(DataError, match=r"0\.npy has no own sample rate"):
        load_folder(tmp_path)
    recs = load_folder(tmp_path, sample_rate=3000)
    assert [r.name for r in recs] == ["faulty/0.npy", "faulty/1.npy", "healthy/0.npy", "healthy/1.npy"]
    assert {r.label for r in recs} == {"healthy", "faulty"} and all(r.sample_rate == 3000.0 for r in recs)
    write_wav(tmp_path / "healthy" / "w.wav", 6000, 6000)
    mixed = load_folder(tmp_path, sample_rate=3000)
    assert all(r.sample_rate == 3000.0 for r in mixed) and mixed[-1].n_samples == 3000
    assert load_folder(tmp_path, sample_rate=3000, target_rate=6000)[0].n_samples == 6000


def test_load_folder_errors(tmp_path):
    with pytest.raises(DataError, match="folder not found"):
        load_folder(tmp_path / "none")
    with pytest.raises(DataError, match="empty folder"):
        load_folder(tmp_path)
    (tmp_path / "a").mkdir()
    with pytest.raises(DataError, match=r"a: label folder holds no"):
        load_folder(tmp_path, sample_rate=100)
    np.save(tmp_path / "top.npy", np.ones(10))
    with pytest.raises(DataError, match="one sub-folder per label"):
        load_folder(tmp_path, sample_rate=100)


def test_harmonize_rates_tie_goes_to_the_highest():
    recs = [
        Recording(signal=np.ones((1, 400), np.float32), sample_rate=400.0, label="a", name="x"),
        Recording(signal=np.ones((1, 800), np.float32), sample_rate=800.0, label="a", name="y"),
    ]
    out = harmonize_rates(recs)
    assert [r.sample_rate for r in out] == [800.0, 800.0] and out[0].n_samples == 800
    with pytest.raises(ConfigError, match="target_rate"):
        harmonize_rates(recs, target_rate=-1)


def test_load_recordings_dispatch(recordings_dir, tmp_path):
    m = recordings_dir / "m.csv"
    m.write_text("path,label\na.wav,x\n")
    assert [r.name for r in load_recordings(str(m))] == ["a.wav"]
    folder = tmp_path / "folder"
    (folder / "lab").mkdir(parents=True)
    write_wav(folder / "lab" / "w.wav", 500, 1000)
    assert load_recordings(str(folder), target_rate=500)[0].n_samples == 250
    with pytest.raises(
        ConfigError, match=r"data 'nonsense' not understood: use 'simulator', cwru\[:PATH\], uestc"
    ):
        load_recordings("nonsense")
    with pytest.raises(ConfigError, match="bad option"):
        load_recordings(str(m), window=5)
    with pytest.raises(DataError, match="CWRU folder not found"):
        load_recordings(f"cwru:{tmp_path / 'nothing'}")
    with pytest.raises(ConfigError, match="non-empty string"):
        load_recordings("")
    with pytest.raises(DataError, match="manifest file not found"):
        load_recordings(str(tmp_path / "absent.csv"))


def test_load_recordings_cwru_spec(tmp_path):
    sio.savemat(tmp_path / "118.mat", {"X118_DE_time": RNG.standard_normal((3000, 1))})
    recs = load_recordings(f"cwru:{tmp_path}", ids=[118])
    assert recs[0].label == "B007" and recs[0].sample_rate == 12000.0
    with pytest.raises(ConfigError, match="bad option"):
        load_recordings(f"cwru:{tmp_path}", colour="red")


def test_load_recordings_simulator():
    recs = load_recordings("simulator", n_recordings_per_class=1, duration_s=1.0)
    assert recs and all(isinstance(r, Recording) for r in recs)
    assert len({r.sample_rate for r in recs}) == 1
    with pytest.raises(ConfigError, match="bad option"):
        load_recordings("simulator", no_such_option=1)


def test_manifest_sample_rate_argument_and_condition_column(recordings_dir):
    m = recordings_dir / "m.csv"
    m.write_text("path,label,condition\nb.npy,x,270lbs\na.wav,y,\n")
    with pytest.raises(DataError, match=r"line 2: b\.npy has no own sample rate; give a sample_rate"):
        load_manifest(m)
    recs = load_manifest(m, sample_rate=4000)
    # the argument fills in only where neither the row nor the file gives a rate: a.wav keeps its 8000 Hz
    assert [r.meta.get("native_rate") for r in recs] == [4000.0, None] and recs[0].sample_rate == 8000.0
    assert [r.condition for r in recs] == ["270lbs", None]
    m.write_text("path,label,sample_rate\nb.npy,x,8000\nd.csv,y,\n")
    assert [r.n_samples for r in load_manifest(m, sample_rate="2000")] == [8000, 16000]
    for bad in (0, -3, "fast", float("nan")):
        with pytest.raises(ConfigError, match="sample_rate must be a positive number"):
            load_manifest(m, sample_rate=bad)
    assert load_recordings(str(m), sample_rate=2000)[1].meta["native_rate"] == 2000.0


def test_manifest_variable_may_be_a_struct_path(tmp_path):
    sio.savemat(tmp_path / "baseline_1.mat", {"bearing": {"gs": RNG.standard_normal((600, 1)), "sr": 600}})
    m = tmp_path / "m.csv"
    m.write_text("path,label,variable,condition,group\nbaseline_1.mat,normal,bearing.gs,270lbs,b1\n")
    (rec,) = load_manifest(m)
    assert (rec.sample_rate, rec.n_samples, rec.condition, rec.group) == (600.0, 600, "270lbs", "b1")
    m.write_text("path,label\nbaseline_1.mat,normal\n")
    with pytest.raises(DataError, match=r"only struct\(s\): 'bearing' .*variable='bearing\.gs'"):
        load_manifest(m)
