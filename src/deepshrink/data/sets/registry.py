"""The data sets deepshrink knows by name: one entry each, saying what it is, how to load it, how to fetch
it and how to recognise its folder. `load_recordings` (signal specs such as `cwru:PATH`), the autoencoder
examples (`mnist:PATH`), the monitor's sequences (`femto:PATH`), `deepshrink datasets` and the tests read
this table, so a new data set is its loader module plus one entry here (docs/architecture.md).

Loaders and fetchers are named as "module:function" and imported when used: `deepshrink datasets --help`
and the config import this module without the readers behind it.

An entry may also say what its publisher states about its bearings (`Bearings`: the geometry at each sensor
position, the shaft speed, and where each fact comes from), which `deepshrink diagnose --data NAME` uses.
A value that is not published is None with the reason, never a guess. Geometries are named as
`deepshrink.functional.bearing.bearing_geometry` reads them ("6205" or "BALLS,BALL_D,PITCH_D[,ANGLE_DEG]")
and built when asked: `deepshrink.functional` imports torch, which this module must not."""

from __future__ import annotations

import functools
import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

__all__ = [
    "DATASETS",
    "SIMULATOR_BEARINGS",
    "Bearings",
    "DataSet",
    "dataset",
    "of_kind",
    "recognised",
    "sequence_set",
]

Kind = Literal["signals", "images", "snapshots"]


@dataclass(frozen=True, eq=False)  # eq=False: hashable by identity, though it holds dicts
class Bearings:
    """What is known about a data set's bearings, each fact with its source.

    geometry: sensor position / bearing ("drive_end", "fan_end", "test") -> a bearing spec for
    `bearing_geometry` ("6205", "8,0.235,1.245,0"), or None where the publisher gives none (`unknown` says
    why). The first position is the one whose faults the data set's labels name.
    shaft_rpm: condition -> shaft speed in rpm, as the publisher states it per condition ({} when the files
    or their names carry it: `speed` says how). source: where the geometry and the speeds come from.
    file_facts: "module:function(path) -> dict" giving what one file of the set says about itself
    (sample_rate, rpm or shaft_hz, label, variable, signal), for `deepshrink diagnose --data`.
    """

    geometry: Mapping[str, str | None]
    source: str
    speed: str
    shaft_rpm: Mapping[str, float] = field(default_factory=dict)
    unknown: Mapping[str, str] = field(default_factory=dict)
    file_facts: str | None = None

    @property
    def positions(self) -> list[str]:
        return list(self.geometry)

    def bearing(self, position: str | None = None) -> Any:
        """The `BearingGeometry` at `position` (default: the first), or None where it is unknown.

        Raises KeyError for a position the entry does not name."""
        key = self.positions[0] if position is None else position
        spec = self.geometry[key]
        if spec is None:
            return None
        return _resolve("deepshrink.functional.bearing:bearing_geometry")(spec)

    def why_unknown(self, position: str | None = None) -> str:
        """Why the geometry at `position` is not known ("" when it is)."""
        key = self.positions[0] if position is None else position
        return self.unknown.get(key, "not published") if self.geometry.get(key) is None else ""

    def facts_fn(self) -> Callable[..., Any] | None:
        return _resolve(self.file_facts) if self.file_facts else None


