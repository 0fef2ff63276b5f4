"""Value types of the config, the YAML dialect it is read in, and how a jsonargparse error becomes one line.

One syntax for the command line and for YAML files:

- `Snr`: a number of dB (fixed) or "LOW:HIGH" / [LOW, HIGH] (a range sampled per window);
- `SnrGrid`: the SNRs an evaluation runs at: "DB", "LOW:HIGH" (1 dB steps), "LOW:HIGH:STEP" (inclusive),
  "A,B,C" or a list;
- `Names` / `Ints`: "a,b,c" or a list.

The YAML dialect is YAML 1.1 without sexagesimal numbers: plain PyYAML reads `snr: -10:5` as the base-60
number -605, which would silently train at the wrong SNR.
"""

from __future__ import annotations

import difflib
import math
import re
from pathlib import Path
from typing import Any

import yaml
from jsonargparse import set_loader, set_parsing_settings
from jsonargparse.typing import register_type

from deepshrink.choices import NOISE_KINDS, RECORDED, is_recorded, split_recorded
from deepshrink.errors import ConfigError, DataError

__all__ = [
    "PARSER_MODE",
    "Ints",
    "Level",
    "Names",
    "NoiseKinds",
    "NoiseName",
    "Snr",
    "SnrGrid",
    "config_error",
    "load_yaml_text",
    "parse_span",
    "parse_zones",
]

PARSER_MODE = "deepshrink_yaml"

# attribute docstrings of the config dataclasses are the help texts of their options
set_parsing_settings(docstring_parse_attribute_docstrings=True)


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # type: ignore[misc]
    """SafeLoader without sexagesimal ints/floats and without timestamps (a date is kept as text)."""


def _drop_resolver(tag: str) -> None:
    if "yaml_implicit_resolvers" not in _Loader.__dict__:
        _Loader.yaml_implicit_resolvers = {k: list(v) for k, v in _Loader.yaml_implicit_resolvers.items()}
    for first, mappings in _Loader.yaml_implicit_resolvers.items():
        _Loader.yaml_implicit_resolvers[first] = [(t, r) for t, r in mappings if t != tag]


for _tag in ("tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:timestamp"):
    _drop_resolver(_tag)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^(?:[-+]?0b[0-1_]+|[-+]?0[0-7_]+|[-+]?(?:0|[1-9][0-9_]*)|[-+]?0x[0-9a-fA-F_]+)$"),
    list("-+0123456789"),
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
        |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
        |\.[0-9_]+(?:[eE][-+][0-9]+)?
        |[-+]?\.(?:inf|Inf|INF)
        |\.(?:nan|NaN|NAN))$""",
        re.X,
    ),
    list("-+0123456789."),
)


def load_yaml_text(text: str) -> Any:
    """Parse YAML text in the config dialect (no sexagesimal numbers)."""
    return yaml.load(text, Loader=_Loader)  # a SafeLoader subclass: no arbitrary objects


set_loader(PARSER_MODE, load_yaml_text, exceptions=(yaml.YAMLError,))


# --- value types ----------------------------------------------------------------------------------------


def _finite(value: Any, text: Any, what: str) -> float:
    if isinstance(value, bool):
        raise ValueError(f"{what} {text!r}: expected a number of dB")
    v = float(value)
    if not math.isfinite(v):
        raise ValueError(f"{what} {text!r}: must be finite")
    return v


class _Named(type):
    """Value types show as their name in help texts ("Snr", not "<class 'deepshrink...Snr'>")."""

    def __repr__(cls) -> str:
        return cls.__name__


class Snr(metaclass=_Named):
    """A training SNR: a number of dB, or LOW:HIGH (a range sampled uniformly per window)."""

    @staticmethod
    def parse(value: Any) -> float | tuple[float, float]:
        """float or (low, high) from a number, "LOW:HIGH" or a pair; ValueError otherwise."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return _finite(value, value, "SNR")
        parts = str(value).strip().split(":") if isinstance(value, str) else list(value)
        try:
            vals = [_finite(p, value, "SNR") for p in parts]
        except (TypeError, ValueError):
            raise ValueError(
                f"bad SNR {value!r}: expected a number of dB or LOW:HIGH, e.g. 0 or -5:5"
            ) from None
        if len(vals) == 1:
            return vals[0]
        if len(vals) != 2 or vals[0] > vals[1]:
            raise ValueError(f"bad SNR {value!r}: expected LOW:HIGH with LOW <= HIGH, e.g. -5:5")
        return (vals[0], vals[1])

    @staticmethod
    def text(value: float | tuple[float, float]) -> str:
        """The SNR as a user types it ("0" or "-5:5")."""
        if isinstance(value, (tuple, list)):
            return f"{value[0]:g}:{value[1]:g}"
        return f"{value:g}"


class Level(metaclass=_Named):
    """A corruption level: a number (std or fraction), or LOW:HIGH (drawn per example)."""

    @staticmethod
    def parse(value: Any) -> float | tuple[float, float]:
        """float or (low, high); ValueError naming the value otherwise."""
        try:
            return Snr.parse(value)
        except ValueError:
            raise ValueError(f"bad level {value!r}: expected a number or LOW:HIGH, e.g. 0.5, 0:0.4") from None


