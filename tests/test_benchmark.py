import io
import json

import pytest

from deepshrink.benchmark import BenchmarkConfig, run_benchmark
from deepshrink.benchmark.eta import Eta, parallel_left
from deepshrink.benchmark.report import accuracy_tables, paper_key, summary_table
from deepshrink.benchmark.runner import StderrProgress, plan_cells
from deepshrink.errors import ConfigError


def _fake_trainer(calls, fail=()):
    """A trainer that invents accuracies from the cell, so the grid logic is tested without training."""

    def trainer(cfg, cell, on_epoch):
        calls.append(cell.key)
        for epoch in (1, 2):
            on_epoch(epoch, 2)
        if cell.model in fail:
            raise ValueError("boom")
        bonus = 3.0 if "drsn" in cell.model else 0.0
        records = [
            {
                "model": cell.model,
                "noise": cell.noise,
                "snr_db": float(s),
                "seed": cell.seed,
                "accuracy": 80.0 + 2 * s + bonus + cell.seed,
                "macro_f1": 0.8,
                "train_seconds": 1.0,
                "epochs": 2,
                "n_test": 100,
                "confusion": [[50, 0], [0, 50]],
                **({"thresholds": {"units.0.shrinkage": 0.1 - 0.01 * s}} if "drsn" in cell.model else {}),
            }
            for s in cfg.snrs
        ]
        records.append(
            {
                "model": cell.model,
                "noise": "none",
                "snr_db": None,
                "seed": cell.seed,
                "accuracy": 99.0,
                "macro_f1": 0.99,
                "train_seconds": 1.0,
                "epochs": 2,
                "n_test": 100,
                "confusion": [[50, 0], [0, 50]],
            }
        )
        return {"records": records, "train_seconds": 1.0, "epochs": 2, "classes": ["a", "b"]}

    return trainer


def _cfg(tmp_path, **kw):
    base = dict(
        models=("resnet_paper", "drsn_cw_paper"),
        noises=("gaussian", "pink"),
        snrs=(-5.0, 0.0, 5.0),
        seeds=(0, 1),
        epochs=2,
        out=str(tmp_path / "bench"),
    )
    base.update(kw)
    return BenchmarkConfig(**base)


def test_robust_grid_records_report_and_figures(tmp_path):
    calls = []
    results = run_benchmark(_cfg(tmp_path), trainer=_fake_trainer(calls), progress=lambda m: None)
    assert len(calls) == 2 * 2 * 2  # seeds x noises x models, one training per row in the robust protocol
    keys = {"model", "noise", "snr_db", "seed", "accuracy", "macro_f1", "train_seconds", "epochs"}
    assert all(keys <= set(r) for r in results["records"])
    assert results["protocol"] == "robust" and results["dataset"] == "simulator"
    saved = json.loads((tmp_path / "bench" / "results.json").read_text())
    assert len(saved["records"]) == len(results["records"]) == 8 * 4
    report = (tmp_path / "bench" / "report.md").read_text()
    assert "gaussian noise" in report and "paper: drsn_cw" in report
    assert (tmp_path / "bench" / "accuracy_vs_snr.png").is_file()
    assert (tmp_path / "bench" / "thresholds_vs_snr_drsn_cw_paper.png").is_file()
    assert (tmp_path / "bench" / "confusion_drsn_cw_paper_gaussian_-5dB.png").is_file()


def test_finished_cells_are_skipped_and_failures_recorded(tmp_path):
    calls = []
    cfg = _cfg(tmp_path)
    results = run_benchmark(
        cfg, trainer=_fake_trainer(calls, fail=("resnet_paper",)), progress=lambda m: None
    )
    assert len(results["failed"]) == 4 and all("boom" in f["error"] for f in results["failed"])
    assert {r["model"] for r in results["records"]} == {"drsn_cw_paper"}
    calls.clear()
    results = run_benchmark(cfg, trainer=_fake_trainer(calls), progress=lambda m: None)
    assert len(calls) == 4 and all("resnet_paper" in k for k in calls)  # only the failed cells ran again
    assert not results["failed"]


def test_paper_protocol_trains_per_snr():
    cfg = BenchmarkConfig(protocol="paper", seeds=(0,), noises=("gaussian",), snrs=(-5.0, 0.0))
    cells = plan_cells(cfg)
    assert len(cells) == 2 * 4 and {c.train_snr for c in cells} == {-5.0, 0.0}


