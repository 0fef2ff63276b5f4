"""From a config to windows: load the recordings, apply the label map and class selection, split them by the
scenario and cut the windows. `train`, `evaluate`, the benchmark and `deepshrink datasets` all call
`build_dataset`, so the windows a run was tested on can always be rebuilt from its config.
"""

from __future__ import annotations

import functools
import json
from collections import OrderedDict
from collections.abc import Callable
from typing import Any

from deepshrink.data.readers.manifest import harmonize_rates
from deepshrink.data.recording import Recording
from deepshrink.data.sets.specs import load_recordings
from deepshrink.data.split.image_splits import image_spec, image_splits
from deepshrink.data.split.scenarios import conditions_of, relabel, scenario_folds, select_classes
from deepshrink.data.split.windows import WindowSplits, check_coverage, make_windows
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.options import DATA, SIGNAL, fields_with
from deepshrink.errors import ConfigError

__all__ = ["DATA_FIELDS", "build_dataset", "describe_recordings", "folds_of", "load_split_recordings"]

# The options that decide which windows a run sees (declared with role DATA in the config; everything else
# varies the training, not the data).
DATA_FIELDS = fields_with(TrainConfig, DATA)


def _key(cfg: TrainConfig) -> str:
    """The window cache's key: every DATA option of the config's own class (a subclass's too)."""
    return json.dumps(
        {f: getattr(cfg, f) for f in fields_with(type(cfg), DATA)}, sort_keys=True, default=list
    )


@functools.lru_cache(maxsize=8)
def _recordings(spec: str, kwargs_json: str, labels: str, classes_json: str) -> tuple[Recording, ...]:
    recs = relabel(load_recordings(spec, **json.loads(kwargs_json)), labels)
    classes = json.loads(classes_json)
    return tuple(select_classes(recs, classes))


def load_split_recordings(cfg: TrainConfig) -> tuple[list[Recording], list[Recording] | None]:
    """(training data set's recordings, test data set's recordings for cross-dataset or None), label map
    and class selection applied, both at one sample rate (cached: a benchmark loads its data once)."""
    classes = json.dumps(list(cfg.classes) if cfg.classes else None)
    kwargs = dict(cfg.data_kwargs)
    if cfg.target_rate is not None:
        kwargs.setdefault("target_rate", cfg.target_rate)
    train = list(_recordings(cfg.data, json.dumps(kwargs, sort_keys=True), cfg.labels, classes))
    if not cfg.test_data:
        return train, None
    rate = cfg.target_rate or train[0].sample_rate
    test = list(
        _recordings(
            cfg.test_data, json.dumps(dict(cfg.test_data_kwargs), sort_keys=True), cfg.labels, classes
        )
    )
    if any(abs(r.sample_rate - rate) > 1e-9 for r in test):
        # resampling copies the signals: never touch the cached originals
        test = harmonize_rates([_copy(r) for r in test], target_rate=rate)
    return train, test


def _copy(r: Recording) -> Recording:
    return Recording(
        signal=r.signal.copy(),
        sample_rate=r.sample_rate,
        label=r.label,
        name=r.name,
        group=r.group,
        meta=dict(r.meta),
        condition=r.condition,
    )


class _WindowCache:
    """The windows of the last `size` data setups, by `_key(cfg)`; the least recently used one goes first.

    A class, not `functools.lru_cache`: lru_cache keys on the arguments of the function it caches, but the
    windows are built from the whole config while only its data options (`_key`, a JSON string of them) may
    key them: configs that differ in epochs or lr share one entry, and a config is not hashable anyway.
    The cached `WindowSplits` is handed out itself, not a copy: every run of one data setup shares its
    arrays (a benchmark trains many cells on one setup; a copy per cell would multiply its memory), so no
    caller may modify it in place.
    """

    def __init__(self, size: int) -> None:
        self.size = size
        self._entries: OrderedDict[str, WindowSplits] = OrderedDict()

    def get(self, key: str, build: Callable[[], WindowSplits]) -> WindowSplits:
        """The entry of `key`, made by `build()` (and the oldest entry dropped) when there is none."""
        if key in self._entries:
            self._entries.move_to_end(key)
            return self._entries[key]
        ds = self._entries[key] = build()
        if len(self._entries) > self.size:
            self._entries.popitem(last=False)
        return ds


_WINDOWS = _WindowCache(size=4)


def _image_windows(cfg: TrainConfig) -> WindowSplits:
    """An image data set's splits (`data/split/image_splits.py`); the options that cut or rate windows, and
    the scenarios other than within, do not apply to images and are refused rather than ignored."""
    defaults = TrainConfig()
    for key in fields_with(TrainConfig, SIGNAL):
        if getattr(cfg, key) != getattr(defaults, key):
            raise ConfigError(f"{key} does not apply to image data (an image is one window)", key=key)
    if cfg.scenario != "within":
        raise ConfigError(
            f"scenario {cfg.scenario!r}: image data has the within scenario only", key="scenario"
        )
    return image_splits(
        cfg.data, split=cfg.split, random_state=cfg.split_seed, classes=cfg.classes, **dict(cfg.data_kwargs)
    )


def _make_windows(cfg: TrainConfig) -> WindowSplits:
    if image_spec(cfg.data) is not None:
        return _image_windows(cfg)
    train, test = load_split_recordings(cfg)
    classes = list(cfg.classes) if cfg.classes else sorted({r.label for r in train + (test or [])})
    return make_windows(
        train,
        window=cfg.window,
        stride=cfg.stride,
        eval_stride=cfg.eval_stride,
        split=cfg.split,
        scenario=cfg.scenario,
        fold=cfg.fold,
        train_conditions=cfg.train_conditions,
        test_conditions=cfg.test_conditions,
        test_groups=cfg.test_groups,
        test_recordings=test,
        classes=classes,
        random_state=cfg.split_seed,
    )


def build_dataset(cfg: TrainConfig, *, check: bool = True) -> WindowSplits:
    """The windows of `cfg` (cached by the data options). check: refuse a split that leaves a class without
    training, validation or test windows (naming the class and the split)."""
    ds = _WINDOWS.get(_key(cfg), lambda: _make_windows(cfg))
    if check:
        check_coverage(ds, need_val=cfg.split[1] > 0)
    return ds


def folds_of(cfg: TrainConfig) -> list[int | None]:
    """The folds of `cfg`'s scenario on its data (leave-one-condition-out, one per group rank, or [None])."""
    train, _ = load_split_recordings(cfg)
    return scenario_folds(train, cfg.scenario)


def describe_recordings(recs: list[Recording]) -> dict[str, Any]:
    """Counts for a preview: classes, conditions, groups, rates, channels and total duration."""
    return {
        "recordings": len(recs),
        "classes": sorted({r.label for r in recs}),
        "conditions": conditions_of(recs),
        "groups": sorted({str(r.group) for r in recs}),
        "rates": sorted({float(r.sample_rate) for r in recs}),
        "native_rates": sorted({float(r.meta.get("native_rate", r.sample_rate)) for r in recs}),
        "channels": sorted({r.channels for r in recs}),
        "seconds": round(sum(r.duration_s for r in recs), 1),
    }
