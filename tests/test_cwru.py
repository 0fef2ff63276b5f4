"""CWRU loading on tiny look-alike files, downloads with a fake urlopen, and the real 0 HP 10-class task."""

from __future__ import annotations

import hashlib
import io
import urllib.error
import urllib.request

import numpy as np
import pytest
import scipy.io as sio

from deepshrink.data import cwru_file_info, cwru_tasks, fetch_cwru, load_cwru, make_windows
from deepshrink.data.sets import cwru
from deepshrink.errors import ConfigError, DataError

IDS_0HP = {
    "normal": 97,
    "IR007": 105,
    "B007": 118,
    "OR007": 130,
    "IR014": 169,
    "B014": 185,
    "OR014": 197,
    "IR021": 209,
    "B021": 222,
    "OR021": 234,
}


def write_cwru(
    root, cid: int, n: int, *, fname: str | None = None, stray: int | None = None, ba: bool = True
):
    rng = np.random.default_rng(cid)
    d = {
        f"X{cid:03d}_DE_time": rng.standard_normal((n, 1)),
        f"X{cid:03d}_FE_time": rng.standard_normal((n, 1)),
    }
    if ba:
        d[f"X{cid:03d}_BA_time"] = rng.standard_normal((n, 1))
    d[f"X{cid:03d}RPM"] = np.array([[1790.0 + cid % 7]])
    if stray is not None:
        d[f"X{stray:03d}_DE_time"] = np.full((n, 1), 99.0)
    path = root / (fname or f"{cid}.mat")
    sio.savemat(path, d)
    return path


@pytest.fixture
def tiny_cwru(tmp_path):
    for label, cid in IDS_0HP.items():
        if label == "normal":
            write_cwru(tmp_path, cid, 16000, fname="normal_0_97.mat", ba=False)
        else:
            write_cwru(tmp_path, cid, 4000 + cid, fname=f"12k_Drive_End_{label}_0_{cid}.mat")
    return tmp_path


def test_table_follows_cwru_numbering():
    assert cwru_file_info(97)["label10"] == "normal" and cwru_file_info(97)["native_rate"] == 48000.0
    assert cwru_file_info(100)["load_hp"] == 3
    info = cwru_file_info(132)
    assert (info["label10"], info["fault"], info["diameter"], info["load_hp"], info["native_rate"]) == (
        "OR007",
        "OR",
        0.007,
        2,
        12000.0,
    )
    assert cwru_file_info(212)["label10"] == "IR021" and cwru_file_info(188)["label10"] == "B014"
    with pytest.raises(DataError, match="CWRU file 150: unknown number"):
        cwru_file_info(150)
    tasks = cwru_tasks()
    assert tasks["10class"]["classes"] == sorted(IDS_0HP)
    assert tasks["10class"]["ids"][0] == sorted(IDS_0HP.values())
    assert tasks["4class"]["classes"] == ["B", "IR", "OR", "normal"]


def test_load_tiny_10class(tiny_cwru):
    recs = load_cwru(tiny_cwru)
    assert [r.label for r in recs] == [k for k, _ in sorted(IDS_0HP.items(), key=lambda kv: kv[1])]
    assert all(r.sample_rate == 12000.0 and r.signal.dtype == np.float32 for r in recs)
    normal = recs[0]
    assert normal.n_samples == 4000 and normal.meta["native_rate"] == 48000.0  # 16000 / 4
    b007 = next(r for r in recs if r.label == "B007")
    assert b007.n_samples == 4118 and b007.name == "cwru118" and b007.group == "cwru118"
    assert b007.meta["cwru_id"] == 118 and b007.meta["load_hp"] == 0 and b007.meta["rpm"] == 1790.0 + 118 % 7
    # meta["fault"] follows the shared label map (was CWRU's "B"; that code moved to meta["fault_code"])
    assert (
        b007.meta["fault"] == "ball"
        and b007.meta["fault_code"] == "B"
        and b007.meta["diameter"] == 0.007
        and b007.meta["path"].endswith("_118.mat")
    )
    raw = sio.loadmat(tiny_cwru / "12k_Drive_End_B007_0_118.mat")["X118_DE_time"][:, 0]
    np.testing.assert_allclose(b007.signal[0], raw, rtol=1e-6)
    b007.signal[0, 0] = 1e9  # returned arrays are copies: the cache stays clean
    assert load_cwru(tiny_cwru)[2].signal[0, 0] != 1e9


