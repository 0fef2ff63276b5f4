"""Option roles (issue 24): each option's role is declared once, with the option; the window-cache key, the
test-scenario options, the resumable options and the benchmark's cell and grid options are derived."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import pytest

from deepshrink.benchmark.config import CELL_FIELDS, GRID_FIELDS, BenchmarkConfig
from deepshrink.engine.classify.windowing import DATA_FIELDS, _key, _WindowCache, build_dataset
from deepshrink.engine.core.config import (
    RESUMABLE,
    SCENARIO_OPTIONS,
    TEST_SCENARIO_KEYS,
    DenoiseConfig,
    TrainConfig,
)
from deepshrink.engine.core.options import DATA, fields_with, option


def test_the_derived_lists_are_the_ones_the_code_relied_on():
    # the hand lists these replace (same members, so behaviour is unchanged)
    assert set(DATA_FIELDS) == {
        "data", "data_kwargs", "test_data", "test_data_kwargs", "labels", "classes", "target_rate", "window",
        "stride", "eval_stride", "split", "scenario", "fold", "train_conditions", "test_conditions",
        "test_groups", "split_seed",
    }  # fmt: skip
    assert set(TEST_SCENARIO_KEYS) == {
        "scenario", "fold", "test_conditions", "test_groups", "test_data", "test_data_kwargs"
    }  # fmt: skip
    assert set(RESUMABLE) == {"epochs", "out", "threads", "patience", "max_minutes"}
    assert set(CELL_FIELDS) == {
        "model",
        "noise",
        "snr",
        "noise_mode",
        "seed",
        "fold",
        "eval_noise",
        "eval_snr",
    }
    assert set(GRID_FIELDS) == {
        "models", "noises", "seeds", "folds", "out", "workers", "address", "threads_per_worker",
        "gpus_per_cell", "threads", "paper_curves",
    }  # fmt: skip
    assert SCENARIO_OPTIONS == {
        "train_conditions": ("cross-condition",),
        "test_conditions": ("cross-condition",),
        "test_groups": ("cross-group",),
        "fold": ("cross-condition", "cross-group"),
    }


def test_a_new_data_option_changes_the_window_cache_key():
    # one declaration makes an option part of the key: no hand list to forget, no stale windows reused
    @dataclass
    class WithBandpass(TrainConfig):
        bandpass_hz: float | None = option(None, DATA)
        """a hypothetical data option"""

    assert "bandpass_hz" in fields_with(WithBandpass, DATA)
    assert _key(WithBandpass(bandpass_hz=None)) != _key(WithBandpass(bandpass_hz=500.0))
    assert _key(WithBandpass(epochs=3)) == _key(WithBandpass(epochs=7))  # training options are not data


def test_the_window_cache_shares_one_setup_and_keeps_the_last_four():
    cfg = TrainConfig(data="simulator", data_kwargs={"n_recordings_per_class": 1, "duration_s": 3.0})
    ds = build_dataset(cfg)
    assert build_dataset(dataclasses.replace(cfg, epochs=7, lr=0.5)) is ds  # training options share it
    assert build_dataset(dataclasses.replace(cfg, window=512)) is not ds
    built = []
    cache = _WindowCache(size=2)
    for key in ("a", "b", "a", "c", "a", "b"):  # "b" is the least recently used when "c" comes
        cache.get(key, lambda key=key: built.append(key) or key)
    assert built == ["a", "b", "c", "b"]


def test_every_denoise_length_option_is_resumable_and_roles_are_checked():
    assert set(fields_with(DenoiseConfig, "length")) == {"epochs", "max_minutes", "patience"}
    with pytest.raises(ValueError, match="unknown option role"):
        option(None, "dta")
    # every benchmark option is either a training option or has a benchmark role: none is forgotten
    train = {f.name for f in dataclasses.fields(TrainConfig)}
    bench_only = {f.name for f in dataclasses.fields(BenchmarkConfig)} - train
    results = {"snrs", "protocol", "train_snr", "train_noise", "thresholds", "shortcut"}
    assert bench_only - set(GRID_FIELDS) == results


def test_each_default_has_one_value_everywhere_it_applies():
    # 24: the evaluation seed, the autoencoder learning rate and corruption draw, and DRSNClassifier's
    # training defaults were written in several places with different values
    import inspect

    from deepshrink.choices import DAE_CORRUPTION_MODE, DAE_LR, EVAL_SEED
    from deepshrink.engine.classify.evaluate import evaluate_run
    from deepshrink.engine.core.config import MonitorConfig
    from deepshrink.engine.denoise.training import train_denoiser
    from deepshrink.engine.monitor.reference import fit_reference
    from deepshrink.sklearn import DenoisingAutoencoder, DRSNClassifier, HealthMonitor
    from deepshrink.tasks import DenoisingTask

    def default(fn, name):
        return inspect.signature(fn).parameters[name].default

    assert TrainConfig().eval_seed == default(evaluate_run, "seed") == EVAL_SEED
    lrs = {
        DenoiseConfig().lr, MonitorConfig().lr, default(train_denoiser, "lr"), default(DenoisingTask, "lr"),
        default(fit_reference, "lr"), DenoisingAutoencoder().lr, HealthMonitor().lr,
    }  # fmt: skip
    assert lrs == {DAE_LR}
    modes = {DenoiseConfig().corruption_mode, default(train_denoiser, "mode"), default(DenoisingTask, "mode")}
    assert modes == {DAE_CORRUPTION_MODE}
    clf, cfg = DRSNClassifier(), TrainConfig()
    assert (clf.model, clf.snr_db, clf.normalize, clf.max_epochs, clf.recipe) == (
        cfg.model, cfg.snr, cfg.normalize, cfg.epochs, cfg.recipe
    )  # fmt: skip


def test_each_config_declares_only_the_options_it_reads():
    # issue 33: the monitor trains no Lightning recipe and picks no accelerator, so those options are not
    # its own: through the Python API and YAML they are refused with the key named, never silently ignored
    from deepshrink.engine.core.config import Hardware, MonitorConfig, Optimisation
    from deepshrink.engine.core.options import parse_config, validated
    from deepshrink.errors import ConfigError

    monitor = {f.name for f in dataclasses.fields(MonitorConfig)}
    assert not monitor & {f.name for f in dataclasses.fields(Hardware)}
    assert monitor & {f.name for f in dataclasses.fields(Optimisation)} == {"epochs", "batch_size", "lr"}
    with pytest.raises(ConfigError, match="unknown key 'accelerator'"):
        parse_config(MonitorConfig, {"accelerator": "gpu"})
    with pytest.raises(TypeError):
        MonitorConfig(accelerator="gpu")  # the dataclass itself has no such field
    with pytest.raises(ConfigError, match="persistence"):
        validated(MonitorConfig(persistence="0min"), MonitorConfig)


def test_a_benchmark_cell_sets_exactly_the_cell_options():
    # cell_config's per-cell values are the CELL role's options, no more, no fewer (plus the cell's folder)
    from deepshrink.benchmark.config import Cell, cell_config

    cfg = BenchmarkConfig(models=("resnet_s",), seeds=(0,), epochs=1)
    base, cell = cfg.base(), cell_config(cfg, Cell("resnet_s", "gaussian", None, 3), out="x")
    changed = {f.name for f in dataclasses.fields(cell) if getattr(cell, f.name) != getattr(base, f.name)}
    assert changed - {"out"} <= set(CELL_FIELDS)
    import inspect

    src = inspect.getsource(cell_config)
    assert all(f'"{name}"' in src for name in CELL_FIELDS)  # every cell option has its per-cell value
