"""The data sets deepshrink knows by name: one entry each, saying what it is, how to load it, how to fetch
it and how to recognise its folder. `load_recordings` (signal specs such as `cwru:PATH`), the autoencoder
examples (`mnist:PATH`), the monitor's sequences (`femto:PATH`), `deepshrink datasets` and the tests read
this table, so a new data set is its loader module plus one entry here (docs/architecture.md).

Loaders and fetchers are named as "module:function" and imported when used: `deepshrink datasets --help`
and the config import this module without the readers behind it."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["DATASETS", "DataSet", "dataset", "of_kind", "recognised"]

Kind = Literal["signals", "images", "snapshots"]


@dataclass(frozen=True)
class DataSet:
    """One named data set. kind: labelled recordings (classifiers, `--data NAME[:PATH]`), images
    (autoencoders) or a run to failure in snapshots (`deepshrink monitor`). marker: a glob, relative to
    its folder, of the files that show the folder holds it."""

    name: str
    kind: Kind
    loader: str
    fetcher: str | None
    marker: str
    description: str
    recognizer: str | None = None  # "module:function(folder) -> bool", where a glob cannot say it

    def recognises(self, folder: Any) -> bool:
        """Whether `folder` holds this data set (its recognizer, else a file matching its marker)."""
        if self.recognizer is not None:
            return bool(_resolve(self.recognizer)(folder))
        return any(True for _ in Path(folder).glob(self.marker))

    def load(self, *args: Any, **kwargs: Any) -> Any:
        return self.loader_fn()(*args, **kwargs)

    def loader_fn(self) -> Callable[..., Any]:
        return _resolve(self.loader)

    def fetcher_fn(self) -> Callable[..., Any] | None:
        return _resolve(self.fetcher) if self.fetcher else None

    def usage(self) -> str:
        """How a command names it."""
        return {
            "signals": f"--data {self.name}[:PATH]",
            "images": f"(images) --data {self.name}[:PATH]",
            "snapshots": f"(monitor) --data {self.name}[:PATH]",
        }[self.kind]


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


_S = "deepshrink.data.sets"  # where the loaders live

DATASETS: dict[str, DataSet] = {
    d.name: d
    for d in (
        DataSet(
            "cwru", "signals", f"{_S}.cwru:load_cwru", f"{_S}.cwru:fetch_cwru", "*.mat",
            "Case Western Reserve University bearing data (drive end; 0-3 HP)",
        ),
        DataSet(
            "uestc", "signals", f"{_S}.uestc:load_uestc", f"{_S}.uestc:fetch_uestc",
            "**/*.mat", "UESTC bearing data (4 classes x 4 speeds)",
        ),
        DataSet(
            "mfpt", "signals", f"{_S}.mfpt:load_mfpt", f"{_S}.mfpt:fetch_mfpt",
            "**/*.mat", "MFPT bearing data (baseline, outer and inner race faults)",
        ),
        DataSet(
            "pu", "signals", f"{_S}.pu:load_pu", f"{_S}.pu:fetch_pu", "**/*.mat",
            "Paderborn University bearing data (KAt; real and artificial damage)",
        ),
        DataSet(
            "mnist", "images", f"{_S}.images:load_mnist", f"{_S}.images:fetch_mnist",
            "*idx*", "MNIST handwritten digits (IDX files)",
        ),
        DataSet(
            "femto", "snapshots", f"{_S}.femto:load_femto_sequence", None, "*/*/acc_00001.csv",
            "FEMTO / PRONOSTIA run-to-failure bearings (IEEE PHM 2012 challenge)",
            f"{_S}.femto:is_femto_folder",  # the set, its Learning_set/ or one bearing's folder
        ),
    )
}  # fmt: skip


def dataset(name: str) -> DataSet | None:
    """The entry of `name` (None for a name the package does not know)."""
    return DATASETS.get(name)


def recognised(folder: Any, kind: Kind) -> DataSet | None:
    """The first entry of `kind` whose folder `folder` is (None: none of them)."""
    return next((d for d in of_kind(kind) if d.recognises(folder)), None)


def of_kind(kind: Kind) -> list[DataSet]:
    """The entries of one kind, in the table's order."""
    return [d for d in DATASETS.values() if d.kind == kind]
