"""The data-set registry (issue 24): one entry makes a data set loadable by name, listed by `deepshrink
datasets` and recognised in its folder."""

from __future__ import annotations

import numpy as np
import pytest

from deepshrink.cli.main import main
from deepshrink.data import load_recordings
from deepshrink.data.recording import Recording
from deepshrink.data.sets.registry import DATASETS, DataSet, dataset, of_kind

CALLS = []


def load_toy(root=None, *, loads=(0,)):
    """A stand-in loader: two recordings of two classes."""
    CALLS.append((root, tuple(loads)))
    rng = np.random.default_rng(0)
    return [
        Recording(rng.standard_normal((1, 8192)).astype(np.float32), 12000.0, label, f"toy-{label}")
        for label in ("normal", "fault")
    ]


def test_every_entry_resolves_to_its_loader_and_fetcher():
    for entry in DATASETS.values():
        assert callable(entry.loader_fn()), entry.name
        assert entry.fetcher is None or callable(entry.fetcher_fn()), entry.name
        assert entry.kind in ("signals", "images", "snapshots") and entry.description
    assert [d.name for d in of_kind("signals")] == ["simulator", "cwru", "uestc", "mfpt", "pu"]
    assert dataset("femto").kind == "snapshots" and dataset("nope") is None
    # the built-in sets are entries too: no folder, and the simulator gives the monitor's life as well
    assert [d.name for d in DATASETS.values() if d.builtin] == ["simulator", "digits"]
    assert dataset("simulator").sequence_fn().__name__ == "make_run_to_failure"
    assert dataset("femto").sequence_fn().__name__ == "load_femto_sequence"
    assert dataset("cwru").sequence_fn() is None and dataset("digits").splits is False


def test_a_new_data_set_is_one_registry_entry(monkeypatch, tmp_path, capsys):
    entry = DataSet("toy", "signals", f"{__name__}:load_toy", None, "*.toy", "a toy data set")
    monkeypatch.setitem(DATASETS, "toy", entry)
    (tmp_path / "a.toy").write_text("x")
    recs = load_recordings(f"toy:{tmp_path}", loads=[1, 2])
    assert [r.label for r in recs] == ["normal", "fault"] and CALLS[-1] == (str(tmp_path), (1, 2))
    with pytest.raises(ValueError, match="bad option"):
        load_recordings(f"toy:{tmp_path}", speed=3)  # the loader's own signature checks the options
    monkeypatch.setenv("DEEPSHRINK_DATA", str(tmp_path.parent))
    (tmp_path.parent / "toy").mkdir(exist_ok=True)
    (tmp_path.parent / "toy" / "b.toy").write_text("x")
    assert main(["datasets"]) == 0
    row = next(line for line in capsys.readouterr().out.splitlines() if " toy " in line)
    assert "--data toy[:PATH]" in row and "found (1 files)" in row


def test_the_readme_names_every_data_set():
    from conftest import REPO

    readme = (REPO / "README.md").read_text()
    for name in DATASETS:
        assert f"`{name}`" in readme or f"{name}:" in readme, name


def load_toy_life(root=None, *, bearing=None, channel=None, variable=None, sample_rate=None, interval_s=None):
    """A stand-in snapshot loader: a sequence of three snapshots of its own."""
    from deepshrink.data.recording import SnapshotSequence, file_snapshots

    CALLS.append((str(root), bearing))
    snaps = file_snapshots([(i, 10.0 * i, i) for i in range(3)], lambda i: lambda: np.full((1, 64), i, "f4"))
    return SnapshotSequence(name="toy-life", sample_rate=1000.0, snapshots=snaps, meta={})


def test_a_new_snapshot_data_set_is_one_registry_entry(monkeypatch, tmp_path):
    # the monitor's sequences dispatch through the registry: by name, and by recognising a folder
    from deepshrink.data.readers.sequence import load_sequence

    entry = DataSet("toylife", "snapshots", f"{__name__}:load_toy_life", None, "*.life", "a toy life")
    monkeypatch.setitem(DATASETS, "toylife", entry)
    assert load_sequence(f"toylife:{tmp_path}", bearing="b1").name == "toy-life"
    assert CALLS[-1] == (str(tmp_path), "b1")
    (tmp_path / "x.life").write_text("x")
    assert load_sequence(str(tmp_path)).name == "toy-life" and CALLS[-1] == (str(tmp_path), None)
    assert dataset("femto").recognises(tmp_path) is False  # FEMTO keeps its own recogniser


def test_fashion_mnist_is_registered_and_its_loader_reads_fashion(tmp_path, monkeypatch):
    # one reader for MNIST and Fashion-MNIST: the registry fixes the kind, so `--data fashion[:PATH]` reads
    # the fashion files (and fetches them) through the same entry point as mnist
    import gzip

    from deepshrink.data import dataset
    from deepshrink.data.sets import images as dimages

    entry = dataset("fashion")
    assert entry is not None and entry.kind == "images"
    for name in dimages.MNIST_FILES["fashion"]:
        arr = np.full((2, 28, 28) if "images" in name else (2,), 7, np.uint8)
        header = bytes([0, 0, 8, arr.ndim]) + b"".join(int(n).to_bytes(4, "big") for n in arr.shape)
        (tmp_path / name).write_bytes(gzip.compress(header + arr.tobytes()))
    x, y = entry.load(tmp_path, split="test", verify_md5=False)
    assert x.shape == (2, 1, 28, 28) and y.tolist() == [7, 7]
    assert entry.fetcher_fn().keywords == {"kind": "fashion"}
    from deepshrink.data.split.image_splits import image_spec

    assert image_spec(f"fashion:{tmp_path}") == ("fashion", str(tmp_path))


def load_builtin_toy(*, loads=(0,)):
    """A stand-in built-in loader: no folder."""
    return load_toy(None, loads=loads)


def test_a_built_in_set_is_one_entry_without_a_folder(monkeypatch, capsys, tmp_path):
    # the simulator and digits are entries like the others; a new built-in set needs nothing else
    entry = DataSet(
        "toyb", "signals", f"{__name__}:load_builtin_toy", None, "", "a built-in toy", builtin=True
    )
    monkeypatch.setitem(DATASETS, "toyb", entry)
    assert [r.label for r in load_recordings("toyb", loads=[3])] == ["normal", "fault"]
    assert CALLS[-1] == (None, (3,))
    with pytest.raises(ValueError, match="toyb is built in and takes no PATH"):
        load_recordings("toyb:/somewhere")
    assert entry.recognises("/") is False and entry.usage() == "--data toyb"
    # the monitor's built-in life takes no PATH either (it once reached the recordings loader)
    from deepshrink.data.readers.sequence import load_sequence

    with pytest.raises(ValueError, match="simulator is built in and takes no PATH"):
        load_sequence(f"simulator:{tmp_path}")
    assert main(["datasets"]) == 0
    rows = capsys.readouterr().out.splitlines()
    assert any(" toyb " in r and "built in" in r for r in rows)
    assert any(" digits " in r and "built in" in r for r in rows)
    assert any(" simulator " in r and "(monitor) --data simulator" in r for r in rows)
