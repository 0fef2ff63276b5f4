"""`deepshrink` command line: one module per subcommand, imported only when that command runs.

A subcommand module `deepshrink/cli/<name>.py` defines `HELP` (one line, repeated in COMMANDS below so that
`deepshrink --help` imports nothing heavy) and `main(argv, prog) -> int`. Every user mistake becomes one
line on stderr and exit code 2; an error about an option names its flag. Adding a subcommand is adding its
module and a line to COMMANDS.
"""

from __future__ import annotations

import difflib
import importlib
import os
import re
import sys
from collections.abc import Sequence

from deepshrink import __version__
from deepshrink.errors import DeepShrinkError

COMMANDS: dict[str, str] = {
    "train": "train a classifier (DRSN, ResNet, ConvNet) on noisy windows, then evaluate it across SNRs",
    "evaluate": "accuracy of a trained run versus SNR (table + eval.json, eval.csv and figures)",
    "predict": "classify files (.mat/.npy/.csv/.wav) or folders with a trained run: per window and per file",
    "diagnose": "bearing fault verdict per file by envelope analysis (outer, inner, ball or none): no model",
    "export": "export a trained run to ONNX and check it against PyTorch with onnxruntime",
    "models": "list registered models (name, task, input, parameters, reference)",
    "datasets": "show the data sets and where they are looked for; preview a data spec and its split",
    "benchmark": "compare models across noise kinds, SNRs, seeds and scenario folds (resumable, parallel)",
    "demo": "a few-minute ResNet vs DRSN-CW noise-robustness comparison on the built-in simulator",
    "dae": "denoising autoencoders: train, denoise files, score files for anomalies, sample a VAE",
    "monitor": "condition monitoring: fit on a machine's healthy snapshots, score its life, raise alarms",
}
SUBCOMMANDS = tuple(COMMANDS)

_NEGATIVE_VALUE = re.compile(r"^-\.?\d")


def _join_negative_values(argv: list[str]) -> list[str]:
    # "--snr -5:5" would be read as an unknown option "-5:5"; glue such values to their option.
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


def _overview() -> str:
    width = max(map(len, COMMANDS))
    lines = [
        "usage: deepshrink [--version] COMMAND [options]",
        "",
        "Deep residual shrinkage networks and denoising autoencoders for heavily noisy data.",
        "",
        "commands:",
        *(f"  {name:<{width}}  {text}" for name, text in COMMANDS.items()),
        "",
        "deepshrink COMMAND --help shows the options of a command.",
    ]
    return "\n".join(lines)


def flag_of(key: str) -> str:
    """The command-line flag of a config key."""
    return "--" + key.replace("_", "-")


def one_line(err: DeepShrinkError) -> str:
    """The error as one line; a message about option KEY names its flag (`--batch-size`)."""
    message = " ".join(str(err).split())
    key = getattr(err, "key", None)
    if key and message.startswith(f"{key}:"):
        message = flag_of(key) + message[len(key) :]
    return message


def _option_value(args: Sequence[str], flag: str) -> str | None:
    """The value of `flag` in args (`--out DIR` or `--out=DIR`), for messages; None when absent."""
    for i, tok in enumerate(args):
        if tok == flag and i + 1 < len(args):
            return args[i + 1]
        if tok.startswith(flag + "="):
            return tok.split("=", 1)[1]
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; the exit code: 0 success, 1 failed work, 2 bad input, 130 interrupted."""
    args = _join_negative_values(list(sys.argv[1:] if argv is None else argv))
    if not args or args[0] in ("-h", "--help"):
        print(_overview())
        return 0 if args else 2
    if args[0] == "--version":
        print(f"deepshrink {__version__}")
        return 0
    name = args[0]
    if name not in COMMANDS:
        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f" (did you mean {close[0]}?)" if close else ""
        print(
            f"deepshrink: error: invalid choice: {name!r}{hint}; commands: {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    module = importlib.import_module(f"deepshrink.cli.{name}")
    try:
        return int(module.main(args[1:], prog=f"deepshrink {name}") or 0)
    except DeepShrinkError as err:
        print(f"deepshrink {name}: error: {one_line(err)}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # argparse's --help and usage errors
        return int(exc.code or 0) if isinstance(exc.code, int) or exc.code is None else 2
    except KeyboardInterrupt:
        hint = ""
        if name == "train":  # the real directory, so the line can be copied as it is
            out = _option_value(args[1:], "--out") or "RUN_DIR"
            hint = f" (continue with: deepshrink train --out {out} --resume)"
        print(f"deepshrink: interrupted{hint}", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # the reader of our output went away (`... | head`): end quietly, as Unix tools do
        try:  # point stdout at /dev/null so that the interpreter's final flush does not fail again
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        except (OSError, ValueError):
            pass
        return 0


if __name__ == "__main__":
    sys.exit(main())
