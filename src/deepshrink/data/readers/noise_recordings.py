"""Recorded noise: the recordings that "recorded:PATH" names, ready to be cut into noise segments.

The spelling, wherever a noise kind is taken (`--noise`, `--noises`, `--eval-noise`):

    recorded:PATH          PATH: a signal file, a folder of them, or a glob pattern ("Data/N_*")
    recorded:PATH@RATE     the same, for files that do not carry their sample rate (.npy, .csv)

Every file `read_signal_file` reads is accepted; its own rate (a .wav header, a .mat `fs` or
`SampleFrequency`; FEMTO's acc_NNNNN.csv snapshots: their two accelerations at 25.6 kHz) is used, and a
different @RATE is refused. Each channel of each file is a recording of its own. The recordings are
resampled to the rate of the data they are added to, and split in time: the first 70 % of every recording
gives the training noise, the rest the validation, test and evaluation noise, so no test window carries a
stretch of noise a model was trained on. A recording that is one of the data's own (the same file, or a
file in the folder a recording came from) is refused: the noise must come from somewhere else.
"""

from __future__ import annotations

import glob
from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import numpy as np
import torch

from deepshrink.choices import is_recorded, split_recorded
from deepshrink.data.readers.io import SIGNAL_SUFFIXES, read_signal_file, resample_signal
from deepshrink.data.recording import natural_key
from deepshrink.data.sets.femto import FEMTO_RATE, read_femto_snapshot
from deepshrink.errors import ConfigError, DataError
from deepshrink.functional.noise import NoiseBank, noise_bank

__all__ = ["TRAIN_SHARE", "check_recorded", "parse_recorded", "recorded_files", "recorded_noise"]

#: share of every noise recording (its beginning) that training noise is cut from
TRAIN_SHARE = 0.7

Part = Literal["train", "test"]


def parse_recorded(kind: str) -> tuple[str, float | None]:
    """(PATH, RATE or None) of "recorded:PATH" or "recorded:PATH@RATE"; a ConfigError for any other text."""
    try:
        return split_recorded(kind)
    except ValueError as err:
        raise ConfigError(f"noise {err}", key="noise") from None


def recorded_files(pattern: str) -> list[Path]:
    """The signal files PATH names: the file, the files in the folder, or every file matching the glob
    pattern (a matched folder contributes its files), in natural order; a DataError when there are none."""
    path = Path(pattern).expanduser()
    if path.is_file():
        return [path]
    matches = [path] if path.is_dir() else [Path(p) for p in glob.glob(str(path))]
    if not matches:
        raise DataError(f"{pattern}: no such file or folder, and no file matches it (recorded noise)")
    files = set()
    for m in matches:
        inside = m.iterdir() if m.is_dir() else [m]
        files.update(f for f in inside if f.is_file() and f.suffix.lower() in SIGNAL_SUFFIXES)
    if not files:
        raise DataError(f"{pattern}: no signal files ({', '.join(SIGNAL_SUFFIXES)}) there (recorded noise)")
    return sorted(files, key=lambda f: (natural_key(str(f)), str(f)))


@lru_cache(maxsize=8)  # a benchmark asks for the same bank in every cell of a row
def _recordings(
    pattern: str, given: float | None, rate: float
) -> tuple[tuple[str, ...], tuple[np.ndarray, ...]]:
    files = recorded_files(pattern)
    signals = []
    for f in files:
        if f.name.lower().startswith("acc_") and f.suffix.lower() == ".csv":  # a FEMTO snapshot: its first
            x, own = read_femto_snapshot(f), FEMTO_RATE  # four columns are the time of day, not signal
        else:
            x, own = read_signal_file(f)
        if own is not None and given is not None and abs(own - given) > 1e-9 * own:
            raise DataError(
                f"{f}: its sample rate is {own:g} Hz, not the {given:g} Hz given with @ (recorded noise)"
            )
        native = own if own is not None else given
        if native is None:
            raise DataError(
                f"{f}: the file does not say its sample rate; give it as recorded:{pattern}@RATE "
                "(recorded noise)"
            )
        if not np.isfinite(x).all():
            raise DataError(f"{f}: contains NaN or inf values (recorded noise)")
        if not (x.std(axis=-1) > 0).all():
            raise DataError(f"{f}: a channel is constant: it holds no noise (recorded noise)")
        signals.append(resample_signal(x, native, rate, name=str(f)))
    return tuple(str(f.resolve()) for f in files), tuple(signals)


def recorded_noise(kind: str, windows: Any, part: Part) -> NoiseBank | None:
    """The `NoiseBank` of `kind` for noise added to `windows` (anything with `sample_rate`; its `recordings`,
    when present, must not include a noise file), cut from the `part` of every recording ("train": its first
    TRAIN_SHARE, "test": the rest); None when `kind` is not recorded noise."""
    if not is_recorded(kind):
        return None
    pattern, given = parse_recorded(kind)
    rate = getattr(windows, "sample_rate", None)
    if not rate:
        raise ConfigError(
            f"noise {kind!r}: recorded noise is resampled to the data's rate, and these windows have none",
            key="noise",
        )
    names, signals = _recordings(pattern, given, float(rate))
    # a loader's path is the recording's file, or the folder its parts lie in (UESTC)
    own = {Path(p).resolve() for r in getattr(windows, "recordings", ()) if (p := r.meta.get("path"))}
    shared = sorted(n for n in names if own.intersection((Path(n), *Path(n).parents)))
    if shared:
        raise DataError(
            f"{shared[0]}: is one of the data's own recordings; recorded noise must come from others "
            f"({len(shared)} shared)"
        )
    cuts = []
    for name, x in zip(names, signals, strict=True):
        split = round(TRAIN_SHARE * x.shape[-1])
        cuts.append(torch.from_numpy(np.ascontiguousarray(x[:, :split] if part == "train" else x[:, split:])))
        if cuts[-1].shape[-1] < 2:
            raise DataError(f"{name}: too short to split into training and test noise (recorded noise)")
    return noise_bank(cuts)


def check_recorded(kinds: Iterable[str | None], windows: Any = None) -> None:
    """Fail early, in one line: the files of every recorded kind in `kinds` exist; given the `windows`
    (with `sample_rate` and `window`), they also read, resample, are not the data's own and hold a whole
    window in both their training and their test part."""
    for kind in kinds:
        if kind is None or not is_recorded(kind):
            continue
        pattern, _ = parse_recorded(kind)
        recorded_files(pattern)
        length = int(getattr(windows, "window", 0) or 0)
        for part in ("train", "test") if windows is not None else ():
            bank = recorded_noise(kind, windows, part)
            if length and int(bank.starts(length)[1].sum()) == 0:
                share = f"first {TRAIN_SHARE:.0%}" if part == "train" else f"last {1 - TRAIN_SHARE:.0%}"
                raise DataError(
                    f"{pattern}: the {part} part ({share}) of every recording is shorter than a window of "
                    f"{length} samples at {windows.sample_rate:g} Hz (recorded noise)"
                )
