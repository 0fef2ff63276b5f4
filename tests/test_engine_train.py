"""Training engine: fit on tiny in-memory data, artifacts, exact resume, DDP on 2 CPU processes, eval."""

import csv
from types import SimpleNamespace

import lightning as L
import numpy as np
import pytest
import torch

from deepshrink.engine import TrainConfig, evaluate_snr_grid, load_model, train
from deepshrink.errors import ConfigError
from deepshrink.tasks import SignalDataModule, TensorBatches

WINDOW = 256


def _split(n, seed):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 3, n)
    t = np.arange(WINDOW)
    x = np.sin(2 * np.pi * (y[:, None] + 1) * t / 32.0)[:, None, :] + 0.3 * rng.standard_normal(
        (n, 1, WINDOW)
    )
    return SimpleNamespace(x=x.astype(np.float32), y=y.astype(np.int64))


def tiny_dataset():
    return SimpleNamespace(
        train=_split(96, 0),
        val=_split(32, 1),
        test=_split(48, 2),
        classes=["a", "b", "c"],
        sample_rate=1000.0,
        window=WINDOW,
    )


def _cfg(out, **kw):
    base = dict(
        model="drsn_cw_paper",
        recipe="paper",  # these tests were written for the paper's SGD schedule (lr 0.1, x0.1 steps)
        noise="none",
        normalize="none",
        epochs=4,
        batch_size=16,
        window=WINDOW,
        out=str(out),
    )
    base.update(kw)
    return TrainConfig(**base)


class _Crash(L.Callback):
    def on_train_epoch_start(self, trainer, pl_module):
        if trainer.current_epoch == 2:
            raise RuntimeError("simulated crash")


def test_train_writes_run_dir(tmp_path):
    res = train(_cfg(tmp_path / "run", epochs=2), dataset=tiny_dataset())
    run = res.run_dir
    for name in (
        "config.yaml",
        "metrics.csv",
        "model.safetensors",
        "model.json",
        "checkpoints/last.ckpt",
        "checkpoints/best.ckpt",
    ):
        assert (run / name).is_file(), name
    rows = list(csv.DictReader((run / "metrics.csv").open()))
    assert [int(r["epoch"]) for r in rows] == [1, 2]
    assert {"train_loss", "train_acc", "val_loss", "val_acc", "lr", "time"} <= set(rows[0])
    assert float(rows[0]["lr"]) == pytest.approx(0.1)
    assert res.metrics["test_acc"] > 60 and res.metrics["epochs_trained"] == 2
    _, meta = load_model(run)
    assert meta["classes"] == ["a", "b", "c"] and meta["window"] == WINDOW
    assert meta["metrics"]["test_acc"] == pytest.approx(res.metrics["test_acc"])
    with pytest.raises(ConfigError, match="already holds a run"):
        train(_cfg(run, epochs=2), dataset=tiny_dataset())


def test_resume_equals_uninterrupted(tmp_path):
    # online noise with a per-example SNR range + z-score: the resumed run must redraw the very same noise
    kw = {"noise": "gaussian", "snr": (-2.0, 4.0), "normalize": "zscore", "epochs": 3}
    full = train(_cfg(tmp_path / "full", **kw), dataset=tiny_dataset())
    with pytest.raises(RuntimeError, match="simulated crash"):
        train(_cfg(tmp_path / "part", **kw), dataset=tiny_dataset(), callbacks=[_Crash()])
    assert not (tmp_path / "part" / "model.safetensors").exists()
    resumed = train(_cfg(tmp_path / "part", **kw), dataset=tiny_dataset(), resume=True)
    a, b = full.model.state_dict(), resumed.model.state_dict()
    for k in a:
        torch.testing.assert_close(a[k], b[k], rtol=1e-5, atol=1e-6)
    assert resumed.metrics["val_loss"] == pytest.approx(full.metrics["val_loss"], rel=1e-5)
    rows_full = list(csv.DictReader((tmp_path / "full" / "metrics.csv").open()))
    rows_part = list(csv.DictReader((tmp_path / "part" / "metrics.csv").open()))
    assert [r["val_loss"] for r in rows_full] == [r["val_loss"] for r in rows_part]
    with pytest.raises(ConfigError, match="differ"):
        train(_cfg(tmp_path / "part", lr=0.01, **kw), dataset=tiny_dataset(), resume=True)


