"""How every configuration is declared, parsed, checked and saved: the machinery under `config.py`'s
dataclasses (which hold only the options and the checks no type can express).

- `option(default, *roles)`: a dataclass field with its roles; `fields_with(cls, role)` lists them, so a list
  of options with a role is never written by hand.
- `parse_config(cls, values)`: a mapping (YAML, the command line, the Python API) validated by jsonargparse
  into `cls`, then `cls.check()`; unknown keys and bad values name the key.
- `to_dict` / `save_config` / `load_config`: config.yaml, the resume and reproduce contract; `check_resume`,
  `validated`, `replace`.
"""

from __future__ import annotations

import dataclasses
import difflib
import os
from dataclasses import field
from typing import Any, TypeVar

import yaml
from jsonargparse import ArgumentParser

from deepshrink.atomic import atomic_write_text
from deepshrink.engine.core.option_types import PARSER_MODE, config_error, read_yaml_file
from deepshrink.errors import ConfigError

__all__ = [
    "AXIS",
    "CELL",
    "DATA",
    "LENGTH",
    "PLACE",
    "ROLES",
    "SIGNAL",
    "TEST",
    "check_resume",
    "config_parser",
    "fields_with",
    "load_config",
    "option",
    "parse_config",
    "replace",
    "save_config",
    "to_dict",
    "validated",
]

C = TypeVar("C")

# Each option's roles, declared with the option (dataclass field metadata); every list of options with a
# role is derived from these (`fields_with`), so a new option is one declaration:
DATA = "data"  # decides which windows a run sees (the window cache's key; compare_runs' "same windows")
TEST = "test"  # chooses a run's test windows: `evaluate` may change it (never what the run trained on)
CELL = "cell"  # set per cell by the benchmark grid (hidden from `deepshrink benchmark`)
LENGTH = "length"  # how long a run trains: may change when it is resumed
PLACE = "place"  # where or how fast the output is made or drawn, never what: may change on any resume
AXIS = "axis"  # a benchmark grid axis: new values add cells, so a benchmark resumes with more of them
SIGNAL = "signal"  # read only for signal windows: refused for image data sets (an image is one window)
ROLES = (DATA, TEST, CELL, LENGTH, PLACE, AXIS, SIGNAL)


def option(
    default: Any = dataclasses.MISSING, *roles: str, factory: Any = None, scenarios: tuple = ()
) -> Any:
    """A config field with its roles (and, for options only some scenarios read, those scenarios).
    `factory` (a mutable default: dict) replaces `default`."""
    unknown = set(roles) - set(ROLES)
    if unknown:
        raise ValueError(f"unknown option role(s) {sorted(unknown)}; roles: {', '.join(ROLES)}")
    metadata = {"roles": frozenset(roles), **({"scenarios": tuple(scenarios)} if scenarios else {})}
    if factory is not None:
        return field(default_factory=factory, metadata=metadata)
    return field(default=default, metadata=metadata)


def fields_with(cls: type, *roles: str) -> tuple[str, ...]:
    """The options of `cls` having any of `roles`, in declaration order."""
    return tuple(f.name for f in dataclasses.fields(cls) if f.metadata.get("roles", frozenset()) & set(roles))


def config_parser(
    cls: type, *, prog: str | None = None, description: str | None = None, skip: set[str] | None = None
) -> ArgumentParser:
    """A jsonargparse parser of `cls`'s options (flat: `--batch_size`), without the keys in `skip`."""
    parser = ArgumentParser(prog=prog, description=description, exit_on_error=False, parser_mode=PARSER_MODE)
    parser.add_class_arguments(cls, nested_key=None, as_group=True, fail_untyped=True, skip=skip or None)
    return parser


def _known(cls: type) -> list[str]:
    return [f.name for f in dataclasses.fields(cls)]


def parse_config(cls: type[C], values: dict[str, Any], *, source: str = "config") -> C:
    """Validate a mapping of options into `cls` (unknown keys, wrong types and bad values name the key)."""
    if not isinstance(values, dict):
        raise ConfigError(f"{source}: expected a mapping of options, got {type(values).__name__}")
    values = {k.replace("-", "_") if isinstance(k, str) else k: v for k, v in values.items()}
    known = _known(cls)
    for key in values:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{source}: unknown key {key!r}{hint}", key=str(key))
    parser = config_parser(cls)
    try:
        ns = parser.parse_object(values)
    except Exception as err:  # jsonargparse raises ArgumentError / NSKeyError / TypeError variants
        raise config_error(err, source) from None
    cfg = cls(**{k: _builtin(ns[k]) for k in known})
    cfg.check()
    return cfg


def _builtin(v: Any) -> Any:
    """Plain Python values: jsonargparse's restricted numbers (PositiveInt, ...) are subclasses of int and
    float that YAML cannot write; its lists and tuples keep their kind."""
    if isinstance(v, bool) or v is None or type(v) in (int, float, str):
        return v
    if isinstance(v, int):
        return int(v)
    if isinstance(v, float):
        return float(v)
    if isinstance(v, tuple):
        return tuple(_builtin(x) for x in v)
    if isinstance(v, list):
        return [_builtin(x) for x in v]
    if isinstance(v, dict):
        return {k: _builtin(x) for k, x in v.items()}
    return v


def to_dict(cfg: Any) -> dict[str, Any]:
    """Plain YAML-safe values (tuples become lists)."""

    def plain(v: Any) -> Any:
        if isinstance(v, tuple):
            return [plain(x) for x in v]
        if isinstance(v, list):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {k: plain(x) for k, x in v.items()}
        return v

    return {f.name: plain(getattr(cfg, f.name)) for f in dataclasses.fields(cfg)}


def load_config(path: str | os.PathLike, cls: type[C], **overrides: Any) -> C:
    """Read a YAML config file; keyword overrides win (the command line's options)."""
    values = read_yaml_file(str(path))
    values.update(overrides)
    return parse_config(cls, values, source=str(path))


def save_config(cfg: Any, path: str | os.PathLike) -> None:
    """Write the resolved config as YAML, atomically (`load_config` of it gives back an equal config)."""
    atomic_write_text(path, yaml.safe_dump(to_dict(cfg), sort_keys=False, default_flow_style=None))


def check_resume(cfg: Any, saved_path: str | os.PathLike) -> None:
    """ConfigError naming the first option that differs from the run's saved config.yaml (any config
    class: classifier and autoencoder runs resume under the same rule); nothing when there is none."""
    if not os.path.isfile(saved_path):
        return
    saved, new = to_dict(load_config(saved_path, type(cfg))), to_dict(cfg)
    resumable = fields_with(type(cfg), PLACE, LENGTH)
    diff = [k for k, v in saved.items() if k not in resumable and new.get(k) != v]
    if diff:
        raise ConfigError(
            f"resume: options differ from the saved run ({', '.join(diff)}); resume with the same options",
            key=diff[0],
        )


def validated(cfg: Any, cls: type[C]) -> C:
    """`cfg` checked as a `cls` (its fields of `cls` only): what the engine's entry points run on configs
    built in Python, which a dataclass alone does not check."""
    return parse_config(cls, {f.name: to_dict(cfg)[f.name] for f in dataclasses.fields(cls)}, source="config")


def replace(cfg: C, **changes: Any) -> C:
    """A validated copy of `cfg` with some options changed (how the benchmark builds each cell)."""
    return parse_config(type(cfg), {**to_dict(cfg), **changes}, source="config")