def test_4class_channels_and_ids(tiny_cwru):
    recs = load_cwru(tiny_cwru, task="4class")
    assert sorted({r.label for r in recs}) == ["B", "IR", "OR", "normal"]
    two = load_cwru(tiny_cwru, channel=("DE", "FE"), ids=[118, 105])
    assert [r.channels for r in two] == [2, 2] and [r.label for r in two] == ["B007", "IR007"]
    with pytest.raises(DataError, match=r"normal_0_97\.mat: no variable 'X097_BA_time'"):
        load_cwru(tiny_cwru, channel="BA")
    with pytest.raises(ConfigError, match="CWRU channel must be"):
        load_cwru(tiny_cwru, channel="XX")
    with pytest.raises(ConfigError, match="unknown CWRU task"):
        load_cwru(tiny_cwru, task="12class")
    with pytest.raises(ConfigError, match="loads must be"):
        load_cwru(tiny_cwru, loads=(4,))


def test_selects_by_own_number_despite_stray_variables(tmp_path):
    write_cwru(tmp_path, 174 - 2, 3000, stray=171)  # 172.mat also holding X171_DE_time
    (rec,) = load_cwru(tmp_path, ids=[172])
    assert rec.label == "IR014" and rec.meta["load_hp"] == 3 and not np.any(rec.signal == 99.0)


def test_missing_unknown_and_duplicate_files(tiny_cwru, tmp_path):
    with pytest.raises(DataError, match=r"missing CWRU file\(s\) 98 \(normal 1 HP\).*fetch_cwru"):
        load_cwru(tiny_cwru, loads=(0, 1))
    with pytest.raises(DataError, match="CWRU file 999: unknown number"):
        load_cwru(tiny_cwru, ids=[999])
    with pytest.raises(DataError, match="CWRU folder not found"):
        load_cwru(tmp_path / "nowhere")
    write_cwru(tiny_cwru, 118, 100)  # 118.mat beside 12k_Drive_End_B007_0_118.mat
    with pytest.raises(DataError, match="two files for CWRU number 118"):
        load_cwru(tiny_cwru)


def test_md5_checked_against_manifest_and_md5sums(tiny_cwru):
    name = "12k_Drive_End_B007_0_118.mat"
    good = hashlib.md5((tiny_cwru / name).read_bytes()).hexdigest()
    (tiny_cwru / "MD5SUMS").write_text(f"{good}  {name}\n")
    assert len(load_cwru(tiny_cwru)) == 10
    (tiny_cwru / "MANIFEST.csv").write_text(f"dataset,file,md5\nCWRU,{name},{'f' * 32}\n")
    with pytest.raises(DataError, match=rf"{name}: md5 mismatch \(expected f{{32}}, got {good}\)"):
        load_cwru(tiny_cwru)
    assert len(load_cwru(tiny_cwru, verify_md5=False)) == 10


def test_truncated_file_is_a_data_error(tiny_cwru):
    p = tiny_cwru / "12k_Drive_End_IR021_0_209.mat"
    p.write_bytes(p.read_bytes()[:5000])
    with pytest.raises(DataError, match=r"_209\.mat: corrupt or truncated"):
        load_cwru(tiny_cwru)


