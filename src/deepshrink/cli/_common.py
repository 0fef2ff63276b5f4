"""Helpers shared by the subcommands: config parsing from argv + YAML, tables, progress lines, KEY=VALUE.

Options of config-backed commands (train, benchmark, dae train, datasets) are the config keys, declared once
in `deepshrink.engine.core.config`; a flag may be written with dashes or underscores (`--batch-size` is
`--batch_size`). `--config FILE` reads a YAML file; options on the command line win over it.
"""

from __future__ import annotations

import argparse
import difflib
import os
import sys
import time
from collections.abc import Sequence
from typing import Any

import yaml
from jsonargparse import ArgumentParser, DefaultHelpFormatter
from rich.console import Console
from rich.table import Table

from deepshrink.engine.core.option_types import config_error, load_yaml_text, read_yaml_file
from deepshrink.engine.core.options import config_parser, parse_config
from deepshrink.errors import ConfigError
from deepshrink.formatting import epoch_metrics, table_cells

__all__ = [
    "DATA_ARG",
    "MODEL_ARG",
    "OVERWRITE",
    "QUIET",
    "RESUME",
    "VERBOSE",
    "EpochLine",
    "OneLineParser",
    "add_quiet",
    "key_values",
    "parse_config_argv",
    "print_table",
]


# Flags of config-backed commands that are not config keys (how to run, not what to train).
RESUME = (
    ("--resume",),
    {"action": "store_true", "help": "continue the run in --out from checkpoints/last.ckpt"},
)
OVERWRITE = (("--overwrite",), {"action": "store_true", "help": "replace an existing run in --out"})
QUIET = (("--quiet", "-q"), {"action": "store_true", "help": "no progress lines (results are still printed)"})
VERBOSE = (("--verbose",), {"action": "store_true", "help": "also Lightning's own messages"})
MODEL_ARG = (
    ("--model_arg",),
    {"action": "append", "dest": "model_arg", "metavar": "KEY=VALUE", "help": "model argument, repeatable"},
)
DATA_ARG = (
    ("--data_arg",),
    {
        "action": "append",
        "dest": "data_arg",
        "metavar": "KEY=VALUE",
        "help": "data loader argument, repeatable",
    },
)


class _HelpFormatter(DefaultHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Every option with its type and default; descriptions keep their line breaks (examples)."""


class _OwnHelpFormatter(_HelpFormatter):
    """For options declared with their own help text, which says the default where it matters."""

    def _get_help_string(self, action: argparse.Action) -> str:
        if isinstance(action, argparse._HelpAction):
            return super()._get_help_string(action)
        return action.help or ""


class OneLineParser(ArgumentParser):
    """The parser of the commands whose options are not a config (evaluate, predict, export, models, demo,
    dae denoise / score, monitor stream): jsonargparse's, as for the config-backed ones (one parser family,
    one help layout), with errors as one line and exit code 2, like every other user mistake."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _OwnHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str, ex: Exception | None = None):
        del ex
        detail = " ".join(str(message).split())
        self.exit(2, f"{self.prog}: error: {detail} (see --help)\n")


def key_values(items: Sequence[str] | None, option: str) -> dict[str, Any]:
    """Parse ["k=v", ...] (values read as YAML scalars/lists: 3, 0.5, true, [8,16]) into a dict."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"{option} {item!r}: expected KEY=VALUE")
        try:  # the config's YAML dialect: "-10:5" stays text (plain YAML 1.1 reads it as base 60: -605)
            out[key.strip()] = load_yaml_text(value)
        except yaml.YAMLError:
            raise ConfigError(f"{option} {item!r}: cannot read the value") from None
    return out


def add_quiet(parser: argparse.ArgumentParser, what: str = "progress") -> None:
    """The common --quiet flag: silences progress only, never the results."""
    parser.add_argument(
        "--quiet", "-q", action="store_true", help=f"no {what} messages (results are still printed)"
    )


def print_table(title: str | None, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """The package's one table (`formatting.table_cells`) on stdout, drawn by rich (plain text when stdout
    is not a terminal)."""
    head, body = table_cells(columns, rows)
    table = Table(title=title, show_lines=False)
    for col in head:
        table.add_column(col, overflow="fold")
    for row in body:
        table.add_row(*row)
    Console(width=_width()).print(table)


def _width() -> int | None:
    """The table width: $COLUMNS when set (a terminal, or a user piping to a narrow viewer), else the
    terminal's, else 200 (a file or a pipe)."""
    cols = os.environ.get("COLUMNS", "")
    if cols.isdigit() and int(cols) >= 40:
        return int(cols)
    return None if sys.stdout.isatty() else 200


def _undash(argv: list[str], parser: argparse.ArgumentParser, aliases: dict[str, str]) -> list[str]:
    """`--batch-size` -> `--batch_size` for options the parser knows; `aliases` renames whole options."""
    known = {s for a in parser._actions for s in a.option_strings}
    out = []
    for tok in argv:
        if tok.startswith("--"):
            name, eq, value = tok.partition("=")
            name = aliases.get(name, name)
            if name not in known and name.replace("-", "_").replace("__", "--", 1) in known:
                name = "--" + name[2:].replace("-", "_")
            tok = name + eq + value
        out.append(tok)
    return out