# slow (18 s: two processes on a 2-core machine)
@pytest.mark.slow
def test_ddp_two_cpu_processes(tmp_path):
    res = train(
        _cfg(tmp_path / "ddp", accelerator="cpu", devices=2, strategy="ddp_spawn", epochs=2),
        dataset=tiny_dataset(),
    )
    rows = list(csv.DictReader((res.run_dir / "metrics.csv").open()))
    assert len(rows) == 2 and res.metrics["epochs_trained"] == 2
    model, _ = load_model(res.run_dir)
    for k, v in model.state_dict().items():  # the main process got the trained weights back
        assert torch.equal(v, res.model.state_dict()[k])
    assert res.metrics["test_acc"] > 50


def test_batches_shard_and_reshuffle():
    x, y = torch.arange(10.0).reshape(10, 1, 1), torch.arange(10)
    epoch = {"e": 0}
    shards = [
        TensorBatches(
            x,
            y,
            batch_size=3,
            shuffle=True,
            seed=1,
            epoch_fn=lambda: epoch["e"],
            rank=r,
            world_size=2,
            equal_shards=True,
        )
        for r in (0, 1)
    ]
    idx = [torch.cat([b[2] for b in s]) for s in shards]
    assert len(shards[0]) == len(shards[1]) == 2 and len(idx[0]) == len(idx[1]) == 5
    assert not set(idx[0].tolist()) & set(idx[1].tolist())
    first = idx[0].clone()
    assert torch.equal(torch.cat([b[2] for b in shards[0]]), first)  # same epoch, same order
    epoch["e"] = 1
    assert not torch.equal(torch.cat([b[2] for b in shards[0]]), first)


def test_precision_refused_on_cpu(tmp_path):
    with pytest.raises(ConfigError, match="needs a GPU"):
        train(_cfg(tmp_path / "r", precision="16-mixed", accelerator="cpu"), dataset=tiny_dataset())


def test_bad_strategy_is_config_error(tmp_path):
    with pytest.raises(ConfigError, match="strategy"):
        train(_cfg(tmp_path / "r", strategy="nonsense"), dataset=tiny_dataset())


def test_evaluate_clean_grid_matches_model():
    torch.manual_seed(0)
    from deepshrink.models import create_model

    model = create_model("drsn_cs_paper", in_channels=1, num_classes=3).eval()
    ds = tiny_dataset()
    recs = evaluate_snr_grid(model, ds, noise_kinds=(), snrs=(), batch_size=7, num_classes=3)
    assert len(recs) == 1 and recs[0]["noise"] == "none" and recs[0]["n"] == 48
    with torch.no_grad():
        pred = model(torch.from_numpy(ds.test.x)).argmax(1).numpy()
    assert recs[0]["accuracy"] == pytest.approx(100 * np.mean(pred == ds.test.y))
    assert np.asarray(recs[0]["confusion"]).sum() == 48


def test_evaluate_noise_independent_of_batch_size():
    from deepshrink.models import create_model

    torch.manual_seed(0)
    model = create_model("drsn_cs_paper", in_channels=1, num_classes=3).eval()
    kw = dict(noise_kinds=["gaussian"], snrs=[-5.0, 5.0], seed=3, num_classes=3, thresholds=True)
    a = evaluate_snr_grid(model, tiny_dataset(), batch_size=5, **kw)
    b = evaluate_snr_grid(model, tiny_dataset(), batch_size=1000, **kw)
    assert [r["accuracy"] for r in a] == [r["accuracy"] for r in b]
    assert [(r["noise"], r["snr_db"]) for r in a] == [("none", None), ("gaussian", -5.0), ("gaussian", 5.0)]
    assert a[1]["thresholds"] and all(v >= 0 for v in a[1]["thresholds"].values())


def test_fixed_noise_mode_keeps_the_same_noise():
    dm = SignalDataModule(tiny_dataset(), batch_size=8, noise="gaussian", snr=0.0, noise_mode="fixed", seed=1)
    dm.setup("fit")
    dm2 = SignalDataModule(
        tiny_dataset(), batch_size=8, noise="gaussian", snr=0.0, noise_mode="fixed", seed=1
    )
    dm2.setup("fit")
    assert torch.equal(dm.tensors["train"][0], dm2.tensors["train"][0])
    assert not torch.equal(dm.tensors["train"][0], torch.from_numpy(tiny_dataset().train.x))


def test_adamw_with_early_stopping(tmp_path):
    cfg = _cfg(
        tmp_path / "r", recipe="adamw", lr=3e-3, epochs=8, patience=1, monitor="val_acc", gradient_clip=1.0
    )
    res = train(cfg, dataset=tiny_dataset())
    rows = list(csv.DictReader((res.run_dir / "metrics.csv").open()))
    assert res.metrics["epochs_trained"] == len(rows) < 8  # stopped early once val_acc stopped improving
    lrs = [float(r["lr"]) for r in rows]
    assert lrs[0] < lrs[1]  # the linear warmup of the first steps