class _Resp(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


def test_fetch_cwru_with_fake_network(tmp_path, monkeypatch):
    seen = []
    fake = {}
    for cid in (118, 97):
        buf = io.BytesIO()
        sio.savemat(
            buf, {f"X{cid:03d}_DE_time": np.ones((4000, 1)), f"X{cid:03d}_FE_time": np.ones((4000, 1))}
        )
        fake[cid] = buf.getvalue()

    def urlopen(url, timeout):
        seen.append(url)
        return _Resp(fake[int(url.rsplit("/", 1)[1].split(".")[0])])

    monkeypatch.setattr(urllib.request, "urlopen", urlopen)
    monkeypatch.setitem(cwru._KNOWN_MD5, 118, hashlib.md5(fake[118]).hexdigest())
    monkeypatch.setitem(cwru._KNOWN_MD5, 97, hashlib.md5(fake[97]).hexdigest())
    root = fetch_cwru(tmp_path / "cwru", ids=[118, 97], progress=False)
    assert seen == [cwru.CWRU_URL.format(id=118), cwru.CWRU_URL.format(id=97)]
    assert sorted(p.name for p in root.iterdir()) == ["118.mat", "97.mat"]
    assert [r.label for r in load_cwru(root, ids=[97, 118])] == ["normal", "B007"]
    fetch_cwru(root, ids=[118], progress=False)  # already there: nothing downloaded
    assert len(seen) == 2

    monkeypatch.setitem(cwru._KNOWN_MD5, 105, "0" * 32)
    fake[105] = fake[118]
    with pytest.raises(DataError, match=r"105\.mat: md5 mismatch"):
        fetch_cwru(root, ids=[105], progress=False)
    assert not (root / "105.mat").exists()

    def offline(url, timeout):
        raise urllib.error.URLError("Name or service not known")

    monkeypatch.setattr(urllib.request, "urlopen", offline)
    with pytest.raises(DataError, match=r"could not download .*106\.mat \(Name or service not known\)"):
        fetch_cwru(root, ids=[106], progress=False)
    with pytest.raises(DataError, match="unknown number"):
        fetch_cwru(root, ids=[5], progress=False)
    assert sorted(p.name for p in root.iterdir()) == ["118.mat", "97.mat"]


@pytest.mark.data
def test_real_cwru_10class_0hp(cwru_root):
    import time

    recs = load_cwru(cwru_root)
    assert sorted(r.label for r in recs) == sorted(IDS_0HP)
    assert all(r.sample_rate == 12000.0 and r.channels == 1 for r in recs)
    lengths = {r.label: r.n_samples for r in recs}
    assert lengths["normal"] == -(-243938 // 4) == 60985  # 48 kHz baseline resampled 1:4
    assert lengths["B007"] == 122571 and lengths["IR007"] == 121265 and lengths["OR021"] == 122426
    assert all(r.meta["rpm"] in (1796.0, 1797.0) for r in recs)
    t0 = time.perf_counter()
    ds = make_windows(recs, window=2048, stride=2048)
    assert time.perf_counter() - t0 < 2.0

    # expected counts from the segment lengths: floor(0.7 n), floor(0.85 n) boundaries
    def expected(n):
        b1, b2 = int(n * 0.7), int(n * 0.85)
        return b1 // 2048, (b2 - b1) // 2048, (n - b2) // 2048

    counts = ds.counts()
    for label, n in lengths.items():
        assert (counts["train"][label], counts["val"][label], counts["test"][label]) == expected(n)
    assert counts["train"]["normal"] == 20 and counts["train"]["B007"] == 41
    assert (len(ds.train), len(ds.val), len(ds.test)) == (389, 76, 76)
    # no test window shares a sample with a training window of the same recording
    for r in range(len(recs)):
        tr_end = ds.train.start[ds.train.recording == r].max() + 2048
        assert ds.test.start[ds.test.recording == r].min() >= tr_end
        assert ds.val.start[ds.val.recording == r].min() >= tr_end


def test_conditions_shared_fault_names_and_sizes(tiny_cwru):
    recs = {r.label: r for r in load_cwru(tiny_cwru)}
    assert {r.condition for r in recs.values()} == {"0HP"}
    faults = {lab: recs[lab].meta["fault"] for lab in ("normal", "B014", "IR021", "OR007")}
    assert faults == {"normal": "normal", "B014": "ball", "IR021": "inner", "OR007": "outer"}
    assert recs["normal"].meta["fault_size"] is None and recs["IR021"].meta["fault_size"] == 0.021
    assert all(r.group == r.name for r in recs.values())  # one group per recording (bearings unpublished)
    assert {r.label for r in load_cwru(tiny_cwru, task="4class")} == {"normal", "B", "IR", "OR"}
    # single values as `--data-arg loads=0 ids=118` gives them
    assert len(load_cwru(tiny_cwru, loads=0)) == 10 and len(load_cwru(tiny_cwru, ids=118)) == 1
    with pytest.raises(ConfigError, match="CWRU loads must be"):
        load_cwru(tiny_cwru, loads="heavy")


def test_folder_found_by_the_locate_rule(tiny_cwru, tmp_path, monkeypatch):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "cwru").symlink_to(tiny_cwru, target_is_directory=True)
    monkeypatch.setenv("DEEPSHRINK_DATA", str(tmp_path / "data"))
    monkeypatch.setenv("DEEPSHRINK_CACHE", str(tmp_path / "cache"))
    assert len(load_cwru()) == 10
    monkeypatch.setenv("DEEPSHRINK_DATA", str(tmp_path / "elsewhere"))
    with pytest.raises(DataError, match=r"no cwru data found: looked in .*elsewhere/cwru and .*fetch_cwru"):
        load_cwru()
    with pytest.raises(DataError, match=r"normal_0_97\.mat: is a file; cwru data is read from the folder"):
        load_cwru(tiny_cwru / "normal_0_97.mat")


@pytest.mark.data
def test_real_cwru_conditions_and_fault_map(cwru_root):
    recs = load_cwru(cwru_root, loads=(1,), ids=[119, 106, 131])
    assert [(r.label, r.condition, r.meta["fault"]) for r in recs] == [
        ("B007", "1HP", "ball"),
        ("IR007", "1HP", "inner"),
        ("OR007", "1HP", "outer"),
    ]
