"""MFPT and Paderborn loaders on tiny files in the data sets' exact layout, their fetchers with a fake
network, the shared fault map of every public loader, and the real UESTC files when present."""

from __future__ import annotations

import hashlib
import io
import sys
import types
import urllib.error
import urllib.request
import zipfile

import numpy as np
import pytest
import scipy.io as sio

from conftest import data_root
from deepshrink.data import (
    FAULT_TYPES,
    fetch_mfpt,
    fetch_pu,
    load_cwru,
    load_mfpt,
    load_pu,
    load_uestc,
    read_signal_file,
)
from deepshrink.data.sets import mfpt, pu
from deepshrink.data.simulate.simulator import make_bearing_signals
from deepshrink.errors import ConfigError, DataError

RNG = np.random.default_rng(7)
ORDERS = (("gs", "sr", "load", "rate"), ("sr", "gs", "load", "rate"), ("rate", "load", "sr", "gs"))

# ---------------------------------------------------------------- MFPT

# (folder of the published archive, file, rate, load, samples)
MFPT_FILES = (
    ("1 - Three Baseline Conditions", "baseline_1.mat", 97656, 270, 2000),
    ("1 - Three Baseline Conditions", "baseline_2.mat", 97656, 270, 2000),
    ("2 - Three Outer Race Fault Conditions", "OuterRaceFault_1.mat", 97656, 270, 2000),
    ("3 - Seven More Outer Race Fault Conditions", "OuterRaceFault_vload_1.mat", 48828, 25, 1000),
    ("3 - Seven More Outer Race Fault Conditions", "OuterRaceFault_vload_2.mat", 48828, 50, 1000),
    ("4 - Seven Inner Race Fault Conditions", "InnerRaceFault_vload_1.mat", 48828, 0, 1000),
    ("4 - Seven Inner Race Fault Conditions", "InnerRaceFault_vload_2.mat", 48828, 50, 1000),
)


def write_mfpt_file(path, *, rate: float, load: float, n: int, order=ORDERS[0]) -> np.ndarray:
    """One file as MFPT publishes it: struct `bearing` (gs, sr, load, rate) in the given field order."""
    gs = RNG.standard_normal((n, 1))
    values = {"gs": gs, "sr": np.array([[rate]]), "load": np.array([[load]]), "rate": np.array([[25]])}
    path.parent.mkdir(parents=True, exist_ok=True)
    sio.savemat(path, {"bearing": {k: values[k] for k in order}})
    return gs[:, 0]


def write_mfpt_tree(root, *, flat: bool = False) -> dict[str, np.ndarray]:
    signals = {}
    for i, (folder, name, rate, load, n) in enumerate(MFPT_FILES):
        where = root / name if flat else root / "MFPT Fault Data Sets" / folder / name
        signals[name] = write_mfpt_file(where, rate=rate, load=load, n=n, order=ORDERS[i % len(ORDERS)])
    if not flat:  # decoys the loader must skip: other folders of the archive
        write_mfpt_file(
            root / "MFPT Fault Data Sets" / "6 - Real World Examples" / "baseline_9.mat", rate=1, load=1, n=5
        )
        (root / "MFPT Fault Data Sets" / "5 - Analyses").mkdir()
        sio.savemat(root / "MFPT Fault Data Sets" / "5 - Analyses" / "spectrum.mat", {"x": np.ones(3)})
    return signals


def test_mfpt_published_layout(tmp_path):
    signals = write_mfpt_tree(tmp_path)
    recs = load_mfpt(tmp_path)
    assert [r.name for r in recs] == [f"mfpt_{f[1][:-4]}" for f in MFPT_FILES]  # class, set, number order
    assert [r.label for r in recs] == ["baseline"] * 2 + ["outer"] * 3 + ["inner"] * 2
    assert [r.meta["fault"] for r in recs] == ["normal"] * 2 + ["outer"] * 3 + ["inner"] * 2
    assert [r.condition for r in recs] == ["270lbs"] * 3 + ["25lbs", "50lbs", "0lbs", "50lbs"]
    assert len({r.group for r in recs}) == 7 and recs[0].group == "mfpt-baseline_1"
    # one rate: the 97,656 Hz files halved to 48,828 Hz, nothing upsampled
    assert {r.sample_rate for r in recs} == {48828.0} and [r.n_samples for r in recs] == [1000] * 7
    assert [r.meta["native_rate"] for r in recs] == [97656.0] * 3 + [48828.0] * 4
    assert recs[3].meta["shaft_hz"] == 25.0 and recs[0].meta["fault_size"] is None
    np.testing.assert_allclose(recs[3].signal[0], signals["OuterRaceFault_vload_1.mat"], rtol=1e-6)
    assert all(r.signal.dtype == np.float32 and r.meta["fault"] in FAULT_TYPES for r in recs)
    up = load_mfpt(tmp_path, classes=["baseline"], target_rate=97656)
    assert [r.n_samples for r in up] == [2000, 2000]
    np.testing.assert_allclose(up[0].signal[0], signals["baseline_1.mat"], rtol=1e-6)


