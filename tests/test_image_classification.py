"""2-D classification (issue 27, item 4): image data sets as classifier splits, trained, evaluated and
benchmarked like signal windows; mistakes that only images can make are one clear line."""

import json

import numpy as np
import pytest

from deepshrink.cli.main import main
from deepshrink.data.split.image_splits import image_spec, image_splits
from deepshrink.engine import TrainConfig, evaluate_snr_grid, train
from deepshrink.errors import ConfigError, DataError


def test_digits_are_split_per_class_without_overlap_and_reproducibly():
    ds = image_splits("digits", split=(0.7, 0.15, 0.15), random_state=3)
    sizes = [len(ds.train), len(ds.val), len(ds.test)]
    assert sum(sizes) == 1797 and ds.classes == [str(d) for d in range(10)]
    assert ds.train.x.shape[1:] == (1, 8, 8) and ds.window == 8 and not ds.sample_rate
    ids = [set(s.start.tolist()) for s in (ds.train, ds.val, ds.test)]
    assert not (ids[0] & ids[1] or ids[0] & ids[2] or ids[1] & ids[2])  # no image in two splits
    per_class = sum(np.bincount(s.y, minlength=10) for s in (ds.train, ds.val, ds.test))
    for s, share in ((ds.train, 0.7), (ds.val, 0.15), (ds.test, 0.15)):  # every class keeps its share
        assert np.all(np.abs(np.bincount(s.y, minlength=10) / per_class - share) < 0.01)
    again = image_splits("digits", split=(0.7, 0.15, 0.15), random_state=3)
    assert np.array_equal(again.test.start, ds.test.start)
    assert not np.array_equal(image_splits("digits", random_state=4).test.start, ds.test.start)


def test_class_selection_and_a_stratified_training_subset():
    ds = image_splits("digits", classes=["3", "8"], train_size=100)
    assert ds.classes == ["3", "8"] and set(ds.test.y.tolist()) == {0, 1}
    assert len(ds.train) == 100 and abs(int((ds.train.y == 0).sum()) - 50) <= 2
    with pytest.raises(ConfigError, match=r"classes \['x'\] are not in digits"):
        image_splits("digits", classes=["x"])
    assert image_spec("mnist:/somewhere") == ("mnist", "/somewhere") and image_spec("cwru") is None


def test_mnist_keeps_its_official_test_set(mnist_root):
    ds = image_splits(f"mnist:{mnist_root}", train_size=600)
    assert len(ds.test) == 10_000 and set(ds.test.recording.tolist()) == {1}
    assert len(ds.train) == 600 and ds.train.x.shape[1:] == (1, 28, 28)
    # the official training set in the ratio 70 : 15, per class (one rounding per class)
    assert abs(len(ds.val) - 60_000 * 0.15 / 0.85) <= 10


def _cfg(**kw):
    base = dict(
        data="digits", model="resnet_2d_s", noise="gaussian", snr=(0.0, 10.0), epochs=2, batch_size=64
    )
    base.update(kw)
    return TrainConfig(**base)


def test_a_2d_network_trains_and_evaluates_on_noisy_images_reproducibly():
    a = train(_cfg(eval_snr=[0.0, 10.0]))
    b = train(_cfg(eval_snr=[0.0, 10.0]))
    assert [r["accuracy"] for r in a.records] == [r["accuracy"] for r in b.records]
    clean, _, high = a.records
    assert clean["noise"] == "none" and high["accuracy"] > 30  # 10 classes: chance is 10 %
    assert a.meta["window"] == 8 and a.meta["sample_rate"] is None
    again = evaluate_snr_grid(a.model, a.dataset, snrs=[0.0, 10.0], seed=1234, normalize="zscore")
    assert [r["accuracy"] for r in again] == [r["accuracy"] for r in a.records]


@pytest.mark.parametrize(
    ("kw", "match"),
    [
        ({"model": "drsn_cw_paper"}, "takes 1-D windows, but the data gives images"),
        ({"window": 28}, "window does not apply to image data"),
        ({"scenario": "cross-condition"}, "image data has the within scenario only"),
        ({"noise": "recorded:x.wav"}, "no such file|these windows have none"),
    ],
)
def test_what_does_not_apply_to_images_is_refused(kw, match, tmp_path):
    if "noise" in kw:  # an existing file, so that the check reaches the data's (missing) rate
        np.save(tmp_path / "x.npy", np.ones(100, np.float32))
        kw = {"noise": f"recorded:{tmp_path / 'x.npy'}@1000"}
    with pytest.raises((ConfigError, DataError), match=match):
        train(_cfg(epochs=1, **kw))


def test_command_line_trains_benchmarks_and_refuses_predict_on_images(tmp_path, capsys):
    run = str(tmp_path / "run")
    args = ["--data", "digits", "--model", "drsn_cw_2d_s", "--epochs", "1", "--snr", "5"]
    assert main(["train", *args, "--eval-snr", "5", "--out", run, "-q"]) == 0
    assert json.loads((tmp_path / "run" / "model.json").read_text())["window"] == 8
    np.save(tmp_path / "img.npy", np.zeros((2, 8, 8), np.float32))
    capsys.readouterr()
    assert main(["predict", "--run", run, str(tmp_path / "img.npy")]) == 2
    assert "an image classifier" in capsys.readouterr().err
    bench = ["benchmark", "--data", "digits", "--models", "resnet_2d_s,drsn_cw_2d_s", "--noises", "gaussian"]
    bench += [
        "--snrs",
        "0,5",
        "--seeds",
        "0",
        "--epochs",
        "1",
        "--workers",
        "1",
        "--out",
        str(tmp_path / "b"),
    ]
    assert main(bench) == 0
    results = json.loads((tmp_path / "b" / "results.json").read_text())
    assert {r["model"] for r in results["records"]} >= {"resnet_2d_s", "drsn_cw_2d_s"}
    assert any(r.get("thresholds") for r in results["records"] if r["model"] == "drsn_cw_2d_s")


def test_datasets_previews_an_image_split(capsys):
    assert main(["datasets", "digits", "--data-arg", "train_size=200"]) == 0
    out = capsys.readouterr().out
    assert "1x8x8 images per class and split" in out and "│ total │ 200" in out
    assert main(["datasets"]) == 0
    assert "(images) --data mnist[:PATH]" in capsys.readouterr().out
