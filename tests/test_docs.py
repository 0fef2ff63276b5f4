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


def test_readme_monitor_python_snippet_runs_as_written():
    """The condition-monitoring snippet of the README runs as written and finds the simulated fault."""
    readme = (DOCS.parent / "README.md").read_text()
    section = readme.split("## Condition monitoring", 1)[1].split("\n## ", 1)[0]
    code = section.split("```python\n", 1)[1].split("```", 1)[0]
    scope: dict = {}
    exec(compile(code, "README.md", "exec"), scope)
    alarms = scope["alarms"]
    assert set(scope["indicators"]) >= {"dae", "rms", "kurtosis", "crest", "iforest", "level_db"}
    assert alarms[:90].sum() == 0 and alarms[-20:].all()  # healthy before #120, alarmed at the end


def test_readme_python_snippets_run_as_written(tmp_path, monkeypatch):
    """The "In Python" snippets of the README run as written (no undefined names), where no run exists."""
    readme = (DOCS.parent / "README.md").read_text()
    section = readme.split("## In Python", 1)[1].split("\n## ", 1)[0]
    blocks = [b.split("```", 1)[0] for b in section.split("```python\n")[1:]]
    assert len(blocks) == 2
    monkeypatch.chdir(tmp_path)
    for code in blocks:
        scope: dict = {}
        exec(compile(code, "README.md", "exec"), scope)
    assert scope["proba"].shape == (80, 3) and scope["flags"].shape == (797,)
    assert (
        set(scope["taus"])
        and scope["features"].score(scope["digits"][:100] / 16, scope["digit_labels"][:100]) > 0.8
    )