def test_tables_show_mean_and_std_and_band_averages(tmp_path):
    calls = []
    results = run_benchmark(_cfg(tmp_path), trainer=_fake_trainer(calls), progress=lambda m: None)
    table = accuracy_tables(results["records"])
    # seeds 0 and 1 give 80.5 +- 0.7 for resnet at 0 dB
    assert "| resnet_paper | 70.5 ± 0.7 | 80.5 ± 0.7 | 90.5 ± 0.7 |" in table
    summary = summary_table(results["records"])
    assert "| drsn_cw_paper | 83.5 ± 0.7 |" in summary and "99.0 ± 0.0" in summary


def test_paper_keys_and_validation():
    assert paper_key("drsn_cw_1d_m") == "drsn_cw" and paper_key("mlp_dae") is None
    with pytest.raises(ConfigError, match="protocol"):
        BenchmarkConfig(protocol="fast").validate()
    with pytest.raises(ConfigError, match="none"):
        BenchmarkConfig(noises=("none",)).validate()


def test_train_snr_range_validation():
    cfg = BenchmarkConfig(train_snr="-10:20")
    cfg.validate()
    assert cfg.train_snr == (-10.0, 20.0)
    with pytest.raises(ConfigError, match="range"):
        BenchmarkConfig(train_snr="3").validate()
    with pytest.raises(ConfigError, match="robust"):
        BenchmarkConfig(train_snr="-10:20", protocol="paper").validate()


def test_resumed_run_counts_and_times_only_the_trainings_it_runs(tmp_path):
    calls, messages = [], []
    run_benchmark(_cfg(tmp_path, seeds=(0,)), trainer=_fake_trainer(calls), progress=lambda m: None)
    results = run_benchmark(_cfg(tmp_path), trainer=_fake_trainer(calls), progress=messages.append)
    assert messages[0] == f"4 of 8 trainings already finished in {tmp_path / 'bench' / 'cells'}: kept"
    cells = [m.split("]")[0] for m in messages if m.startswith("[")]
    assert cells == ["[1/4", "[2/4", "[3/4", "[4/4"]
    epochs = [m for m in messages if m.startswith("  epoch ")]
    assert len(epochs) == 8 and epochs[0].startswith("  epoch 1/2 | ") and "min left" in epochs[0]
    assert messages[1].startswith("[1/4") and messages[2].startswith("  epoch 1/2")
    assert results["cells_trained"] == 4
    report = (tmp_path / "bench" / "report.md").read_text()
    assert "for the 4 trainings of the last invocation (the other 4 of 8 were kept" in report


class _Stream(io.StringIO):
    def __init__(self, tty):
        super().__init__()
        self.tty = tty

    def isatty(self):
        return self.tty


@pytest.mark.parametrize("tty", [True, False])
def test_default_progress_rewrites_epoch_lines_only_on_a_terminal(tty):
    stream = _Stream(tty)
    say = StderrProgress(stream)
    for msg in ["[1/2] a", "  epoch 1/2 | a", "  epoch 2/2 | a", "[2/2] b"]:
        say(msg)
    if tty:
        assert stream.getvalue() == "[1/2] a\n\r  epoch 1/2 | a\x1b[K\r  epoch 2/2 | a\x1b[K\n[2/2] b\n"
    else:
        assert stream.getvalue() == "[1/2] a\n  epoch 1/2 | a\n  epoch 2/2 | a\n[2/2] b\n"


def test_resuming_with_other_settings_is_refused(tmp_path):
    calls = []
    run_benchmark(_cfg(tmp_path, seeds=(0,)), trainer=_fake_trainer(calls), progress=lambda m: None)
    first = len(calls)
    # more seeds or models extend the grid: allowed, finished cells are kept
    run_benchmark(_cfg(tmp_path, seeds=(0, 1)), trainer=_fake_trainer(calls), progress=lambda m: None)
    assert len(calls) == 2 * first
    # a different training setup would mix incomparable cells
    for change in ({"epochs": 5}, {"train_snr": "-10:20"}, {"snrs": (-5.0, 5.0)}):
        with pytest.raises(ConfigError, match="another"):
            run_benchmark(_cfg(tmp_path, **change), trainer=_fake_trainer(calls), progress=lambda m: None)
    assert len(calls) == 2 * first