@dataclass(frozen=True)
class DataSet:
    """One named data set. kind: labelled recordings (classifiers, `--data NAME[:PATH]`), images
    (autoencoders) or a run to failure in snapshots (`deepshrink monitor`). marker: a glob, relative to
    its folder, of the files that show the folder holds it.

    A built-in set (`builtin`: the simulator, scikit-learn's digits) has no folder: its loader takes no
    path, it is never located, fetched or recognised. `sequence` names a second loader, of its run to
    failure in snapshots, for a set that is also a monitor's data (the simulator), with `sequence_options`
    its defaults there; `splits`: whether the set publishes its own train and test parts (MNIST's files);
    `example_options`: its loader's keywords when it gives an autoencoder's training examples."""

    name: str
    kind: Kind
    loader: str
    fetcher: str | None
    marker: str
    description: str
    recognizer: str | None = None  # "module:function(folder) -> bool", where a glob cannot say it
    bearings: Bearings | None = None  # its bearings' geometry and shaft speed, where they are known
    options: tuple[tuple[str, Any], ...] = ()  # fixed keywords of its loader and fetcher (2 sets, 1 reader)
    builtin: bool = False
    sequence: str | None = None
    sequence_options: tuple[tuple[str, Any], ...] = ()
    splits: bool = True
    example_options: tuple[tuple[str, Any], ...] = ()

    def recognises(self, folder: Any) -> bool:
        """Whether `folder` holds this data set (its recognizer, else a file matching its marker)."""
        if self.builtin:
            return False
        if self.recognizer is not None:
            return bool(_resolve(self.recognizer)(folder))
        return any(True for _ in Path(folder).glob(self.marker))

    def load(self, *args: Any, **kwargs: Any) -> Any:
        return self.loader_fn()(*args, **kwargs)

    def loader_fn(self) -> Callable[..., Any]:
        return self._bound(_resolve(self.loader))

    @property
    def gives_sequence(self) -> bool:
        """Whether it gives a run to failure in snapshots (a monitor's data), without importing anything."""
        return self.kind == "snapshots" or self.sequence is not None

    def sequence_fn(self) -> Callable[..., Any] | None:
        """The loader of its run to failure in snapshots (a snapshot set's own loader), else None."""
        if self.kind == "snapshots":
            return self.loader_fn()
        return self._bound(_resolve(self.sequence)) if self.sequence else None

    def root_args(self, root: Any) -> tuple[Any, ...]:
        """The positional arguments of its loaders for a folder `root`: none for a built-in set."""
        return () if self.builtin else (root,)

    def fetcher_fn(self) -> Callable[..., Any] | None:
        return self._bound(_resolve(self.fetcher)) if self.fetcher else None

    def _bound(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        return functools.partial(fn, **dict(self.options)) if self.options else fn

    def usage(self) -> str:
        """How a command names it."""
        spec = self.name if self.builtin else f"{self.name}[:PATH]"
        text = {"signals": f"--data {spec}", "images": f"(images) --data {spec}"}.get(self.kind, "")
        if self.gives_sequence:
            text += (" | " if text else "") + f"(monitor) --data {spec}"
        return text


def _resolve(target: str) -> Callable[..., Any]:
    module, _, name = target.partition(":")
    return getattr(importlib.import_module(module), name)


_S = "deepshrink.data.sets"  # where the loaders live

_CWRU_PAGE = "https://engineering.case.edu/bearingdatacenter"

# Each fact below is the publisher's, with its page; a fact not published is None with the reason.
_BEARINGS = {
    "cwru": Bearings(
        # dimensions in inches from CWRU's bearing-information page; its published defect orders (BPFI
        # 5.4152, BPFO 3.5848 drive end; 4.9469, 3.0530 fan end) are what functional/bearing.py checks them by
        geometry={"drive_end": "6205", "fan_end": "6203"},
        source=f"CWRU Bearing Data Center ({_CWRU_PAGE}/bearing-information): drive end SKF 6205-2RS JEM "
        "(9 balls, 0.3126 in, pitch 1.537 in), fan end SKF 6203-2RS JEM (8 balls, 0.2656 in, pitch "
        "1.122 in); the approximate motor speed of each load (0-3 HP: 1797, 1772, 1750, 1730 rpm) as "
        f"CWRU's data pages list it ({_CWRU_PAGE}/12k-drive-end-bearing-fault-data)",
        speed="each file's XNNNRPM variable (rpm measured during the test); else the nominal speed of its "
        "motor load, from the load digit of its name or CWRU's numbering",
        shaft_rpm={"0HP": 1797.0, "1HP": 1772.0, "2HP": 1750.0, "3HP": 1730.0},
        file_facts=f"{_S}.cwru:cwru_file_facts",
    ),
    "uestc": Bearings(
        geometry={"test": None},
        unknown={
            "test": "the publisher names the bearing (ASAHI UCPH 20) but gives no ball count or "
            "diameters; its internal geometry is the maker's, not set by a standard"
        },
        source="UESTC-Bearing-Dataset README (C. Liu et al., IEEE Sensors J. 2025): ASAHI UCPH 20, "
        "no load, 800 / 1000 / 1200 / 1400 rpm, 20 kHz",
        speed="the rpm in each file's name (<C>_<rpm>_<part>.mat)",
        shaft_rpm={"800rpm": 800.0, "1000rpm": 1000.0, "1200rpm": 1200.0, "1400rpm": 1400.0},
        file_facts=f"{_S}.uestc:uestc_file_facts",
    ),
    "mfpt": Bearings(
        # MFPT's own defect frequencies at 25 Hz (BPFO 81.125 Hz, BPFI 118.875 Hz) follow from these
        geometry={"test": "8,0.235,1.245,0"},
        source="MFPT fault data sets description (https://www.mfpt.org/fault-data-sets/, assembled by "
        "E. Bechhoefer): NICE bearing, roller diameter 0.235 in, pitch diameter 1.245 in, 8 elements, "
        "contact angle 0",
        speed="each file's bearing.rate (shaft Hz; 25 Hz in every published file)",
        file_facts=f"{_S}.mfpt:mfpt_file_facts",
    ),
    "pu": Bearings(
        geometry={"test": None},
        unknown={
            "test": "Lessmeier et al. (PHM Europe 2016) give the type, 6203 deep-groove ball bearings, but "
            "not the makers' internal dimensions (KAt's per-bearing fact sheets hold them, see "
            "https://mb.uni-paderborn.de/en/kat/research/kat-datacenter/bearing-datacenter/bearing-damage; "
            "this package does not read them); a 6203 of another maker (CWRU's SKF) need not match"
        },
        source="KAt-DataCenter, Paderborn University "
        "(https://mb.uni-paderborn.de/en/kat/research/kat-datacenter/bearing-datacenter; C. Lessmeier et "
        "al., PHM Europe 2016): settings N15_* 1500 rpm, N09_* 900 rpm",
        speed="the setting in each file's name (N15 = 1500 rpm, N09 = 900 rpm)",
        shaft_rpm={"N15_M07_F10": 1500.0, "N09_M07_F10": 900.0, "N15_M01_F10": 1500.0, "N15_M07_F04": 1500.0},
        file_facts=f"{_S}.pu:pu_file_facts",
    ),
    "femto": Bearings(
        geometry={"test": None},
        unknown={
            "test": "the challenge's data and its README state speeds and loads but no bearing dimensions; "
            "values quoted elsewhere for PRONOSTIA could not be checked against the publisher"
        },
        source="IEEE PHM 2012 challenge (Nectoux et al., PHM 2012), as in the data folder's README: "
        "condition 1 1800 rpm, 2 1650 rpm, 3 1500 rpm",
        speed="the operating condition X of BearingX_Y",
        shaft_rpm={"1": 1800.0, "2": 1650.0, "3": 1500.0},
    ),
}

# The built-in simulator (deepshrink.data.simulate.simulator): its BEARING_6205 is the CWRU drive-end
# bearing, and each recording's meta carries the rpm it was simulated at.
SIMULATOR_BEARINGS = Bearings(
    geometry={"drive_end": "6205"},
    source="deepshrink.data.simulate.simulator.BEARING_6205 (SKF 6205-2RS JEM, CWRU's drive-end bearing)",
    speed="each recording's meta['rpm'] (drawn from rpm_range, 1720-1800 rpm by default)",
)

DATASETS: dict[str, DataSet] = {
    d.name: d
    for d in (
        DataSet(
            "simulator", "signals", "deepshrink.data.simulate.simulator:make_bearing_signals", None, "",
            "synthetic bearing signals (the default); for the monitor, a simulated life run to failure",
            bearings=SIMULATOR_BEARINGS, builtin=True,
            sequence="deepshrink.data.simulate.degradation:make_run_to_failure",
            sequence_options=(("realistic", True),),  # the monitor's default: a healthy life like a real one
            example_options=(("n_recordings_per_class", 2),),  # enough windows for an autoencoder
        ),
        DataSet(
            "cwru", "signals", f"{_S}.cwru:load_cwru", f"{_S}.cwru:fetch_cwru", "*.mat",
            "Case Western Reserve University bearing data (drive end; 0-3 HP)",
            bearings=_BEARINGS["cwru"],
        ),
        DataSet(
            "uestc", "signals", f"{_S}.uestc:load_uestc", f"{_S}.uestc:fetch_uestc",
            "**/*.mat", "UESTC bearing data (4 classes x 4 speeds)", bearings=_BEARINGS["uestc"],
        ),
        DataSet(
            "mfpt", "signals", f"{_S}.mfpt:load_mfpt", f"{_S}.mfpt:fetch_mfpt",
            "**/*.mat", "MFPT bearing data (baseline, outer and inner race faults)",
            bearings=_BEARINGS["mfpt"],
        ),
        DataSet(
            "pu", "signals", f"{_S}.pu:load_pu", f"{_S}.pu:fetch_pu", "**/*.mat",
            "Paderborn University bearing data (KAt; real and artificial damage)",
            bearings=_BEARINGS["pu"],
        ),
        DataSet(
            "mnist", "images", f"{_S}.images:load_mnist", f"{_S}.images:fetch_mnist",
            "*idx*", "MNIST handwritten digits (IDX files)",
        ),
        DataSet(
            "fashion", "images", f"{_S}.images:load_mnist", f"{_S}.images:fetch_mnist",
            "*idx*", "Fashion-MNIST clothing images (IDX files)", options=(("kind", "fashion"),),
        ),
        DataSet(
            "digits", "images", f"{_S}.images:load_digits_images", None, "",
            "scikit-learn's 8x8 digits (bundled)", builtin=True, splits=False,
        ),
        DataSet(
            "femto", "snapshots", f"{_S}.femto:load_femto_sequence", None, "*/*/acc_00001.csv",
            "FEMTO / PRONOSTIA run-to-failure bearings (IEEE PHM 2012 challenge)",
            f"{_S}.femto:is_femto_folder",  # the set, its Learning_set/ or one bearing's folder
            bearings=_BEARINGS["femto"],
        ),
    )
}  # fmt: skip


def dataset(name: str) -> DataSet | None:
    """The entry of `name` (None for a name the package does not know)."""
    return DATASETS.get(name)


def sequence_set(name: str) -> DataSet | None:
    """The entry of `name` when it gives a run to failure in snapshots (femto, the simulator), else None."""
    entry = dataset(name)
    return entry if entry is not None and entry.gives_sequence else None


def recognised(folder: Any, kind: Kind) -> DataSet | None:
    """The first entry of `kind` whose folder `folder` is (None: none of them)."""
    return next((d for d in of_kind(kind) if d.recognises(folder)), None)


def of_kind(kind: Kind) -> list[DataSet]:
    """The entries of one kind, in the table's order."""
    return [d for d in DATASETS.values() if d.kind == kind]