class SnrGrid(metaclass=_Named):
    """Evaluation SNRs: DB, LOW:HIGH (1 dB steps), LOW:HIGH:STEP (inclusive), A,B,C or a list."""

    @staticmethod
    def parse(value: Any) -> list[float]:
        """The list of SNRs in dB; ValueError for anything else."""
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return [_finite(value, value, "SNR grid")]
        if isinstance(value, (list, tuple)):
            return [_finite(v, value, "SNR grid") for v in value]
        s = str(value).strip()
        try:
            if "," in s:
                return [_finite(p, value, "SNR grid") for p in s.split(",")]
            parts = [_finite(p, value, "SNR grid") for p in s.split(":")]
        except (TypeError, ValueError):
            raise ValueError(f"bad SNR grid {value!r}: expected DB, LOW:HIGH[:STEP] or A,B,C (dB)") from None
        if len(parts) == 1:
            return parts
        if len(parts) not in (2, 3):
            raise ValueError(f"bad SNR grid {value!r}: expected LOW:HIGH[:STEP]")
        low, high = parts[0], parts[1]
        step = parts[2] if len(parts) == 3 else 1.0
        if step <= 0 or low > high:
            raise ValueError(f"bad SNR grid {value!r}: need LOW <= HIGH and STEP > 0")
        n = math.floor((high - low) / step + 1e-9) + 1
        if n > 1000:
            raise ValueError(f"bad SNR grid {value!r}: {n} levels is too many (at most 1000)")
        return [round(low + i * step, 10) for i in range(n)]


class Names(metaclass=_Named):
    """Names: "a,b,c" or a list (empty entries refused)."""

    @staticmethod
    def parse(value: Any) -> list[str]:
        """The list of names."""
        items = value.split(",") if isinstance(value, str) else list(value)
        out = [str(v).strip() for v in items]
        if not out or not all(out):
            raise ValueError(f"{value!r}: empty entry in the list")
        return out


class NoiseName(metaclass=_Named):
    """A noise kind: "none", one of the generated kinds, or recorded:PATH (recorded noise, its recordings
    named by a file, a folder or a glob pattern; recorded:PATH@RATE for files without a rate)."""

    @staticmethod
    def parse(value: Any) -> str:
        """The kind; ValueError naming a close match for a misspelling. A recorded kind's files are looked
        at when the noise is first drawn (a results file's kinds parse on any machine)."""
        name = str(value).strip()
        kinds = ("none", *NOISE_KINDS)  # "none": clean windows
        if name in kinds:
            return name
        if is_recorded(name):
            split_recorded(name)  # the spelling only; ValueError says what is wrong
            return name
        close = difflib.get_close_matches(name, (*kinds, RECORDED), n=1)
        hint = (
            f" (did you mean {close[0]}{':PATH' if close and close[0] == RECORDED else ''}?)" if close else ""
        )
        raise ValueError(
            f"unknown noise kind {name!r}{hint}; choose from {', '.join(kinds)}, {RECORDED}:PATH"
        )


class NoiseKinds(metaclass=_Named):
    """Noise kinds: "gaussian,pink" or a list (each as `NoiseName` reads it); a name that is not a noise
    kind is refused when parsed, not after a training."""

    @staticmethod
    def parse(value: Any) -> list[str]:
        """The list of kinds."""
        return [NoiseName.parse(name) for name in Names.parse(value)]


class Ints(metaclass=_Named):
    """Integers: "0,1,2" or a list."""

    @staticmethod
    def parse(value: Any) -> list[int]:
        """The list of integers."""
        items = str(value).split(",") if isinstance(value, (str, int)) else list(value)
        try:
            out = [int(str(v).strip()) for v in items]
        except ValueError:
            raise ValueError(f"{value!r}: expected comma-separated integers") from None
        if not out:
            raise ValueError(f"{value!r}: empty list")
        return out


def _snr_dump(v: Any) -> Any:
    return Snr.text(v) if isinstance(v, (tuple, list)) else v


register_type(Snr, _snr_dump, Snr.parse)
register_type(Level, _snr_dump, Level.parse)
register_type(SnrGrid, list, SnrGrid.parse)
register_type(Names, list, Names.parse)
register_type(NoiseName, str, NoiseName.parse)
register_type(NoiseKinds, list, NoiseKinds.parse)
register_type(Ints, list, Ints.parse)


# --- errors ---------------------------------------------------------------------------------------------

_KEY = re.compile(r'Parser key "([^"]+)"')
_LITERAL = re.compile(r"Expected a typing\.Literal\[(.*?)\]\. Got value: (.*)")
_NOUNS = {
    "noise": "noise kind",
    "normalize": "normalisation",
    "corruption": "corruption",
    "labels": "label map",
}


