"""The config: typed declarations parsed by jsonargparse, YAML round trip, unknown keys, SNR syntax."""

import pytest
import torch
from torch import nn

from deepshrink.engine.core.config import DenoiseConfig, TrainConfig, load_config
from deepshrink.engine.core.option_types import Snr, SnrGrid
from deepshrink.engine.core.options import parse_config, save_config
from deepshrink.errors import ConfigError, DataError
from deepshrink.tasks.recipes import configure_optimization, paper_milestones, param_groups, warmup_cosine


def test_yaml_round_trip(tmp_path):
    cfg = parse_config(
        TrainConfig,
        dict(
            model="resnet_paper",
            snr="-5:5",
            split=[0.6, 0.2, 0.2],
            model_kwargs={"threshold": "firm"},
            epochs=7,
            batch_size=32,
            lr=0.05,
            devices="auto",
            classes="a,b",
            eval_snr="-10:0:5",
            out=str(tmp_path / "run"),
        ),
    )
    save_config(cfg, tmp_path / "config.yaml")
    path = tmp_path / "config.yaml"
    again = load_config(path)
    assert again == cfg
    assert again.snr == (-5.0, 5.0) and again.split == (0.6, 0.2, 0.2)
    assert again.classes == ["a", "b"] and again.eval_snr == [-10.0, -5.0, 0.0]
    save_config(again, tmp_path / "c2.yaml")
    assert load_config(tmp_path / "c2.yaml") == cfg


def test_yaml_snr_range_is_not_read_as_a_base_60_number(tmp_path):
    # plain YAML 1.1 reads -10:5 as -(10 * 60 + 5) = -605: the config dialect must not
    (tmp_path / "c.yaml").write_text("snr: -10:5\neval_snr: -10:5:5\n")
    cfg = load_config(tmp_path / "c.yaml")
    assert cfg.snr == (-10.0, 5.0) and cfg.eval_snr == [-10.0, -5.0, 0.0, 5.0]


def test_denoise_config_shares_the_run_options():
    cfg = parse_config(DenoiseConfig, {"level": "0:0.5", "epochs": 3, "max_minutes": 2})
    assert cfg.level == (0.0, 0.5) and cfg.epochs == 3 and cfg.lr == 2e-3 and cfg.recipe == "adamw"
    with pytest.raises(ConfigError, match="corruption"):
        parse_config(DenoiseConfig, {"corruption": "speckle"})


def test_overrides_win(tmp_path):
    (tmp_path / "c.yaml").write_text("epochs: 3\nsnr: 2\nrecipe: adamw\n")
    cfg = load_config(tmp_path / "c.yaml", epochs=5)
    assert cfg.epochs == 5 and cfg.snr == 2.0 and cfg.recipe == "adamw"


def test_unknown_key_named(tmp_path):
    (tmp_path / "c.yaml").write_text("epochs: 3\nbatchsize: 4\n")
    with pytest.raises(ConfigError, match=r"unknown key 'batchsize'.*batch_size"):
        load_config(tmp_path / "c.yaml")


@pytest.mark.parametrize("text", ["epochs: [1, 2\n", "- a\n- b\n"])
def test_bad_yaml_is_data_error(tmp_path, text):
    (tmp_path / "c.yaml").write_text(text)
    with pytest.raises(DataError, match=r"c.yaml"):
        load_config(tmp_path / "c.yaml")


def test_missing_config_file(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_config(tmp_path / "nope.yaml")


@pytest.mark.parametrize(
    "changes, key",
    [
        ({"epochs": 0}, "epochs"),
        ({"recipe": "rmsprop"}, "recipe"),
        ({"split": (0.5, 0.5)}, "split"),
        ({"lr": -1}, "lr"),
        ({"normalize": "l2"}, "normalize"),
        ({"snr": "5:-5"}, "SNR"),
        ({"snr": "abc"}, "SNR"),
        ({"precision": "8"}, "precision"),
        ({"window": "x"}, "window"),
    ],
)
def test_bad_values(changes, key):
    with pytest.raises(ConfigError, match=key):
        parse_config(TrainConfig, changes)


def test_parse_snr_and_grid():
    assert Snr.parse("0") == 0.0 and Snr.parse("-5:5") == (-5.0, 5.0) and Snr.parse(3) == 3.0
    assert SnrGrid.parse("-5:5") == [float(v) for v in range(-5, 6)]
    assert SnrGrid.parse("-4:4:2") == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert SnrGrid.parse("1,3") == [1.0, 3.0]
    for bad in ("a:b", "5:-5", "0:1:0", "nan", "0:1:2:3"):
        with pytest.raises(ValueError):
            SnrGrid.parse(bad)
        with pytest.raises(ConfigError, match="eval_snr"):
            parse_config(TrainConfig, {"eval_snr": bad})


def test_param_groups_no_decay_on_bn_and_bias():
    model = nn.Sequential(nn.Conv1d(1, 4, 3), nn.BatchNorm1d(4), nn.Flatten(), nn.Linear(8, 2))
    decay, no_decay = param_groups(model, 1e-4)
    assert decay["weight_decay"] == 1e-4 and no_decay["weight_decay"] == 0.0
    assert {id(p) for p in decay["params"]} == {id(model[0].weight), id(model[3].weight)}
    assert len(no_decay["params"]) == 4  # conv bias, BN weight + bias, linear bias


def test_paper_recipe_schedule():
    model = nn.Linear(3, 2)
    opt = configure_optimization(model, recipe="paper", epochs=100, steps_per_epoch=10)
    sgd, sched = opt["optimizer"], opt["lr_scheduler"]["scheduler"]
    assert isinstance(sgd, torch.optim.SGD) and sgd.defaults["momentum"] == 0.9
    assert paper_milestones(100) == [40, 80]
    lrs = []
    for _ in range(100):
        lrs.append(sgd.param_groups[0]["lr"])
        sgd.step()
        sched.step()
    assert lrs[0] == pytest.approx(0.1) and lrs[40] == pytest.approx(0.01) and lrs[80] == pytest.approx(0.001)
    assert lrs[39] == pytest.approx(0.1)


def test_adamw_warmup_cosine():
    assert warmup_cosine(0, total=100, warmup=10) == pytest.approx(0.1)
    assert warmup_cosine(10, total=100, warmup=10) == pytest.approx(1.0)
    assert warmup_cosine(100, total=100, warmup=10) == pytest.approx(0.0)
    opt = configure_optimization(
        nn.Linear(3, 2), recipe="adamw", epochs=4, steps_per_epoch=5, schedule="onecycle"
    )
    assert isinstance(opt["optimizer"], torch.optim.AdamW) and opt["lr_scheduler"]["interval"] == "step"