def test_real_training_cell_reports_every_epoch(tmp_path):
    # the real trainer on a tiny simulator task: progress shows cell and epoch, the cell has records
    cfg = BenchmarkConfig(
        models=("drsn_cw_paper",),
        data="simulator",
        data_kwargs={"n_recordings_per_class": 1, "duration_s": 3.0},
        noises=("gaussian",),
        snrs=(0.0, 5.0),
        seeds=(0,),
        epochs=2,
        stride=1024,
        eval_stride=1024,
        out=str(tmp_path / "bench"),
    )
    messages = []
    results = run_benchmark(cfg, progress=messages.append)
    assert messages[0].startswith("[1/1] drsn_cw_paper | gaussian | SNR range | seed 0")
    assert [m.split("|")[0] for m in messages[1:]] == ["  epoch 1/2 ", "  epoch 2/2 "]
    # the loss and accuracy of each epoch, as `deepshrink train` shows them (26)
    assert all("| train_loss " in m and "| val_acc " in m and " % |" in m for m in messages[1:])
    assert not results["failed"]
    accs = {r["snr_db"]: r["accuracy"] for r in results["records"]}
    assert set(accs) == {0.0, 5.0, None} and all(0.0 <= a <= 100.0 for a in accs.values())
    assert (tmp_path / "bench" / "report.md").is_file()


@pytest.mark.parametrize(
    ("options", "lr"),
    [([], 3e-3), (["--recipe", "paper"], 0.1), (["--recipe", "paper", "--lr", "0.05"], 0.05)],
)
def test_benchmark_learning_rate_follows_the_recipe(options, lr):
    # the effective rate: the recipe's own (AdamW 3e-3, the paper's SGD 0.1) unless --lr is given; SGD at the
    # AdamW rate would barely train. The benchmark and train share this rule (one config).
    from deepshrink.cli.benchmark import config_from_argv
    from deepshrink.tasks.recipes import get_recipe

    cfg, _ = config_from_argv(["--out", "x", *options])
    assert (cfg.lr or get_recipe(cfg.recipe).lr) == pytest.approx(lr)
    cell = plan_cells(cfg)[0]
    from deepshrink.benchmark.config import cell_config

    train_cfg = cell_config(cfg, cell, None)
    assert (train_cfg.lr or get_recipe(train_cfg.recipe).lr) == pytest.approx(lr)


def test_readme_train_line_is_the_benchmark_cell():
    # The README promises that its `deepshrink train` line trains exactly the benchmark's drsn_cw_paper /
    # gaussian / seed 0 cell: parse both command lines and compare every option the training sees.
    import dataclasses
    import re
    import shlex
    from pathlib import Path

    from deepshrink.benchmark.config import cell_config
    from deepshrink.cli.benchmark import config_from_argv as bench_argv
    from deepshrink.cli.main import _join_negative_values as argv_of  # as `deepshrink` reads `--snr -10:5`
    from deepshrink.cli.train import config_from_argv as train_argv

    readme = (Path(__file__).parents[1] / "README.md").read_text()
    train_line = re.search(r"^deepshrink train (--model drsn_cw_paper .*?)\s*$", readme, re.M).group(1)
    bench_line = re.search(r"^deepshrink benchmark (--data .*?)\s+#", readme, re.M).group(1)
    train_cfg, _ = train_argv(argv_of(shlex.split(train_line)))
    bench_cfg, _ = bench_argv(argv_of(shlex.split(bench_line)))
    cell = next(
        c for c in plan_cells(bench_cfg) if (c.model, c.noise, c.seed) == ("drsn_cw_paper", "gaussian", 0)
    )
    cell_cfg = cell_config(bench_cfg, cell, None)
    differing = {
        f.name
        for f in dataclasses.fields(train_cfg)
        if getattr(train_cfg, f.name) != getattr(cell_cfg, f.name)
    }
    # where the run is written, its threads and what it is evaluated on after training do not change what
    # it learns (the benchmark evaluates every cell on its whole SNR grid)
    assert differing <= {"out", "threads", "eval_snr", "eval_noise"}, {
        k: (getattr(train_cfg, k), getattr(cell_cfg, k)) for k in differing
    }