# options of earlier versions that were renamed: a user of the old name gets the new one, not "unrecognized"
RENAMED = {
    "--split-by": "--split-by was renamed --scenario (time -> within, group -> cross-group, load -> "
    "cross-condition with --test-conditions)",
    "--split_by": "--split-by was renamed --scenario (time -> within, group -> cross-group, load -> "
    "cross-condition with --test-conditions)",
}


def _refuse_renamed(argv: list[str]) -> None:
    for tok in argv:
        name = tok.split("=", 1)[0]
        if name in RENAMED:
            raise ConfigError(RENAMED[name])


def _config_file(argv: list[str]) -> tuple[str | None, list[str]]:
    # Not jsonargparse's ActionConfigFile: that applies the file where --config stands, so in
    # `--epochs 5 --config f.yaml` the file would win. Here the command line wins wherever --config stands,
    # over a base (a run's saved config) too, and an unknown key in the file is named with a close match.
    rest, path, i = [], None, 0
    while i < len(argv):
        tok = argv[i]
        if tok == "--config" and i + 1 < len(argv):
            path, i = argv[i + 1], i + 2
            continue
        if tok.startswith("--config="):
            path = tok.split("=", 1)[1]
        else:
            rest.append(tok)
        i += 1
    return path, rest


def parse_config_argv(
    cls: type,
    argv: list[str],
    *,
    prog: str,
    description: str,
    extra: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
    skip: Sequence[str] = (),
    aliases: dict[str, str] | None = None,
    base: dict[str, Any] | None = None,
) -> tuple[Any, argparse.Namespace]:
    """(config of `cls`, the extra flags) from argv: `base` values (e.g. a run's saved config), then
    `--config FILE`, then the command line; every value validated by the config's declarations."""
    _refuse_renamed(argv)
    parser = command_parser(cls, prog=prog, description=description, extra=extra, skip=skip)
    path, rest = _config_file(argv)
    values = dict(base or {})
    source = "command line"
    if path is not None:
        values.update(read_yaml_file(path))
        source = path
    extra_dests = {kw.get("dest") or flags[0].lstrip("-").replace("-", "_") for flags, kw in extra}
    known = {a.dest for a in parser._actions}
    for key in values:
        if key not in known or key in extra_dests:
            close = difflib.get_close_matches(str(key), sorted(known - extra_dests), n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise ConfigError(f"{source}: unknown key {key!r}{hint}", key=str(key))
    try:
        if values:
            parser.set_defaults(**values)
        ns = parser.parse_args(_undash(rest, parser, aliases or {}))
    except ConfigError:
        raise
    except Exception as err:  # jsonargparse's ArgumentError and friends: one line naming the key
        raise _cli_error(err) from None
    flags = argparse.Namespace(**{d: ns.get(d) for d in extra_dests})
    options = {k: ns.get(k) for k in known - extra_dests - {"help", "config"} if k in ns and k not in skip}
    return parse_config(cls, options, source=source), flags


def _cli_error(err: Exception) -> ConfigError:
    text = str(err)
    if "nrecognized arguments" in text:
        return ConfigError(" ".join(text.split()))
    return config_error(err, "command line")


def command_parser(
    cls: type,
    *,
    prog: str,
    description: str,
    extra: Sequence[tuple[tuple[str, ...], dict[str, Any]]] = (),
    skip: Sequence[str] = (),
) -> ArgumentParser:
    """The jsonargparse parser of a config-backed command (for --help and parsing)."""
    parser = config_parser(cls, prog=prog, description=description, skip=set(skip))
    parser.formatter_class = _HelpFormatter
    parser.add_argument("--config", metavar="FILE", help="YAML file of options (command-line options win)")
    for flags, kwargs in extra:
        parser.add_argument(*flags, **kwargs)
    return parser


class EpochLine:
    """Progress of a training: one line per epoch (rewritten in place on a terminal), with the time left
    from the mean epoch time so far (steady, never negative)."""

    def __init__(self, label: str, stream=None) -> None:
        self.label, self.stream = label, stream if stream is not None else sys.stderr
        self.t0 = time.perf_counter()
        self.inline = False
        self.first: int | None = None  # the first epoch this process ran (a resumed run starts later)

    def __call__(self, epoch: int, epochs: int, row: dict[str, Any]) -> None:
        spent = time.perf_counter() - self.t0
        if self.first is None:
            self.first = epoch
        # the epochs run here, not the epoch number: after --resume the earlier epochs took no time here
        per_epoch = spent / max(epoch - self.first + 1, 1)
        left = max(0.0, per_epoch * (epochs - epoch))
        parts = [f"{self.label} epoch {epoch}/{epochs}", *epoch_metrics(row)]
        parts.append(f"{per_epoch:.1f} s/epoch")
        if epoch < epochs:
            parts.append(f"about {left / 60:.1f} min left")
        line = " | ".join(parts)
        if self.stream.isatty():
            self.stream.write("\r" + line + "\x1b[K" + ("\n" if epoch >= epochs else ""))
        else:
            self.stream.write(line + "\n")
        self.stream.flush()