def config_error(err: Exception, source: str) -> ConfigError:
    """One-line ConfigError from a jsonargparse error, carrying the config key it concerns.

    The message starts with "KEY: " (after "SOURCE: " unless the source is the command line), so that the
    command line can name its flag instead.
    """
    text = str(err)
    key_match = _KEY.search(text)
    key = key_match.group(1) if key_match else None
    lines = [ln.strip() for ln in text.splitlines() if ln.strip()]
    # of a union's alternatives (e.g. a number or None) the typed one says what was wrong
    typed = [ln for ln in lines if ln.lstrip("- ").startswith("Not of type")]
    detail = typed[-1] if typed else (lines[-1] if lines else text)
    for prefix in ("- ", "Not of type "):
        detail = detail.removeprefix(prefix)
    detail = re.sub(
        r"^(Snr|SnrGrid|Level|Names|NoiseName|NoiseKinds|Ints|Positive\w+|NonNegative\w+|int|float): ",
        "",
        detail,
    )
    given = re.search(r"Given value: (.*)", text)
    got = f", got {given.group(1).strip()}" if given else ""
    detail = re.sub(
        r"^(\S+ )?does not conform to restriction v>0",
        lambda m: f"must be > 0{got or ', got ' + (m.group(1) or '').strip()}",
        detail,
    )
    detail = re.sub(
        r"^(\S+ )?does not conform to restriction v>=0",
        lambda m: f"must be >= 0{got or ', got ' + (m.group(1) or '').strip()}",
        detail,
    )
    detail = re.sub(r"invalid literal for int\(\) with base 10: (.*)", r"invalid int value \1", detail)
    detail = re.sub(r"could not convert string to float: (.*)", r"invalid number \1", detail)
    lit = _LITERAL.search(text)
    if lit and key is not None:
        choices = lit.group(1).replace("'", "")
        detail = f"unknown {_NOUNS.get(key, key)} {lit.group(2).strip()!r}; choose one of {choices}"
    where = "" if source == "command line" else f"{source}: "
    if key is None:
        unknown = re.search(r"[Uu]nrecognized arguments: (.*)", text) or re.search(r"Key \"([^\"]+)\"", text)
        message = f"{where}{unknown.group(0) if unknown else detail}"
    else:
        message = f"{where}{key}: {detail}"
    return ConfigError(" ".join(message.split()), key=key)


def read_yaml_file(path: str) -> dict[str, Any]:
    """A YAML mapping from a file in the config dialect; DataError naming the file for anything else."""
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise DataError(f"{p}: config file not found") from None
    except (OSError, UnicodeDecodeError) as err:
        raise DataError(f"{p}: cannot read config file ({err})") from None
    try:
        values = load_yaml_text(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark is not None else ""
        raise DataError(f"{p}: invalid YAML{where}") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise DataError(f"{p}: expected a mapping of options at the top level, got {type(values).__name__}")
    return values


# a time or a count (deepshrink monitor's --skip, --reference, --rebaseline)
_UNITS = {"s": 1.0, "sec": 1.0, "min": 60.0, "m": 60.0, "h": 3600.0, "hr": 3600.0, "d": 86400.0}
_SPAN = re.compile(r"^\s*(\d+(?:\.\d*)?|\.\d+)\s*([a-z]*)\s*$")


def parse_span(text: str | int | float | None, key: str) -> tuple[float | None, int | None]:
    """(seconds, None) for a time ("90min", "2h", "30s"), (None, count) for a plain integer; ConfigError
    naming `key` otherwise."""
    if text is None:
        return None, None
    if isinstance(text, bool):
        raise ConfigError(
            f"{key}: expected a time (90min, 2h) or a count of snapshots, got {text!r}", key=key
        )
    if isinstance(text, int):
        return None, text
    m = _SPAN.match(str(text).lower())
    if m is None or (m.group(2) and m.group(2) not in _UNITS) or (not m.group(2) and "." in m.group(1)):
        raise ConfigError(
            f"{key}: expected a time (30s, 90min, 2h, 1d) or a count of snapshots (40), got {text!r}", key=key
        )
    value = float(m.group(1))
    return (value * _UNITS[m.group(2)], None) if m.group(2) else (None, int(value))


def parse_zones(text: str | None, key: str = "zones") -> tuple[float, float, float] | None:
    """The three zone boundaries A/B, B/C, C/D of velocity RMS in mm/s ("1.4,2.8,4.5"), increasing and
    positive; ConfigError naming `key` otherwise."""
    if text is None:
        return None
    parts = [p.strip() for p in str(text).split(",")]
    try:
        values = tuple(float(p) for p in parts)
    except ValueError:
        values = ()
    positive = len(values) == 3 and all(math.isfinite(v) and v > 0 for v in values)
    if not positive or not values[0] < values[1] < values[2]:
        raise ConfigError(
            f"{key}: expected three increasing boundaries in mm/s, A/B,B/C,C/D (e.g. 1.4,2.8,4.5), got"
            f" {text!r}",
            key=key,
        )
    return values  # type: ignore[return-value]