def test_eta_takes_the_running_cell_from_its_own_pace():
    eta = Eta(total=3)
    assert eta.left(0) != eta.left(0)  # nothing measured yet: no estimate (NaN), not a guess
    assert eta.left(0, 0.5, 60.0) == pytest.approx(60.0 + 2 * 120.0)  # one cell projected at 120 s
    eta.done_times.append(100.0)  # a fast model finished in 100 s; the next is slower: 90 s for 30 %
    assert eta.left(1, 0.3, 90.0) == pytest.approx(210.0 + 100.0)
    assert eta.left(2, 1.0, 500.0) == 0.0  # never negative


def test_parallel_eta_follows_the_running_cells():
    assert parallel_left([], [(0.0, 5.0)], 3, 2) != parallel_left([], [(0.0, 5.0)], 3, 2)  # NaN: unmeasured
    # two workers, two cells running at half-way after 60 s (120 s each), two waiting at the finished mean
    assert parallel_left([100.0], [(0.5, 60.0), (0.5, 60.0)], 2, 2) == pytest.approx((60 + 60 + 200) / 2)
    # the last cell runs alone: its own pace decides, and the estimate falls as its epochs go by
    early = parallel_left([100.0], [(0.5, 100.0)], 0, 2)
    late = parallel_left([100.0], [(29 / 30, 290.0)], 0, 2)
    assert early == pytest.approx(100.0) and late == pytest.approx(10.0)
    assert parallel_left([100.0], [(1.0, 500.0)], 0, 2) == 0.0  # never negative


def test_parallel_progress_names_a_cell_before_its_first_epoch_without_epoch_0():
    # the Ray progress line (26): "starting" until the cell's first epoch ends, then its epoch and metrics
    from deepshrink.benchmark.config import Cell
    from deepshrink.benchmark.parallel import _live

    cell = Cell("resnet_paper", "gaussian", None, 0)
    assert _live(cell, None, None) == "resnet_paper starting"
    shown = ["train_loss 0.412", "val_acc 83.1 %"]
    assert _live(cell, (3, 15), shown) == "resnet_paper epoch 3/15 (train_loss 0.412, val_acc 83.1 %)"


def test_train_noise_trains_once_and_tests_every_kind(tmp_path):
    # 27's deployment case: one training per model and seed on clean windows, tested under every kind
    from deepshrink.benchmark.config import cell_config

    cfg = BenchmarkConfig(
        models=("resnet_paper",),
        data="simulator",
        data_kwargs={"n_recordings_per_class": 1, "duration_s": 3.0},
        noises=("gaussian", "pink"),
        train_noise="none",
        snrs=(0.0, 5.0),
        seeds=(0,),
        epochs=1,
        stride=1024,
        eval_stride=1024,
        out=str(tmp_path / "bench"),
    )
    cells = plan_cells(cfg.validate())
    assert [(c.model, c.noise) for c in cells] == [("resnet_paper", "none")]
    tc = cell_config(cfg, cells[0], None)
    assert tc.noise == "none" and list(tc.eval_noise) == ["gaussian", "pink"]
    results = run_benchmark(cfg, progress=lambda m: None)
    assert not results["failed"]
    for model in ("resnet_paper", "amplitude_shortcut"):
        recs = [r for r in results["records"] if r["model"] == model]
        assert {(r["noise"], r["snr_db"]) for r in recs} == {
            ("none", None), ("gaussian", 0.0), ("gaussian", 5.0), ("pink", 0.0), ("pink", 5.0)
        }  # fmt: skip
        assert {r["train_noise"] for r in recs} == {"none"}
    report = (tmp_path / "bench" / "report.md").read_text()
    assert "trained on clean windows and is tested on every noise kind" in report
    assert "| amplitude_shortcut (trained on clean windows) |" in report
    with pytest.raises(ConfigError, match="train_noise applies to the robust protocol"):
        BenchmarkConfig(protocol="paper", train_noise="none", out=str(tmp_path / "p")).validate()


ENVIRONMENT_KEYS = {
    "python", "platform", "processor", "cpu", "cpu_count", "cores_available", "versions", "cpu_capability",
    "cuda_device", "cuda_version", "torch_threads", "threads", "commit", "dirty",
}  # fmt: skip
PACKAGES = {"deepshrink", "torch", "numpy", "scipy", "lightning", "torchmetrics", "scikit-learn"}


