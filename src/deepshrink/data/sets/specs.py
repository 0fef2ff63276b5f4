"""`load_recordings(spec)`: the one entry point from a data spec to recordings at one sample rate.

Specs: "NAME" for a built-in set of the registry (simulator), "NAME" or "NAME:PATH" for a public data set
(cwru, uestc, mfpt, pu; the folder is found by `deepshrink.data.sets.locate`),
a manifest ".csv" or a folder with one sub-folder per label.
Keyword arguments go to the loader; a `target_rate` resamples every recording to that rate.
"""

from __future__ import annotations

import inspect
import os
from collections.abc import Callable
from pathlib import Path

from deepshrink.data.readers.manifest import harmonize_rates, load_folder, load_manifest
from deepshrink.data.recording import Recording
from deepshrink.data.sets.registry import dataset, of_kind
from deepshrink.errors import ConfigError, DataError

__all__ = ["call_loader", "load_recordings", "parse_spec"]


def _signals(name: str):
    """The registry entry of a labelled-recording data set called `name`, else None (read at call time)."""
    entry = dataset(name)
    return entry if entry is not None and entry.kind == "signals" else None


def parse_spec(spec: str) -> tuple[str, str | None]:
    """(kind, path) of a data spec: ("cwru", "/data/cwru"), ("simulator", None), ("manifest", "x.csv"), ..."""
    if not isinstance(spec, str) or not spec.strip():
        raise ConfigError(f"data spec must be a non-empty string, got {spec!r}", key="data")
    spec = spec.strip()
    name, sep, rest = spec.partition(":")
    entry = _signals(name)
    if entry is not None:
        if entry.builtin and sep:
            raise ConfigError(f"data {spec!r}: {name} is built in and takes no PATH", key="data")
        return name, (rest or None) if sep else None
    if spec.lower().endswith(".csv"):
        return "manifest", spec
    if Path(spec).expanduser().is_dir():
        return "folder", spec
    if Path(spec).expanduser().exists():
        raise DataError(
            f"{spec}: a data file, not a data set; give a manifest .csv listing the recordings, or a folder "
            "with one sub-folder per label"
        )
    names = ", ".join(repr(d.name) if d.builtin else f"{d.name}[:PATH]" for d in of_kind("signals"))
    raise ConfigError(
        f"data {spec!r} not understood: use {names}, a manifest .csv file (columns "
        "path,label[,sample_rate,channel,variable,group,condition]) or a folder of label sub-folders",
        key="data",
    )


def call_loader(fn: Callable, spec: str, args: tuple, kwargs: dict, *, key: str | None = "data_kwargs"):
    """`fn(*args, **kwargs)` after checking that it takes those options: else one ConfigError naming them,
    carrying `key` (None: the first option it does not take, for callers whose options are flags)."""
    try:
        inspect.signature(fn).bind(*args, **kwargs)
    except TypeError as err:
        params = inspect.signature(fn).parameters
        unknown = [k for k in kwargs if k not in params]
        raise ConfigError(
            f"data {spec!r}: bad option(s) {sorted(kwargs)} ({err})",
            key=key or (unknown or ["data_kwargs"])[0],
        ) from None
    return fn(*args, **kwargs)


def load_recordings(spec: str, **kwargs) -> list[Recording]:
    """Load the recordings of a data spec (see the module doc), all at one sample rate."""
    kind, path = parse_spec(spec)
    entry = _signals(kind)
    # a public set's loader resamples itself (its own target_rate); the others are resampled here
    own_rate = entry is not None and not entry.builtin
    target = None if own_rate else kwargs.pop("target_rate", None)
    if kind == "manifest":
        recs = call_loader(load_manifest, spec, (path,), kwargs)
    elif kind == "folder":
        recs = call_loader(load_folder, spec, (path,), kwargs)
    else:
        recs = call_loader(entry.loader_fn(), spec, entry.root_args(path), kwargs)
    recs = list(recs)
    if not recs:
        raise DataError(f"data {spec!r}: no recordings loaded")
    return harmonize_rates(recs, target_rate=target)


def describe_root(spec: str) -> str:
    """Where the data of `spec` is read from (for previews and error messages)."""
    kind, path = parse_spec(spec)
    entry = _signals(kind)
    if entry is not None and entry.builtin:
        return "built in"
    return str(Path(path).expanduser()) if path else os.environ.get("DEEPSHRINK_DATA", "")
