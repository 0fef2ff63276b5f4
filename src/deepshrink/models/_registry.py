"""A small model registry in the style of timm: `create_model`, `list_models`, `model_info`.

Each entry point is a function returning an `nn.Module`; its keyword arguments override the preset's defaults.
The model families register themselves when `deepshrink.models` imports them (Python imports that package
before this module, so the registry is always complete).
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Callable
from dataclasses import dataclass, field

from torch import nn

from deepshrink.errors import ConfigError

TASKS = ("classification", "autoencoder")
INPUT_KINDS = ("signal1d", "image2d", "vector")


@dataclass(frozen=True)
class ModelInfo:
    """What a registered model is: its task, the input it expects and where the design comes from."""

    name: str
    fn: Callable[..., nn.Module] = field(repr=False)
    task: str
    input_kind: str
    default_input: tuple[int, ...]
    reference: str = ""
    description: str = ""


_REGISTRY: dict[str, ModelInfo] = {}


def register_model(
    *,
    task: str,
    input_kind: str,
    default_input: tuple[int, ...],
    reference: str = "",
    description: str = "",
    name: str | None = None,
):
    """Decorator that adds a model entry point to the registry under its function name (or `name`)."""
    if task not in TASKS:
        raise ValueError(f"task must be one of {TASKS}, got {task!r}")
    if input_kind not in INPUT_KINDS:
        raise ValueError(f"input_kind must be one of {INPUT_KINDS}, got {input_kind!r}")

    def decorator(fn: Callable[..., nn.Module]) -> Callable[..., nn.Module]:
        key = name or fn.__name__
        if key in _REGISTRY:
            raise ValueError(f"model {key!r} is registered twice")
        doc = (fn.__doc__ or "").strip().splitlines()
        _REGISTRY[key] = ModelInfo(
            name=key,
            fn=fn,
            task=task,
            input_kind=input_kind,
            default_input=tuple(default_input),
            reference=reference,
            description=description or (doc[0] if doc else ""),
        )
        return fn

    return decorator


def list_models(pattern: str = "*", *, task: str | None = None, input_kind: str | None = None) -> list[str]:
    """Sorted names of the registered models matching a shell-style `pattern` (and task / input kind)."""
    return sorted(
        n
        for n, info in _REGISTRY.items()
        if fnmatch.fnmatchcase(n, pattern)
        and (task is None or info.task == task)
        and (input_kind is None or info.input_kind == input_kind)
    )


def model_info(name: str) -> ModelInfo:
    """The registry entry of `name`; a `ConfigError` naming close matches when it is unknown."""
    try:
        return _REGISTRY[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else " (see `deepshrink models`)"
        raise ConfigError(f"unknown model {name!r}{hint}") from None


def create_model(name: str, **kwargs) -> nn.Module:
    """Build the registered model `name`; keyword arguments override the preset's defaults."""
    info = model_info(name)
    try:
        return info.fn(**kwargs)
    except TypeError as err:
        raise ConfigError(f"model {name!r}: {err}") from None