def _assert_environment(env, threads=None):
    assert set(env) == ENVIRONMENT_KEYS and set(env["versions"]) == PACKAGES
    assert env["versions"]["torch"] and env["cpu_count"] and env["torch_threads"] >= 1
    assert env["threads"] == threads


def test_cells_and_results_record_their_environment(tmp_path):
    # 33.6: a cell is bit-identical only within one environment, so every cell and results file names its own
    cfg = _cfg(tmp_path, seeds=(0,), threads_per_worker=1)
    results = run_benchmark(cfg, trainer=_fake_trainer([], fail=("resnet_paper",)), progress=lambda m: None)
    _assert_environment(results["environment"], threads=1)
    cell_files = sorted((tmp_path / "bench" / "cells").glob("*.json"))
    assert len(cell_files) == 4
    for path in cell_files:  # failed cells too: where a failure happened matters as much
        _assert_environment(json.loads(path.read_text())["environment"], threads=1)
    saved = json.loads((tmp_path / "bench" / "results.json").read_text())
    _assert_environment(saved["environment"], threads=1)
    assert len(saved["cells"]) == 2 and all("environment" in c for c in saved["cells"].values())
    assert all("environment" not in r for r in saved["records"])  # records, hence every table, are as before


def test_resume_keeps_cells_written_before_environment_was_recorded(tmp_path):
    calls = []
    cfg = _cfg(tmp_path, seeds=(0,))
    first = run_benchmark(cfg, trainer=_fake_trainer(calls), progress=lambda m: None)
    cells = tmp_path / "bench" / "cells"
    for path in cells.glob("*.json"):  # as an older version wrote them
        data = json.loads(path.read_text())
        del data["environment"]
        path.write_text(json.dumps(data))
    results_file = tmp_path / "bench" / "results.json"
    old = json.loads(results_file.read_text())
    del old["environment"]
    results_file.write_text(json.dumps(old))
    calls.clear()
    again = run_benchmark(cfg, trainer=_fake_trainer(calls), progress=lambda m: None)
    assert calls == [] and again["cells_trained"] == 0  # nothing retrained
    assert again["records"] == first["records"] and again["paired"] == first["paired"]
    assert all("environment" not in c for c in again["cells"].values())  # kept as they were


def test_environment_never_raises_and_has_no_commit_outside_a_checkout(tmp_path, monkeypatch):
    from deepshrink.benchmark import environment as env_module

    source = env_module._SOURCE
    # the commit is looked up once per process: uncached here, so that each case below asks git again
    monkeypatch.setattr(env_module, "_git", env_module._git.__wrapped__)
    env = env_module.environment(3)
    _assert_environment(env, threads=3)
    assert env["cpu_capability"] is None or isinstance(env["cpu_capability"], str)
    assert env["commit"] is None or (len(env["commit"]) == 40 and isinstance(env["dirty"], bool))
    monkeypatch.setattr(env_module, "_SOURCE", tmp_path)  # a folder outside any git checkout
    outside = env_module.environment()
    assert outside["commit"] is None and outside["dirty"] is None
    monkeypatch.setattr(env_module, "_SOURCE", tmp_path / "missing")  # not even a folder
    assert env_module.environment()["commit"] is None
    monkeypatch.setattr(env_module, "_SOURCE", source)
    monkeypatch.setenv("PATH", str(tmp_path))  # the checkout again, but no git to ask
    assert env_module.environment()["commit"] is None


def test_benchmark_scripts_write_their_environment_beside_an_unchanged_markdown(tmp_path, monkeypatch):
    import importlib.util
    from pathlib import Path

    path = Path(__file__).parents[1] / "benchmarks" / "_common.py"
    spec = importlib.util.spec_from_file_location("_bench_common", path)
    common = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(common)
    out = tmp_path / "r.json"
    result = {"rows": [1, 2]}
    common.finish(out, result, "| a |\n|---|")
    saved = json.loads(out.read_text())
    assert saved["rows"] == [1, 2] and "environment" not in result
    _assert_environment(saved["environment"])
    assert out.with_suffix(".md").read_text() == "| a |\n|---|\n"
