"""Write the "Every option" part of docs/defaults.md from the configs themselves (every option of every
command, its default and its help text, as `--help` prints them); `tests/test_docs.py` checks that the file
equals what this renders, so the page cannot drift from the code.

    python benchmarks/defaults_doc.py          # rewrite docs/defaults.md below "## Every option"
"""

from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

from deepshrink.atomic import atomic_write_text
from deepshrink.benchmark.config import CELL_FIELDS, BenchmarkConfig
from deepshrink.engine.core.config import DenoiseConfig, MonitorConfig, TrainConfig
from deepshrink.engine.core.options import config_parser
from deepshrink.formatting import markdown_table

DOC = Path(__file__).resolve().parents[1] / "docs" / "defaults.md"
MARK = "## Every option"

SECTIONS = (
    ("`deepshrink train` (`TrainConfig`)", TrainConfig, None),
    (
        "`deepshrink benchmark` (`BenchmarkConfig`): the options of `train` except the ones each cell sets "
        f"({', '.join(f'`{k}`' for k in CELL_FIELDS)}), and these",
        BenchmarkConfig,
        TrainConfig,
    ),
    ("`deepshrink dae train` (`DenoiseConfig`)", DenoiseConfig, None),
    ("`deepshrink monitor` (`MonitorConfig`)", MonitorConfig, None),
)


def _default(f: dataclasses.Field) -> str:
    value = f.default if f.default is not dataclasses.MISSING else f.default_factory()  # type: ignore[misc]
    return str(value)


def render() -> str:
    """The text of docs/defaults.md from MARK to the end."""
    parts = [
        MARK,
        "",
        "Generated from the configs by `python benchmarks/defaults_doc.py` (a test checks it): every option, "
        "its default and its help text.",
    ]
    for title, cls, base in SECTIONS:
        helps = {a.dest: a.help for a in config_parser(cls)._actions}
        # a subclass lists what it adds or declares anew (the benchmark's own `out` default), not the rest
        inherited = {f.name: _default(f) for f in dataclasses.fields(base)} if base else {}
        rows = [
            [f"`{f.name}`", f"`{_default(f)}`", " ".join(str(helps.get(f.name) or "").split())]
            for f in dataclasses.fields(cls)
            if inherited.get(f.name) != _default(f)
        ]
        parts += ["", f"### {title}", "", markdown_table(["key", "default", "meaning"], rows, align="lll")]
    return "\n".join(parts) + "\n"


def main() -> int:
    head = DOC.read_text().split(MARK, 1)[0]
    atomic_write_text(DOC, head + render())
    print(DOC)
    return 0


if __name__ == "__main__":
    sys.exit(main())
