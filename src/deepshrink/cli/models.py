"""`deepshrink models`: the model registry."""

from __future__ import annotations

from deepshrink.cli._common import OneLineParser, print_table
from deepshrink.errors import ConfigError

HELP = "list registered models (name, task, input, parameters, reference)"
DESCRIPTION = """List the registered models, optionally those matching a shell-style PATTERN.

example:
  deepshrink models 'drsn*'
"""


def main(argv: list[str], prog: str) -> int:
    """Print the registry table."""
    p = OneLineParser(prog=prog, description=DESCRIPTION)
    # no default on the positional: jsonargparse < 4.46 refuses one (the lowest declared version is tested)
    p.add_argument("pattern", nargs="?", help="shell-style name pattern (default *)")
    p.add_argument("--task", choices=("classification", "autoencoder"), help="only this task")
    args = p.parse_args(argv)
    from deepshrink.models import count_parameters, create_model, list_models, model_info  # after parsing

    pattern = args.pattern or "*"
    names = list_models(pattern, task=args.task)
    if not names:
        raise ConfigError(f"no model matches {pattern!r} (see `deepshrink models`)")
    rows = []
    for name in names:
        info = model_info(name)
        params = f"{count_parameters(create_model(name)):,}"
        rows.append((name, info.task, "x".join(map(str, info.default_input)), params, info.reference))
    print_table(None, ["name", "task", "input", "params", "reference"], rows)
    return 0
