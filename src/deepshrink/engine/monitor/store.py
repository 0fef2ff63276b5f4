"""A fitted monitor on disk: model.safetensors + model.json (the DAE, and everything else as versioned JSON)
and reference.safetensors (the IsolationForest's training features). Nothing is ever unpickled.

Version 2 (this one) keeps a baseline per operating condition with the verdict's bounds. A version-1 monitor
(one baseline, no verdict bounds) still loads and streams: its baseline becomes the pooled one, the verdict
is then left out (reported), and an indicator that a saved monitor predates is scored NaN and reported
missing rather than failing.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.numpy import load_file, save_file

from deepshrink.atomic import atomic_write
from deepshrink.engine.core.artifacts import load_model, save_model
from deepshrink.engine.monitor.families import FamilySettings
from deepshrink.engine.monitor.indicators import INDICATORS
from deepshrink.engine.monitor.reference import POOLED, Baseline, HealthReference
from deepshrink.engine.monitor.scores import persistence_rule
from deepshrink.errors import DataError

__all__ = ["FORMAT_VERSION", "REFERENCE_FILE", "load_reference", "save_reference"]

FORMAT_VERSION = 2
REFERENCE_FILE = "reference.safetensors"


def save_reference(ref: HealthReference, run_dir: str | Path, meta: dict[str, Any]) -> None:
    run = Path(run_dir)
    atomic_write(run / REFERENCE_FILE, lambda tmp: save_file({"features": ref.features}, tmp))
    save_model(
        run,
        ref.dae,
        {
            **meta,
            "task": "monitor",
            "monitor_version": FORMAT_VERSION,
            "indicators": list(INDICATORS),  # registered when saved: a later one is reported as new
            "left_out": list(
                ref.missing
            ),  # registered but not applying to these data (velocity without a unit)
            "model": ref.model_name,
            "model_kwargs": ref.model_kwargs,
            "window": ref.window,
            "channels": ref.channels,
            "length": ref.length,
            "sample_rate": ref.sample_rate,
            "seed": ref.seed,
            "false_alarm_rate": ref.false_alarm_rate,
            "persistence": ref.persistence,
            "baselines": {c: b.to_json() for c, b in ref.baselines.items()},
            "families": None if ref.families is None else ref.families.to_json(),
            "unit": ref.unit,
            "verdict_model_p": ref.model_p,
            "zones": None if ref.zones is None else list(ref.zones),
        },
    )


def _baselines(meta: dict[str, Any]) -> dict[str, Baseline]:
    if "baselines" in meta:
        return {
            c: Baseline(
                scale=float(b["scale"]),
                thresholds={k: float(v) for k, v in b["thresholds"].items()},
                centres={k: float(v) for k, v in b["centres"].items()},
                alert={k: float(v) for k, v in b.get("alert", {}).items()},
                danger={k: float(v) for k, v in b.get("danger", {}).items()},
                calibration=int(b.get("calibration", 0)),
            )
            for c, b in meta["baselines"].items()
        }
    # version 1: one baseline, flat
    return {
        POOLED: Baseline(
            scale=float(meta["scale"]),
            thresholds={k: float(v) for k, v in meta["thresholds"].items()},
            centres={k: float(v) for k, v in meta["centres"].items()},
        )
    }


def _persistence(saved: Any) -> int | str:
    """The saved persistence: a count (3) or a time ("30min"), checked (ValueError when it is neither)."""
    value = int(saved) if isinstance(saved, (int, float)) and not isinstance(saved, bool) else str(saved)
    persistence_rule(value)
    return value


def load_reference(run_dir: str | Path) -> tuple[HealthReference, dict[str, Any]]:
    """The fitted monitor of a `deepshrink monitor` run directory; (reference, meta). meta["missing"] lists
    the indicators the saved monitor lacks (scored NaN)."""
    dae, meta = load_model(run_dir)
    where = meta.get("_path", run_dir)
    if meta.get("task") != "monitor":
        raise DataError(f"{where}: not a monitor run (task {meta.get('task', 'classification')!r})")
    version = int(meta.get("monitor_version", 1))
    if version > FORMAT_VERSION:
        raise DataError(
            f"{where}: a monitor of format {version}, newer than this deepshrink reads ({FORMAT_VERSION})"
        )
    path = Path(where).parent / REFERENCE_FILE
    try:
        features = load_file(str(path))["features"]
    except (SafetensorError, OSError, KeyError, ValueError) as err:
        raise DataError(f"{path}: missing or corrupt reference features ({err})") from None
    try:
        baselines = _baselines(meta)
        missing = tuple(n for n in INDICATORS if n not in baselines[POOLED].thresholds)
        ref = HealthReference(
            window=int(meta["window"]),
            channels=int(meta["channels"]),
            length=int(meta["length"]),
            sample_rate=meta.get("sample_rate"),
            model_name=meta["model"],
            model_kwargs=meta["model_kwargs"],
            dae=dae,
            features=features,
            seed=int(meta["seed"]),
            false_alarm_rate=float(meta["false_alarm_rate"]),
            persistence=_persistence(meta["persistence"]),
            baselines=baselines,
            missing=missing,
            families=FamilySettings.from_json(meta.get("families")),
            unit=meta.get("unit"),
            model_p={k: float(v) for k, v in (meta.get("verdict_model_p") or {}).items()},
            zones=None if meta.get("zones") is None else tuple(float(v) for v in meta["zones"]),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise DataError(f"{where}: corrupt monitor metadata ({type(err).__name__}: {err})") from None
    # the indicators registered after this monitor was saved (version 1 listed none: its thresholds say)
    known = meta.get("indicators") if version >= 2 else list(baselines[POOLED].thresholds)
    meta["missing"] = [n for n in missing if n not in (known or []) and n not in meta.get("left_out", [])]
    meta["monitor_version"] = version
    return ref, meta