def test_mfpt_repackaged_flat_layout_and_selection(tmp_path):
    write_mfpt_tree(tmp_path, flat=True)
    assert len(load_mfpt(tmp_path)) == 7
    at_270 = [r.name[5:] for r in load_mfpt(tmp_path, loads=270)]
    assert at_270 == ["baseline_1", "baseline_2", "OuterRaceFault_1"]
    inner = load_mfpt(tmp_path, classes=("inner",), loads=(0, 50.0))
    assert [r.condition for r in inner] == ["0lbs", "50lbs"]
    with pytest.raises(DataError, match=r"no MFPT recording of classes \['inner'\] at load\(s\) 25 lbs"):
        load_mfpt(tmp_path, classes=["inner"], loads=[25])
    with pytest.raises(ConfigError, match="MFPT classes must be among baseline, outer, inner"):
        load_mfpt(tmp_path, classes=["ball"])
    with pytest.raises(ConfigError, match="MFPT loads must be numbers"):
        load_mfpt(tmp_path, loads=[-5])
    with pytest.raises(ConfigError, match="target_rate"):
        load_mfpt(tmp_path, target_rate=0)


def test_mfpt_errors_name_the_file(tmp_path):
    write_mfpt_tree(tmp_path, flat=True)
    with pytest.raises(DataError, match=r"baseline_1\.mat: is a file; mfpt data is read from the folder"):
        load_mfpt(tmp_path / "baseline_1.mat")
    with pytest.raises(DataError, match=r"nowhere: mfpt folder not found; fetch it with fetch_mfpt"):
        load_mfpt(tmp_path / "nowhere")
    sio.savemat(tmp_path / "InnerRaceFault_vload_2.mat", {"bearing": {"sr": 48828, "load": 50, "rate": 25}})
    with pytest.raises(DataError, match=r"InnerRaceFault_vload_2\.mat: struct 'bearing' has no field 'gs'"):
        load_mfpt(tmp_path)
    sio.savemat(tmp_path / "InnerRaceFault_vload_2.mat", {"signal": np.ones(10)})
    with pytest.raises(
        DataError, match=r"InnerRaceFault_vload_2\.mat: no variable 'bearing' \(present: signal"
    ):
        load_mfpt(tmp_path)
    write_mfpt_file(tmp_path / "InnerRaceFault_vload_2.mat", rate=-1, load=50, n=100)
    with pytest.raises(
        DataError, match=r"InnerRaceFault_vload_2\.mat: bearing\.sr = -1 is not a valid value"
    ):
        load_mfpt(tmp_path)
    write_mfpt_file(tmp_path / "InnerRaceFault_vload_2.mat", rate=48828, load=50, n=100)
    (tmp_path / "copy").mkdir()
    write_mfpt_file(tmp_path / "copy" / "baseline_1.mat", rate=97656, load=270, n=100)
    with pytest.raises(DataError, match=r"two copies of baseline_1\.mat"):
        load_mfpt(tmp_path)
    (tmp_path / "copy" / "baseline_1.mat").unlink()
    good = hashlib.md5((tmp_path / "baseline_2.mat").read_bytes()).hexdigest()
    (tmp_path / "MD5SUMS").write_text(f"{good}  baseline_2.mat\n{'0' * 32}  OuterRaceFault_1.mat\n")
    with pytest.raises(DataError, match=r"OuterRaceFault_1\.mat: md5 mismatch \(expected 0{32}"):
        load_mfpt(tmp_path)
    assert len(load_mfpt(tmp_path, verify_md5=False)) == 7
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataError, match=r"empty: no MFPT files \(baseline_N\.mat, .*fetch_mfpt"):
        load_mfpt(empty)


