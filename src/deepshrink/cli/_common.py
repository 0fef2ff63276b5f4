"""Helpers shared by the subcommands: tables, KEY=VALUE options, list parsing."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any

from deepshrink.errors import ConfigError


def key_values(items: Sequence[str] | None, option: str) -> dict[str, Any]:
    """Parse ["k=v", ...] (values read as YAML scalars/lists: 3, 0.5, true, [8,16]) into a dict."""
    import yaml

    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option} {item!r}: expected KEY=VALUE")
        try:
            out[key.strip()] = yaml.safe_load(value)
        except yaml.YAMLError:
            raise ConfigError(f"{option} {item!r}: cannot read the value") from None
    return out


def comma_list(text: str, option: str) -> list[str]:
    """ "a,b" -> ["a", "b"] (empty entries refused)."""
    parts = [p.strip() for p in text.split(",")]
    if not all(parts):
        raise ConfigError(f"{option} {text!r}: empty entry in the comma-separated list")
    return parts


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A rich table on stdout (plain text when stdout is not a terminal)."""
    from rich.console import Console
    from rich.table import Table

    table = Table(title=title, show_lines=False)
    for col in columns:
        table.add_column(str(col), overflow="fold")
    for row in rows:
        table.add_row(*("" if v is None else str(v) for v in row))
    Console(width=200 if not _isatty() else None).print(table)


def _isatty() -> bool:
    import sys

    return sys.stdout.isatty()


def add_quiet(parser: argparse.ArgumentParser) -> None:
    """The common --quiet flag."""
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars or info messages")


def check_noise_kinds(kinds: Sequence[str], option: str) -> None:
    """ConfigError naming `option` for a noise kind that `add_noise` does not know."""
    from deepshrink.functional.noise import NOISE_KINDS

    for kind in kinds:
        if kind not in NOISE_KINDS and kind != "none":
            raise ConfigError(
                f"{option}: unknown noise kind {kind!r}; choose from none, {', '.join(NOISE_KINDS)}"
            )
