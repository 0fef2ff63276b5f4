"""Run-directory artifacts: atomic writes, safetensors + JSON model files, safe loading."""

import json

import pytest
import torch

from deepshrink.engine.core import artifacts
from deepshrink.engine.core.artifacts import (
    atomic_write,
    atomic_write_text,
    load_model,
    prepare_run_dir,
    save_model,
)
from deepshrink.errors import ConfigError, DataError
from deepshrink.models import create_model

META = {
    "model": "drsn_cs_paper",
    "model_kwargs": {"in_channels": 1, "num_classes": 3},
    "classes": ["a", "b", "c"],
    "window": 256,
    "sample_rate": 1000.0,
    "normalize": "none",
}


def _saved_model(run):
    torch.manual_seed(0)
    model = create_model("drsn_cs_paper", in_channels=1, num_classes=3)
    model.train()
    with torch.no_grad():
        model(torch.randn(8, 1, 256))  # non-trivial BN running statistics
    save_model(run, model.eval(), META)
    return model


def test_atomic_write_crash_keeps_old_file(tmp_path):
    target = tmp_path / "f.txt"
    atomic_write_text(target, "old")

    def crash(tmp):
        with open(tmp, "w") as fh:
            fh.write("half-writ")
        raise OSError("disk full")

    with pytest.raises(OSError):
        atomic_write(target, crash)
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["f.txt"]  # no temp file left behind


def test_checkpoint_io_crash_mid_write_keeps_previous(tmp_path, monkeypatch):
    from deepshrink.engine.core.fit import AtomicCheckpointIO

    io = AtomicCheckpointIO()
    path = tmp_path / "checkpoints" / "last.ckpt"
    io.save_checkpoint({"epoch": 1, "w": torch.ones(3)}, path)
    real_save = torch.save

    def dying_save(obj, f, *a, **k):
        real_save(obj, f, *a, **k)
        with open(f, "r+b") as fh:  # a truncated file, as when the process is killed mid-write
            fh.truncate(10)
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        io.save_checkpoint({"epoch": 2, "w": torch.zeros(3)}, path)
    monkeypatch.undo()
    ckpt = io.load_checkpoint(path)
    assert ckpt["epoch"] == 1 and torch.equal(ckpt["w"], torch.ones(3))
    assert sorted(p.name for p in path.parent.iterdir()) == ["last.ckpt"]


def test_save_load_round_trip_without_torch_load(tmp_path, monkeypatch):
    model = _saved_model(tmp_path)

    def forbidden(*a, **k):
        raise AssertionError("load_model must not unpickle anything")

    monkeypatch.setattr(torch, "load", forbidden)
    loaded, meta = load_model(tmp_path)
    assert meta["classes"] == ["a", "b", "c"] and not loaded.training
    x = torch.randn(4, 1, 256)
    with torch.no_grad():
        assert torch.equal(loaded(x), model(x))
    loaded2, _ = load_model(tmp_path / "model.json")
    for k, v in loaded2.state_dict().items():
        assert torch.equal(v, model.state_dict()[k])


def test_missing_and_corrupt_artifacts(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_model(tmp_path / "nope")
    with pytest.raises(DataError, match=r"model.json"):
        load_model(tmp_path)
    _saved_model(tmp_path)
    weights = tmp_path / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:100])
    with pytest.raises(DataError, match=r"model.safetensors"):
        load_model(tmp_path)
    weights.unlink()
    with pytest.raises(DataError, match="missing model weights"):
        load_model(tmp_path)
    (tmp_path / "model.json").write_text("{not json")
    with pytest.raises(DataError, match=r"model.json"):
        load_model(tmp_path)


def test_weights_of_another_model_refused(tmp_path):
    _saved_model(tmp_path)
    meta = json.loads((tmp_path / "model.json").read_text())
    meta["model"] = "drsn_cw_paper"
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="do not match"):
        load_model(tmp_path)
    meta["model"] = "no_such_model"
    (tmp_path / "model.json").write_text(json.dumps(meta))
    with pytest.raises(DataError, match="cannot rebuild"):
        load_model(tmp_path)


def test_nan_weights_refused(tmp_path):
    model = create_model("drsn_cs_paper", in_channels=1, num_classes=3)
    with torch.no_grad():
        model.fc.weight[0, 0] = float("nan")
    with pytest.raises(DataError, match="NaN"):
        save_model(tmp_path, model, META)
    assert not (tmp_path / "model.safetensors").exists()


def test_run_dir_guards(tmp_path):
    run = prepare_run_dir(tmp_path / "r")
    (run / "config.yaml").write_text("epochs: 1\n")
    with pytest.raises(ConfigError, match="already holds a run"):
        prepare_run_dir(run)
    with pytest.raises(DataError, match=r"last.ckpt"):
        prepare_run_dir(run, resume=True)
    (run / "checkpoints" / "last.ckpt").write_bytes(b"PK\x03\x04 truncated")
    with pytest.raises(DataError, match="corrupt checkpoint"):
        prepare_run_dir(run, resume=True)
    assert prepare_run_dir(run, overwrite=True) == run
    assert not (run / "checkpoints" / "last.ckpt").exists()


def test_artifacts_module_does_not_import_lightning():
    import subprocess
    import sys

    code = "import sys, deepshrink.engine.core.artifacts; assert 'lightning' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True)
    assert artifacts.MODEL_META == "model.json"