def test_mfpt_file_reads_through_read_signal_file(tmp_path):
    p = tmp_path / "baseline_1.mat"
    gs = write_mfpt_file(p, rate=97656, load=270, n=300, order=ORDERS[2])
    with pytest.raises(
        DataError, match=r"only struct\(s\): 'bearing' \(fields: rate, load, sr, gs; .*'bearing\.gs'"
    ):
        read_signal_file(p)
    x, rate = read_signal_file(p, variable="bearing.gs")
    assert rate == 97656.0
    np.testing.assert_allclose(x[0], gs, rtol=1e-6)


def test_mfpt_found_by_the_locate_rule(tmp_path, monkeypatch):
    write_mfpt_tree(tmp_path / "data" / "mfpt")
    monkeypatch.setenv("DEEPSHRINK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DEEPSHRINK_CACHE", str(tmp_path / "cache"))
    assert len(load_mfpt()) == 7
    monkeypatch.delenv("DEEPSHRINK_DATA")
    with pytest.raises(DataError, match=r"no mfpt data found: looked in .*cache/mfpt .*fetch_mfpt"):
        load_mfpt()


class _Resp(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def _zip_of(folder) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(folder).as_posix())
    return buf.getvalue()


def test_fetch_mfpt_with_fake_network(tmp_path, monkeypatch):
    write_mfpt_tree(tmp_path / "src")
    payload, calls = _zip_of(tmp_path / "src"), []

    def urlopen(url, timeout):
        calls.append(url)
        return _Resp(payload)

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    root = fetch_mfpt(tmp_path / "mfpt", progress=False)
    assert calls == [mfpt.MFPT_URL] and not (root / "MFPT-Fault-Data-Sets.zip").exists()
    assert len(load_mfpt(root)) == 7
    assert fetch_mfpt(root, progress=False) == root and len(calls) == 1  # present: nothing downloaded

    evil = io.BytesIO()
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../escaped.mat", b"x")
    payload = evil.getvalue()
    with pytest.raises(DataError, match=r"unsafe path '\.\./escaped\.mat' in the archive"):
        fetch_mfpt(tmp_path / "evil", progress=False)
    assert not (tmp_path / "escaped.mat").exists()

    payload = b"<html>not found</html>"
    with pytest.raises(
        DataError, match=r"did not return the expected file.*mfpt\.org/fault-data-sets.*by hand"
    ):
        fetch_mfpt(tmp_path / "html", progress=False)

    def offline(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError, match=r"could not download .*unpack it into .*offline"):
        fetch_mfpt(tmp_path / "offline", progress=False)
    with pytest.raises(DataError, match=r"is a file"):
        fetch_mfpt(root / "MFPT Fault Data Sets" / "1 - Three Baseline Conditions" / "baseline_1.mat")


# ---------------------------------------------------------------- Paderborn

PU_NAMES = "force phase_current_1 phase_current_2 speed temp_2_bearing_module torque vibration_1".split()
Y_FIELDS = ("Name", "Type", "Unit", "Raster", "Data")


