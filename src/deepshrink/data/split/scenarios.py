"""Evaluation scenarios: which recording (part) goes to train, validation and test.

The field's protocols (see docs/evaluation.md and the leakage literature it cites):

- "within": every recording is cut in time into train / val / test segments (train first, test last), so no
  test window shares a sample with a training window. Same recording, bearing and condition on both sides:
  the easiest scenario, and the one most papers report.
- "cross-condition": train on some operating conditions (`Recording.condition`: motor load, speed,
  setting), test on others. Fold k of the leave-one-condition-out protocol tests the k-th condition and
  trains on the rest; `train_conditions` / `test_conditions` choose freely. Validation is the end (in time)
  of every training recording.
- "cross-group": never the same physical unit (`Recording.group`, e.g. a bearing) in train and test. Fold k
  tests the k-th group of every class; `test_groups` chooses them; with neither, whole groups are allocated
  to train / val / test at random by the split fractions (stratified by class).
- "cross-dataset": train (and validate, split in time) on one data set, test on every recording of another,
  through a shared label map (`relabel(recordings, "fault")`: normal / inner / outer / ball) at one rate.

Each scenario returns pieces (split, recording index, start, stop, stride kind); `make_windows` cuts them.
"""

from __future__ import annotations

import dataclasses
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from deepshrink.choices import SCENARIOS, Scenario  # declared once, light to import
from deepshrink.data.recording import Recording
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "SCENARIOS",
    "Assignment",
    "Scenario",
    "assign",
    "relabel",
    "scenario_folds",
    "select_classes",
]

SPLITS = ("train", "val", "test")


@dataclass
class Assignment:
    """Where each piece of each recording goes, and what the split was (for reports and results)."""

    pieces: list[tuple[str, int, int, int]] = field(default_factory=list)  # (split, recording, start, stop)
    describe: dict = field(default_factory=dict)

    def add(self, split: str, rec: int, start: int, stop: int) -> None:
        self.pieces.append((split, rec, start, stop))


def _bounds(n: int, fractions: Sequence[float]) -> list[int]:
    """Cumulative integer boundaries [0, b1, ..., n] of consecutive segments with these fractions."""
    cum = np.cumsum(fractions)
    return [0, *(int(np.floor(n * c + 1e-9)) for c in cum[:-1]), n]


def _train_val(a: Assignment, recs: Sequence[Recording], idx: Sequence[int], fr: Sequence[float]) -> None:
    """The training recordings' start goes to train, their end (in time) to validation."""
    val_frac = fr[1] / (fr[0] + fr[1])
    for i in idx:
        b = _bounds(recs[i].n_samples, (1 - val_frac, val_frac))
        a.add("train", i, b[0], b[1])
        if val_frac > 0:
            a.add("val", i, b[1], b[2])


def _within(recs, fr, rng, shuffle: bool) -> Assignment:
    a = Assignment(describe={"scenario": "within"})
    for i, r in enumerate(recs):
        order = list(rng.permutation(3)) if shuffle else [0, 1, 2]
        b = _bounds(r.n_samples, [fr[k] for k in order])
        for pos, k in enumerate(order):
            if fr[k] > 0:
                a.add(SPLITS[k], i, b[pos], b[pos + 1])
    return a


def conditions_of(recs: Sequence[Recording]) -> list[str]:
    """The distinct operating conditions, sorted (numerically where they start with a number)."""
    found = {r.condition for r in recs if r.condition is not None}
    return sorted(found, key=_natural)


def _natural(text: str) -> tuple:
    head = ""
    for ch in text:
        if ch.isdigit() or (ch == "." and head):
            head += ch
        else:
            break
    return (float(head), text) if head else (float("inf"), text)


