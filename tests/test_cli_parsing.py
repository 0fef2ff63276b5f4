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


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["--test-conditions", "1HP"], "--test-conditions: used only by scenario cross-condition"),
        (["--train-conditions", "0HP"], "--train-conditions: used only by scenario cross-condition"),
        (["--test-groups", "a"], "--test-groups: used only by scenario cross-group"),
        (["--fold", "1"], "--fold: used only by scenario cross-condition or cross-group"),
        (["--scenario", "cross-condition", "--test-groups", "a"], "--test-groups: used only by scenario"),
    ],
)
def test_scenario_options_the_scenario_does_not_use_are_refused(tmp_path, capsys, args, needle):
    assert main(["train", "--out", str(tmp_path / "r"), *args]) == 2
    err = capsys.readouterr().err
    assert needle in err and not (tmp_path / "r").exists()
    assert main(["datasets", "simulator", *args]) == 2
    assert needle in capsys.readouterr().err


def test_evaluate_refuses_test_conditions_the_run_scenario_ignores(tmp_path, capsys):
    from deepshrink.engine.core.config import TrainConfig
    from deepshrink.engine.core.options import save_config

    run = tmp_path / "run"
    run.mkdir()
    save_config(TrainConfig(out=str(run)), run / "config.yaml")
    from deepshrink.engine.core.artifacts import save_model
    from deepshrink.models import create_model

    kwargs = {"in_channels": 1, "num_classes": 10}
    meta = {
        "model": "convnet_paper",
        "model_kwargs": kwargs,
        "task": "classification",
        "classes": list("abcdefghij"),
    }
    save_model(run, create_model("convnet_paper", **kwargs), meta)
    assert main(["evaluate", "--run", str(run), "--test-conditions", "1HP"]) == 2
    assert "--test-conditions: used only by scenario cross-condition" in capsys.readouterr().err


def test_dae_resume_checks_the_options_and_continues(tmp_path, capsys):
    import numpy as np

    t = np.arange(128) / 16.0
    rng = np.random.default_rng(0)
    x = np.sin(2 * np.pi * rng.uniform(1, 3, (200, 1)) * t).astype(np.float32)
    np.save(tmp_path / "s.npy", x)
    base = [
        "dae",
        "train",
        "--data",
        str(tmp_path / "s.npy"),
        "--window",
        "128",
        "--out",
        str(tmp_path / "r"),
    ]
    assert main([*base, "--epochs", "2", "--batch-size", "32", "-q"]) == 0
    capsys.readouterr()
    assert main([*base, "--epochs", "3", "--batch-size", "32", "--level", "0.9", "--resume", "-q"]) == 2
    assert "resume: options differ from the saved run (level)" in capsys.readouterr().err
    assert main([*base, "--epochs", "3", "--batch-size", "32", "--resume", "-q"]) == 0
    rows = (tmp_path / "r" / "metrics.csv").read_text().strip().splitlines()
    assert len(rows) == 1 + 3  # the header, two epochs before the resume and one after it


@pytest.mark.parametrize(
    "argv",
    [
        ["train", "--help"],
        ["evaluate", "--help"],
        ["monitor", "--help"],
        ["dae", "train", "--help"],
        ["dae", "score", "--help"],
        ["datasets", "--help"],
        ["models", "--help"],
        ["predict", "--help"],
        ["export", "--help"],
        ["benchmark", "--help"],
        ["demo", "--help"],
        ["benchmark", "--noises", "pinkk"],
        ["train", "--epochs", "x"],
        ["monitor", "--false-alarm-rate", "2"],
    ],
)
def test_help_and_usage_errors_answer_without_torch(argv):
    """`--help` and usage errors answer before torch, Lightning or the data modules load (they cost seconds;
    benchmarks/cli_startup.py measures the time)."""
    import subprocess
    import sys

    code = (
        "import sys\nfrom deepshrink.cli.main import main\n"
        f"rc = main({argv!r})\n"
        "heavy = sorted(m for m in ('torch', 'lightning', 'scipy.signal') if m in sys.modules)\n"
        "print('HEAVY', heavy, rc)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert "HEAVY [] " in out, out[-300:]


def test_cross_condition_on_one_condition_says_how_to_load_more(tmp_path, capsys):
    import numpy as np

    rows = ["path,label,sample_rate,condition"]
    for label in ("normal", "inner"):
        np.save(tmp_path / f"{label}.npy", np.random.default_rng(0).standard_normal(20000).astype(np.float32))
        rows.append(f"{label}.npy,{label},12000,0HP")
    (tmp_path / "m.csv").write_text("\n".join(rows) + "\n")
    assert main(["datasets", str(tmp_path / "m.csv"), "--scenario", "cross-condition", "--fold", "0"]) == 2
    err = capsys.readouterr().err
    assert "the data hold only 0HP" in err and "--data-arg loads=[0,1,2,3]" in err


def test_models_table_fits_the_columns_it_is_given(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["models", "drsn_cw*"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and max(len(line) for line in lines) <= 80
    assert any("drsn_cw_paper" in line for line in lines)


def test_epoch_time_after_resume_counts_the_epochs_run_here(monkeypatch):
    """After --resume at epoch 5, one epoch of 2 s must read 2.0 s/epoch, not 2/5 = 0.4."""
    import io

    from deepshrink.cli import _common

    clock = iter([100.0, 102.0, 104.0])
    monkeypatch.setattr(_common.time, "perf_counter", lambda: next(clock))
    out = io.StringIO()
    line = _common.EpochLine("m", out)  # t0 = 100
    line(5, 7, {})  # epoch 5 (the first after the resume) ends at 102
    line(6, 7, {})  # epoch 6 ends at 104
    first, second = out.getvalue().splitlines()
    assert "2.0 s/epoch" in first and "about 0.1 min left" in first
    assert "2.0 s/epoch" in second


def test_declared_minimum_versions_are_the_ones_ci_tests():
    # pyproject's lower bounds = what .ci/min-versions installs (26: test the minimum versions you declare)
    from packaging.version import Version

    meta = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    declared = {}
    for dep in meta["dependencies"]:
        name, _, low = re.match(r"([A-Za-z0-9_-]+)(\[[^\]]*\])?>=([0-9.]+)", dep).groups()
        declared[name.lower()] = Version(low)
    pinned = {}
    for line in (REPO / ".ci" / "min-versions.txt").read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, version = line.split("==")
            pinned[name.strip().lower()] = Version(version.strip())
    assert set(pinned) == set(declared) - {"torch"}  # torch: the project never pins it
    assert {k: v for k, v in declared.items() if k != "torch"} == pinned
