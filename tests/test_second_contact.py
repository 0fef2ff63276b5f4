"""What a second new user met (issue 26): options parsed one way, typos refused before training, the real
directory after Ctrl-C, declared dependencies that match the imports."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
import tomllib
import torch

from deepshrink.cli._common import key_values
from deepshrink.cli.main import main
from deepshrink.errors import ConfigError
from deepshrink.functional import noise

REPO = Path(__file__).resolve().parents[1]


def test_key_values_use_the_config_yaml_dialect():
    # plain YAML 1.1 reads "-10:5" as the base-60 number -605
    assert key_values(["snr=-10:5", "loads=[0, 1]", "x=0.5", "flag=true"], "--data-arg") == {
        "snr": "-10:5",
        "loads": [0, 1],
        "x": 0.5,
        "flag": True,
    }
    assert key_values(["time=1:30"], "--data-arg") == {"time": "1:30"}


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["train", "--eval-noise", "gaussian,pinkk", "--out", "{tmp}/r"], "unknown noise kind 'pinkk'"),
        (["benchmark", "--noises", "gausian", "--out", "{tmp}/b"], "did you mean gaussian?"),
        (["evaluate", "--run", "{tmp}/none", "--noise", "lapalcian"], "lapalcian"),
    ],
)
def test_noise_typos_are_refused_when_parsed(tmp_path, capsys, argv, needle):
    code = main([a.replace("{tmp}", str(tmp_path)) for a in argv])
    err = capsys.readouterr().err.strip()
    assert code == 2 and needle in err and len(err.splitlines()) == 1
    assert not (tmp_path / "r").exists() and not (tmp_path / "b").exists()  # nothing trained


def test_no_silent_gaussian_for_an_unknown_kind():
    out = torch.empty(10)
    with pytest.raises(ConfigError, match="unknown noise kind 'purple'"):
        noise._draw_white(out, "purple", None)


def test_interrupt_names_the_real_run_directory(monkeypatch, capsys, tmp_path):
    import deepshrink.cli.train as train_cli

    def interrupted(argv, prog):
        raise KeyboardInterrupt

    monkeypatch.setattr(train_cli, "main", interrupted)
    assert main(["train", "--out", str(tmp_path / "cw")]) == 130
    assert f"continue with: deepshrink train --out {tmp_path / 'cw'} --resume" in capsys.readouterr().err
    assert main(["train", f"--out={tmp_path / 'x'}"]) == 130
    assert f"--out {tmp_path / 'x'} --resume" in capsys.readouterr().err


def _imported_top_level() -> set[str]:
    found = set()
    for path in (REPO / "src" / "deepshrink").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                found |= {a.name.split(".")[0] for a in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                found.add(node.module.split(".")[0])
    return found


def test_declared_dependencies_are_the_imported_ones():
    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    core = {re.split(r"[<>=\[ ]", d)[0].lower() for d in meta["dependencies"]}
    optional = {
        re.split(r"[<>=\[ ]", d)[0].lower() for ds in meta["optional-dependencies"].values() for d in ds
    }
    module_of = {"scikit-learn": "sklearn", "pyyaml": "yaml", "pillow": "PIL", "jsonargparse": "jsonargparse"}
    imported = _imported_top_level()
    for dist in core:
        assert module_of.get(dist, dist) in imported, f"{dist} is declared but src/ never imports it"
    third_party = imported - {"deepshrink", "__future__"} - set(__import__("sys").stdlib_module_names)
    declared = {module_of.get(d, d) for d in core | optional}
    assert third_party <= declared, f"imported but not declared: {sorted(third_party - declared)}"