def _cross_condition(recs, fr, fold, train_conditions, test_conditions) -> Assignment:
    missing = [r.name for r in recs if r.condition is None]
    if missing:
        raise DataError(
            f"recording {missing[0]!r}: no operating condition, needed for the cross-condition scenario "
            "(public loaders set it; a manifest takes a condition column)"
        )
    conds = conditions_of(recs)
    if len(conds) < 2:
        raise ConfigError(
            f"cross-condition needs recordings of two or more operating conditions; the data hold only "
            f"{conds[0]}: load the others (CWRU loads 0 HP by default: --data-arg loads=[0,1,2,3])",
            key="data_kwargs",
        )
    if test_conditions is None:
        if fold is None:
            raise ConfigError(
                f"cross-condition needs test_conditions or a fold (0..{len(conds) - 1}; conditions: "
                f"{', '.join(conds)})",
                key="test_conditions",
            )
        if not 0 <= fold < len(conds):
            raise ConfigError(
                f"fold {fold} out of range: {len(conds)} conditions ({', '.join(conds)})", key="fold"
            )
        test_conditions = [conds[fold]]
    test = [str(c) for c in test_conditions]
    train = (
        [c for c in conds if c not in test]
        if train_conditions is None
        else [str(c) for c in train_conditions]
    )
    for key, chosen in (("test_conditions", test), ("train_conditions", train)):
        unknown = [c for c in chosen if c not in conds]
        if unknown or not chosen:
            raise ConfigError(
                f"{key} {chosen}: {'unknown ' + str(unknown) if unknown else 'empty'} (conditions: "
                f"{', '.join(conds)})",
                key=key,
            )
    if set(train) & set(test):
        raise ConfigError(
            f"train_conditions {train} and test_conditions {test} overlap; they must be disjoint",
            key="test_conditions",
        )
    a = Assignment(
        describe={"scenario": "cross-condition", "train_conditions": train, "test_conditions": test}
    )
    _train_val(a, recs, [i for i, r in enumerate(recs) if r.condition in train], fr)
    for i, r in enumerate(recs):
        if r.condition in test:
            a.add("test", i, 0, r.n_samples)
    return a


def _groups_by_class(recs: Sequence[Recording]) -> dict[str, list[str]]:
    by_class: dict[str, set[str]] = defaultdict(set)
    for r in recs:
        by_class[r.label].add(str(r.group))
    return {c: sorted(g) for c, g in sorted(by_class.items())}


def _allocate(n_groups: int, fr: Sequence[float]) -> tuple[int, int, int]:
    """How many of `n_groups` groups go to train/val/test: val/test get one each when there are enough."""
    n_test = round(n_groups * fr[2])
    n_val = round(n_groups * fr[1])
    if fr[2] > 0 and n_test == 0 and n_groups >= 2:
        n_test = 1
    if fr[1] > 0 and n_val == 0 and n_groups - n_test >= 2:
        n_val = 1
    while n_groups - n_test - n_val < 1 and (n_val or n_test):
        if n_val:
            n_val -= 1
        else:
            n_test -= 1
    return n_groups - n_val - n_test, n_val, n_test


def _cross_group(recs, fr, rng, fold, test_groups) -> Assignment:
    members: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(recs):
        members[str(r.group)].append(i)
    by_class = _groups_by_class(recs)
    assigned: dict[str, str] = {}
    if test_groups is None and fold is not None:
        n_folds = min(len(g) for g in by_class.values())
        if n_folds < 2:
            lonely = [c for c, g in by_class.items() if len(g) < 2]
            raise DataError(
                f"cross-group needs at least two groups (physical units) per class so that each is tested on "
                f"one it never trained on; class(es) {', '.join(lonely)} have one"
            )
        if not 0 <= fold < n_folds:
            raise ConfigError(f"fold {fold} out of range: {n_folds} cross-group folds", key="fold")
        test_groups = [g[fold] for g in by_class.values()]
    if test_groups is not None:
        forced = [str(g) for g in test_groups]
        unknown = sorted(set(forced) - set(members))
        if unknown:
            raise ConfigError(
                f"test_groups {unknown} not found (groups: {', '.join(sorted(members)[:20])})",
                key="test_groups",
            )
        assigned.update(dict.fromkeys(forced, "test"))
        rest = fr[0] + fr[1]
        fr = (fr[0] / rest, fr[1] / rest, 0.0)
    # stratify: a group's label is the most common label of its recordings
    by_label: dict[str, list[str]] = defaultdict(list)
    for g in sorted(members):
        if g not in assigned:
            by_label[Counter(recs[i].label for i in members[g]).most_common(1)[0][0]].append(g)
    for label in sorted(by_label):
        groups = [by_label[label][j] for j in rng.permutation(len(by_label[label]))]
        n_train, n_val, _ = _allocate(len(groups), fr)
        for j, g in enumerate(groups):
            assigned[g] = "train" if j < n_train else "val" if j < n_train + n_val else "test"
    a = Assignment(
        describe={
            "scenario": "cross-group",
            "test_groups": sorted(g for g, s in assigned.items() if s == "test"),
        }
    )
    for g, split in sorted(assigned.items()):
        for i in members[g]:
            a.add(split, i, 0, recs[i].n_samples)
    return a


