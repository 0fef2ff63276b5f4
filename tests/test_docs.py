"""Docs that state facts about the code are checked against it."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from deepshrink.engine.config import TrainConfig

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_defaults_table_lists_every_option_with_its_default():
    text = (DOCS / "defaults.md").read_text()
    section = text.split("## Every option", 1)[1]
    rows = dict(re.findall(r"^\| `(\w+)` \| `([^`]*)` \|", section, flags=re.M))
    for f in dataclasses.fields(TrainConfig):
        default = f.default if f.default is not dataclasses.MISSING else f.default_factory()
        assert f.name in rows, f"docs/defaults.md lacks {f.name}"
        assert rows[f.name] == str(default), (
            f"docs/defaults.md: {f.name} is {rows[f.name]}, the code says {default}"
        )
    assert set(rows) == {f.name for f in dataclasses.fields(TrainConfig)}