def write_pu_file(path, *, n: int = 640, fields=Y_FIELDS, seed: int = 0, var: str | None = None) -> dict:
    """One measurement as PU publishes it: struct <stem> with Info, X, Y (7 channels: Name, Data, ...)."""
    rng = np.random.default_rng(seed)
    y = np.zeros((1, len(PU_NAMES)), dtype=[(f, "O") for f in fields])
    data = {}
    for i, name in enumerate(PU_NAMES):
        fast = name in pu.PU_CHANNELS
        data[name] = rng.standard_normal((1, n if fast else n // 16))
        raster = "HostService" if fast else "Mech"
        values = {"Name": name, "Type": "", "Unit": "", "Raster": raster, "Data": data[name]}
        for f in fields:
            y[0, i][f] = values[f]
    path.parent.mkdir(parents=True, exist_ok=True)
    stem = var or path.stem
    sio.savemat(path, {stem: {"Info": np.zeros((1, 1)), "X": np.zeros((1, 3)), "Y": y, "Description": stem}})
    return {k: v[0] for k, v in data.items()}


def write_pu_tree(
    root, codes=("K001", "KA01", "KA04", "KI21", "KB23"), settings=("N15_M07_F10", "N09_M07_F10"), n=2
):
    signals = {}
    for c, code in enumerate(codes):
        for s, setting in enumerate(settings):
            for m in range(1, n + 1):
                stem = f"{setting}_{code}_{m}"
                fields = Y_FIELDS if (c + s + m) % 2 else tuple(reversed(Y_FIELDS))  # field order varies
                signals[stem] = write_pu_file(
                    root / code / f"{stem}.mat", fields=fields, seed=c * 100 + s * 10 + m
                )
    return signals


def test_pu_published_layout(tmp_path):
    signals = write_pu_tree(tmp_path)
    recs = load_pu(tmp_path)
    assert len(recs) == 5 * 2 * 2 and recs[0].name == "N15_M07_F10_K001_1"
    assert [r.name for r in recs[:4]] == [
        f"{s}_K001_{m}" for s in ("N15_M07_F10", "N09_M07_F10") for m in (1, 2)
    ]
    by_code = {r.group: r for r in recs}
    assert {c: (r.label, r.meta["fault"], r.meta["damage"]) for c, r in by_code.items()} == {
        "K001": ("healthy", "normal", None),
        "KA01": ("outer", "outer", "artificial"),
        "KA04": ("outer", "outer", "real"),
        "KI21": ("inner", "inner", "real"),
        "KB23": ("both", "combined", "real"),
    }
    assert (
        by_code["K001"].meta["fault_size"] is None and by_code["KB23"].meta["fault_size"] == "extent level 2"
    )
    assert {r.condition for r in recs} == {"N15_M07_F10", "N09_M07_F10"}
    r = recs[2]
    setting = (r.meta["rpm"], r.meta["torque_nm"], r.meta["radial_force_n"], r.meta["measurement"])
    assert setting == (900, 0.7, 1000, 1)
    assert r.sample_rate == 64000.0 and r.channels == 1 and r.meta["channel"] == "vibration_1"
    np.testing.assert_allclose(r.signal[0], signals[r.name]["vibration_1"], rtol=1e-6)
    two = load_pu(
        tmp_path, bearings=["KI21"], settings=["N15_M07_F10"], channel=("vibration_1", "phase_current_2")
    )
    assert [x.channels for x in two] == [2, 2]
    np.testing.assert_allclose(two[1].signal[1], signals["N15_M07_F10_KI21_2"]["phase_current_2"], rtol=1e-6)
    half = load_pu(tmp_path, classes=["healthy", "both"], measurements=2, target_rate=32000)
    assert [x.name for x in half] == [
        f"{s}_{c}_2" for c in ("K001", "KB23") for s in ("N15_M07_F10", "N09_M07_F10")
    ]
    assert all(
        x.sample_rate == 32000.0 and x.n_samples == 320 and x.meta["native_rate"] == 64000.0 for x in half
    )


def test_pu_flat_folder_and_renamed_variable(tmp_path):
    write_pu_file(tmp_path / "N15_M01_F10_KI01_3.mat", seed=1)
    write_pu_file(tmp_path / "N15_M07_F04_KI01_3.mat", seed=2, var="N15_M07_F04_KI01_3_copy")
    recs = load_pu(tmp_path)
    assert [(r.name, r.condition) for r in recs] == [
        ("N15_M01_F10_KI01_3", "N15_M01_F10"),
        ("N15_M07_F04_KI01_3", "N15_M07_F04"),
    ]


def test_pu_options_and_errors(tmp_path):
    write_pu_tree(tmp_path, codes=("K002", "KA03"), settings=("N15_M07_F10",), n=2)
    with pytest.raises(
        ConfigError, match=r"PU channel 'speed' is sampled at 4 kHz, not 64 kHz; only vibration_1"
    ):
        load_pu(tmp_path, channel="speed")
    with pytest.raises(ConfigError, match=r"PU channel 'temp_2_bearing_module' is sampled at 1 Hz"):
        load_pu(tmp_path, channel=["vibration_1", "temp_2_bearing_module"])
    with pytest.raises(ConfigError, match="PU channel must be one or more of"):
        load_pu(tmp_path, channel="acc")
    with pytest.raises(ConfigError, match="PU settings must be among"):
        load_pu(tmp_path, settings=["N15_M07_F99"])
    with pytest.raises(ConfigError, match="PU bearings must be among"):
        load_pu(tmp_path, bearings=["KA02"])
    with pytest.raises(ConfigError, match="PU classes must be among"):
        load_pu(tmp_path, classes=["ball"])
    with pytest.raises(ConfigError, match="PU measurements must be numbers"):
        load_pu(tmp_path, measurements=[0])
    with pytest.raises(DataError, match=r"missing PU bearing\(s\) KI01 .*fetch_pu\(bearings=\['KI01'\]\)"):
        load_pu(tmp_path, bearings=["KA03", "KI01"])
    with pytest.raises(DataError, match=r"missing any measurement of bearing K002 at setting N09_M07_F10"):
        load_pu(tmp_path, settings=["N15_M07_F10", "N09_M07_F10"])
    with pytest.raises(
        DataError, match=r"missing measurement\(s\) \[3\] of bearing K002 at setting N15_M07_F10"
    ):
        load_pu(tmp_path, settings=["N15_M07_F10"], measurements=[1, 3])
    write_pu_file(tmp_path / "K002" / "N09_M07_F10_K002_1.mat")
    with pytest.raises(DataError, match=r"missing any measurement of bearing KA03 at setting N09_M07_F10"):
        load_pu(tmp_path)  # default: every setting present, for every bearing
    assert len(load_pu(tmp_path, bearings=["K002"])) == 3
    with pytest.raises(DataError, match=r"none of the PU bearings present is of classes \['inner'\]"):
        load_pu(tmp_path, settings=["N15_M07_F10"], classes=["inner"])
    ok = dict(settings=["N15_M07_F10"])
    f = tmp_path / "KA03" / "N15_M07_F10_KA03_2.mat"
    with pytest.raises(
        DataError, match=r"N15_M07_F10_KA03_2\.mat: is a file; pu data is read from the folder"
    ):
        load_pu(f)
    (tmp_path / "MD5SUMS").write_text(f"{'0' * 32}  KA03/N15_M07_F10_KA03_2.mat\n")
    with pytest.raises(DataError, match=r"N15_M07_F10_KA03_2\.mat: md5 mismatch"):
        load_pu(tmp_path, **ok)
    (tmp_path / "MD5SUMS").unlink()
    sio.savemat(f, {"other": np.ones(5)})
    with pytest.raises(
        DataError, match=r"N15_M07_F10_KA03_2\.mat: no struct 'N15_M07_F10_KA03_2' \(present: other"
    ):
        load_pu(tmp_path, **ok)
    y = np.zeros((1, 1), dtype=[("Name", "O"), ("Data", "O")])
    y[0, 0]["Name"], y[0, 0]["Data"] = "phase_current_1", np.ones((1, 100))
    sio.savemat(f, {f.stem: {"Y": y}})
    with pytest.raises(
        DataError, match=r"no channel 'vibration_1' in N15_M07_F10_KA03_2\.Y \(present: phase_current_1"
    ):
        load_pu(tmp_path, **ok)
    write_pu_file(f)
    write_pu_file(tmp_path / "KA03" / "N15_M07_F10_KA02_1.mat")
    with pytest.raises(
        DataError, match=r"N15_M07_F10_KA02_1\.mat: bearing 'KA02' is not in the publisher's table"
    ):
        load_pu(tmp_path, **ok)


def test_fetch_pu_without_and_with_rarfile(tmp_path, monkeypatch):
    calls = []

    def urlopen(url, timeout):
        calls.append(url)
        return _Resp(b"Rar!\x1a\x07\x00" + bytes(20))

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setitem(sys.modules, "rarfile", None)  # not installed
    root = tmp_path / "pu"
    with pytest.raises(
        DataError, match=r"downloaded 2 PU archive\(s\) to .*\(K001\.rar, KI04\.rar\).*unrar x"
    ):
        fetch_pu(root, bearings=["K001", "KI04"], progress=False)
    assert calls == [pu.PU_URL.format(code="K001"), pu.PU_URL.format(code="KI04")]
    assert sorted(p.name for p in root.iterdir()) == ["K001.rar", "KI04.rar"]

    class FakeRar:  # stands in for rarfile.RarFile: "unpacks" a bearing folder
        def __init__(self, path):
            self.code = path.rsplit("/", 1)[1][:-4]

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def namelist(self):
            return [f"{self.code}/N15_M07_F10_{self.code}_1.mat"]

        def extractall(self, dest):
            write_pu_file(tmp_path / "pu" / self.code / f"N15_M07_F10_{self.code}_1.mat")

    monkeypatch.setitem(sys.modules, "rarfile", types.SimpleNamespace(RarFile=FakeRar))
    assert fetch_pu(root, bearings=["K001", "KI04"], progress=False) == root
    assert len(calls) == 2  # the archives were already there: unpacked, not downloaded again
    assert sorted(p.name for p in root.iterdir()) == ["K001", "KI04"]
    assert [r.label for r in load_pu(root, settings=["N15_M07_F10"])] == ["healthy", "inner"]
    with pytest.raises(ConfigError, match="PU bearings must be among"):
        fetch_pu(root, bearings=["XX01"], progress=False)


# ---------------------------------------------------------------- every loader's shared fault map


def test_simulator_sets_the_shared_fault_map():
    recs = make_bearing_signals(classes="4class", n_recordings_per_class=1, duration_s=1.0)
    assert [(r.label, r.meta["fault"]) for r in recs] == [
        ("normal", "normal"),
        ("ball", "ball"),
        ("inner", "inner"),
        ("outer", "outer"),
    ]
    assert recs[0].meta["fault_size"] is None and recs[1].meta["fault_size"] == 0.007
    ten = make_bearing_signals(classes=["IR021"], n_recordings_per_class=1, duration_s=1.0)
    assert ten[0].meta["fault"] == "inner" and ten[0].meta["fault_size"] == 0.021


@pytest.mark.data
def test_real_uestc():
    root = data_root() / "uestc"
    if not (root / "MD5SUMS").is_file():
        pytest.skip(f"real UESTC data not found at {root} (set DEEPSHRINK_DATA to the folder holding uestc/)")
    recs = load_uestc(root, speeds=(800, 1400))
    assert sorted((r.label, r.condition) for r in recs) == sorted(
        (c, f"{s}rpm") for c in ("N", "B", "I", "O") for s in (800, 1400)
    )
    assert {r.label: r.meta["fault"] for r in recs} == {
        "N": "normal",
        "B": "ball",
        "I": "inner",
        "O": "outer",
    }
    assert all(r.sample_rate == 20000.0 and r.n_samples == 2 * 262144 for r in recs)


@pytest.mark.parametrize("bad", ["fast", float("nan"), 0, -12000.0, True])
@pytest.mark.parametrize("name", ["mfpt", "pu", "cwru", "uestc"])
def test_a_bad_target_rate_is_one_config_error(name, bad, tmp_path):
    # one rule for every loader (data.recording.check_rate): text and NaN used to escape as a ValueError or
    # pass the check
    load = {"mfpt": load_mfpt, "pu": load_pu, "cwru": load_cwru, "uestc": load_uestc}[name]
    root = tmp_path
    if name in ("cwru", "uestc"):  # their folders are read before the options are checked
        root = data_root() / name
        if not root.is_dir():
            pytest.skip(f"real {name} data not found at {root}")
    with pytest.raises(ConfigError, match="target_rate must be a positive number of Hz"):
        load(root, target_rate=bad)


def test_mfpt_numbers_stored_as_text_are_read(tmp_path):
    """The MathWorks repackaging of MFPT stores `load` (and sometimes `sr`, `rate`) as text."""
    path = tmp_path / "1 - Three Baseline Conditions" / "baseline_1.mat"
    path.parent.mkdir(parents=True)
    gs = RNG.standard_normal((97656, 1))
    sio.savemat(path, {"bearing": {"gs": gs, "sr": "97656", "load": "270", "rate": np.array([[25]])}})
    recs = load_mfpt(tmp_path)
    assert len(recs) == 1 and recs[0].meta["load_lbs"] == 270.0
    sio.savemat(path, {"bearing": {"gs": gs, "sr": np.array([[97656]]), "load": "heavy", "rate": 25}})
    with pytest.raises(DataError, match=r"bearing\.load is text that is not a number"):
        load_mfpt(tmp_path)