def _cross_dataset(recs, n_train_recs: int, fr) -> Assignment:
    a = Assignment(describe={"scenario": "cross-dataset"})
    _train_val(a, recs, range(n_train_recs), fr)
    for i in range(n_train_recs, len(recs)):
        a.add("test", i, 0, recs[i].n_samples)
    return a


def assign(
    recs: Sequence[Recording],
    scenario: str,
    fr: Sequence[float],
    *,
    rng: np.random.Generator,
    fold: int | None = None,
    train_conditions: Sequence[str] | None = None,
    test_conditions: Sequence[str] | None = None,
    test_groups: Sequence[str] | None = None,
    n_train_recordings: int | None = None,
    shuffle_segments: bool = False,
) -> Assignment:
    """The pieces of `recs` per split under `scenario` (see the module doc).

    For "cross-dataset" the first `n_train_recordings` recordings are the training data set and the rest
    the test data set.
    """
    if scenario not in SCENARIOS:
        raise ConfigError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}", key="scenario")
    if scenario == "within":
        return _within(recs, fr, rng, shuffle_segments)
    if scenario == "cross-condition":
        return _cross_condition(recs, fr, fold, train_conditions, test_conditions)
    if scenario == "cross-group":
        return _cross_group(recs, fr, rng, fold, test_groups)
    if n_train_recordings is None or not 0 < n_train_recordings < len(recs):
        raise ConfigError(
            "cross-dataset needs test data (test_data) besides the training data", key="test_data"
        )
    return _cross_dataset(recs, n_train_recordings, fr)


def scenario_folds(recs: Sequence[Recording], scenario: str) -> list[int | None]:
    """The folds a benchmark runs for `scenario`: one per condition (leave-one-condition-out), one per group
    rank (cross-group), or the single [None] of the other scenarios."""
    if scenario == "cross-condition":
        return list(range(len(conditions_of(recs))))
    if scenario == "cross-group":
        by_class = _groups_by_class(recs)
        return list(range(min(len(g) for g in by_class.values()))) if by_class else []
    return [None]


def relabel(recs: Sequence[Recording], labels: str) -> list[Recording]:
    """Recordings labelled by "default" (the data set's own labels) or "fault" (the shared label map
    normal / inner / outer / ball / combined of `meta["fault"]`, for cross-dataset scenarios)."""
    if labels == "default":
        return list(recs)
    if labels != "fault":
        raise ConfigError(f"labels must be 'default' or 'fault', got {labels!r}", key="labels")
    out = []
    for r in recs:
        fault = r.meta.get("fault")
        if fault is None:
            raise DataError(
                f"recording {r.name!r}: no fault type in its metadata, needed for labels='fault' "
                "(public loaders set it; label your own recordings normal/inner/outer/ball instead)"
            )
        out.append(dataclasses.replace(r, label=str(fault)))  # a copy: loaders may cache the originals
    return out


def select_classes(recs: Sequence[Recording], classes: Sequence[str] | None) -> list[Recording]:
    """Only the recordings of `classes` (all when None); a class with no recording is an error naming it."""
    if classes is None:
        return list(recs)
    wanted = [str(c) for c in classes]
    present = {r.label for r in recs}
    missing = [c for c in wanted if c not in present]
    if missing:
        raise DataError(f"classes {missing} have no recording (labels present: {', '.join(sorted(present))})")
    return [r for r in recs if r.label in wanted]
