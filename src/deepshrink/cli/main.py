"""`deepshrink` command line: one module per subcommand, registered in SUBCOMMANDS.

A subcommand module `deepshrink/cli/<name>.py` defines `HELP` (one line), `add_arguments(parser)` and
`run(args) -> int`, and imports anything heavy inside `run` so that `--help` stays fast. Adding a subcommand
is adding its module name to SUBCOMMANDS.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence

SUBCOMMANDS: tuple[str, ...] = (
    "train",
    "evaluate",
    "predict",
    "export",
    "models",
    "datasets",
    "benchmark",
    "demo",
    "dae",
)

_NEGATIVE_VALUE = re.compile(r"^-\.?\d")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str):  # one line and exit 2, like every other user mistake
        self.exit(2, f"{self.prog}: error: {message} (see --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser with every registered subcommand."""
    from deepshrink import __version__

    parser = _Parser(
        prog="deepshrink",
        description="Deep residual shrinkage networks and denoising autoencoders for heavily noisy data.",
    )
    parser.add_argument("--version", action="version", version=f"deepshrink {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in SUBCOMMANDS:
        module = importlib.import_module(f"deepshrink.cli.{name}")
        p = sub.add_parser(
            name,
            help=module.HELP,
            description=getattr(module, "DESCRIPTION", module.HELP),
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def _join_negative_values(argv: list[str]) -> list[str]:
    # "--snr -5:5" would be read by argparse as an unknown option; glue such values to their option.
    out: list[str] = []
    i = 0
    while i < len(argv):
        tok = argv[i]
        if (
            tok.startswith("--")
            and "=" not in tok
            and i + 1 < len(argv)
            and _NEGATIVE_VALUE.match(argv[i + 1])
        ):
            out.append(f"{tok}={argv[i + 1]}")
            i += 2
            continue
        out.append(tok)
        i += 1
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 success, 2 bad input, 130 interrupted)."""
    from deepshrink.errors import DeepShrinkError

    args_list = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    parser = build_parser()
    try:
        args = parser.parse_args(args_list)
    except SystemExit as exc:
        return int(exc.code or 0)
    if getattr(args, "_run", None) is None:
        parser.print_help()
        return 2
    try:
        return int(args._run(args) or 0)
    except DeepShrinkError as err:
        message = " ".join(str(err).split())  # ONE line
        print(f"deepshrink: error: {message}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        hint = " (continue with: deepshrink train --out RUN_DIR --resume)" if args.command == "train" else ""
        print(f"deepshrink: interrupted{hint}", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
