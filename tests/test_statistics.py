"""Paired statistics, the amplitude-shortcut baseline and reports of old results files."""

from __future__ import annotations

import importlib.util
import json
import math
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats

from deepshrink.benchmark.report import render_report, shortcut_warnings, summary_table
from deepshrink.benchmark.shortcut import SHORTCUT_MODEL, amplitude_features, shortcut_records
from deepshrink.benchmark.stats import band_values, paired_difference, paired_table, paired_table_head

RESULTS = Path(__file__).resolve().parents[1] / "benchmarks" / "results"


def _records(model, accs_by_seed, snrs=(-8.0, 0.0), fold=None):
    return [
        {
            "model": model,
            "noise": "gaussian",
            "snr_db": s,
            "seed": seed,
            "fold": fold,
            "accuracy": acc + s / 10,
        }
        for seed, acc in enumerate(accs_by_seed)
        for s in snrs
    ]


def test_paired_interval_is_the_t_interval_of_the_differences():
    a = _records("a", [80.0, 82.0, 85.0, 81.0, 84.0])
    b = _records("b", [79.0, 80.5, 83.0, 80.9, 82.0])
    diff = paired_difference(band_values(a, "a", (-5.0, 5.0)), band_values(b, "b", (-5.0, 5.0)))
    d = np.array([1.0, 1.5, 2.0, 0.1, 2.0])
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    assert diff.pairs == 5 and diff.mean == pytest.approx(d.mean())
    assert (diff.low, diff.high) == (pytest.approx(lo), pytest.approx(hi))
    assert diff.significant and diff.text().startswith("+1.3 [")


@pytest.mark.parametrize(
    "a_values, b_values",
    [
        ([80.0, 82.0], [79.0, 80.5]),  # two pairs: the smallest sample with an interval
        ([93.3333, 91.25, 95.0], [92.5, 91.6667, 90.0]),
        ([80.0, 82.0, 85.0, 81.0, 84.0, 77.5], [79.0, 80.5, 83.0, 80.9, 82.0, 78.0]),
        ([100.0, 100.0, 100.0], [100.0, 100.0, 100.0]),  # equal differences: a zero-width interval
    ],
)
def test_paired_interval_is_mean_plus_minus_t_times_the_standard_error(a_values, b_values):
    keys = [(seed, None) for seed in range(len(a_values))]
    diff = paired_difference(dict(zip(keys, a_values, strict=True)), dict(zip(keys, b_values, strict=True)))
    d = [x - y for x, y in zip(a_values, b_values, strict=True)]
    n = len(d)
    mean = sum(d) / n
    half = stats.t.ppf(0.975, n - 1) * math.sqrt(sum((x - mean) ** 2 for x in d) / (n - 1)) / math.sqrt(n)
    assert diff.pairs == n and diff.mean == mean
    assert abs(diff.low - (mean - half)) < 1e-12 and abs(diff.high - (mean + half)) < 1e-12


def test_paired_table_layout():
    a = _records("a", [80.0, 81.0]) + _records("b", [79.0, 80.0]) + _records("c", [78.0, 82.0])
    table, data = paired_table(a, ["a", "b", "c"])
    head = "| difference | -10..-6 dB | -5..5 dB | clean | pairs |\n|---|---|---|---|---:|"
    assert table.startswith(head + "\n") and "\n".join(paired_table_head()) == head
    assert paired_table_head("model")[0] == "| model | -10..-6 dB | -5..5 dB | clean | pairs |"
    rows = table.splitlines()[2:]
    assert [r.split(" | ")[0] for r in rows] == ["| b − a", "| c − a", "| c − b"] and len(data) == 3
    assert rows[0] == "| b − a | -1.0 [-1.0, -1.0] | -1.0 [-1.0, -1.0] | - | 2 |"


def test_an_interval_containing_zero_says_no_significant_difference():
    a = _records("a", [80.0, 82.0, 78.0])
    b = _records("b", [81.0, 80.0, 79.0])
    diff = paired_difference(band_values(a, "a", (-5.0, 5.0)), band_values(b, "b", (-5.0, 5.0)))
    assert not diff.significant and diff.text().startswith("no significant difference (")
    one = paired_difference({(0, None): 1.0}, {(0, None): 0.5})
    assert one.low is None and "1 pair: no interval" in one.text()


def test_folds_and_seeds_both_make_pairs_and_only_shared_units_pair():
    a = _records("a", [80.0, 81.0], fold=0) + _records("a", [70.0, 71.0], fold=1)
    b = _records("b", [79.0, 80.0], fold=0) + _records("b", [69.0], fold=1)
    diff = paired_difference(band_values(a, "a", (-10.0, 5.0)), band_values(b, "b", (-10.0, 5.0)))
    assert diff.pairs == 3  # (seed 0, fold 0), (1, 0), (0, 1): (1, 1) has no partner
    table, data = paired_table(a + b, ["b", "a"])
    assert "| a − b |" in table and data[0]["-10..-6 dB"]["pairs"] == 3


def test_amplitude_features_and_a_level_readable_dataset():
    x = np.zeros((2, 1, 1000), np.float32)
    x[0, 0, ::10] = 1.0  # impulsive: high kurtosis and crest factor
    x[1, 0] = np.sin(np.linspace(0, 100, 1000))
    f = amplitude_features(x)
    assert f[0, 2] > 5 * f[1, 2] and f[0, 3] > f[1, 3]  # kurtosis, crest factor
    assert f[0, 0] == pytest.approx(np.log(np.sqrt(0.1)), rel=1e-6)

    rng = np.random.default_rng(0)

    def split(n):
        y = rng.integers(0, 2, n)
        return SimpleNamespace(
            x=(rng.standard_normal((n, 1, 256)) * (1 + 9 * y[:, None, None])).astype(np.float32), y=y
        )

    data = SimpleNamespace(train=split(200), test=split(100), classes=["quiet", "loud"])
    recs = shortcut_records(
        data,
        noise="gaussian",
        train_snr=(-10.0, 5.0),
        noise_mode="online",
        eval_snrs=[-10.0, 0.0],
        eval_seed=1,
        seed=0,
    )
    assert [r["snr_db"] for r in recs] == [None, -10.0, 0.0] and all(
        r["model"] == SHORTCUT_MODEL for r in recs
    )
    assert all(r["accuracy"] > 95 for r in recs)  # the level survives noise at a fixed SNR per window
    nets = [{**r, "model": "net", "accuracy": 100.0} for r in recs]
    warnings = shortcut_warnings(recs + nets)
    assert warnings and "within 10 points of net" in warnings[0]
    assert "say little about fault signatures" in warnings[0]
    # with z-scored inputs the networks cannot read level: the warning is about the split instead
    zscored = shortcut_warnings(recs + nets, "zscore")
    assert "within 10 points of net" in zscored[0] and "cannot read it" in zscored[0]
    # a network the shortcut beats is named as such, not as "within 10 points"
    weak = [{**r, "model": "weak", "accuracy": 50.0} for r in recs]
    both = shortcut_warnings(recs + nets + weak)[0]
    assert "above weak and within 10 points of net:" in both


def test_reports_of_schema_1_results_are_still_written():
    old = json.loads((RESULTS / "noise_robustness_cwru.json").read_text())
    assert "schema" not in old and all("fold" not in r for r in old["records"][:10])
    text = render_report(old, [])
    assert "## Paired differences" in text and "drsn_cw_paper − resnet_paper" in text
    assert "| drsn_cw_paper |" in summary_table(old["records"])


def test_report_gives_the_throughput_of_the_trainings_it_timed():
    cells = {f"c{i}": {"train_seconds": 60.0} for i in range(4)}
    results = {"records": _records("m", [80.0, 82.0]), "cells": cells, "failed": [], "cells_trained": 4}
    assert "- wall time: 2.0 min (120.0 trainings per hour)" in render_report(results, [], elapsed_s=120.0)
    resumed = render_report({**results, "cells_trained": 1}, [], elapsed_s=60.0)
    assert "the 1 training of the last invocation (60.0 trainings per hour)" in resumed
    assert "the other 3 of 4 were kept" in resumed


def _script(name: str):
    # a benchmark script, not a package module: load it from its file
    path = Path(__file__).resolve().parents[1] / "benchmarks" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _compare_runs():
    return _script("compare_runs")


@pytest.mark.parametrize("script", ["paired_report", "thresholds_trend"])
def test_result_scripts_refuse_a_file_that_is_not_benchmark_results_in_one_line(tmp_path, capsys, script):
    other = tmp_path / "speed.json"
    other.write_text(json.dumps({"rows": []}))  # another script's JSON: no records
    dae = tmp_path / "dae_mnist.json"
    dae.write_text(json.dumps({"records": [{"method": "dae_conv2d", "psnr": 20.1}]}))  # records, but no grid
    for path in (other, dae, tmp_path / "missing.json"):
        assert _script(script).main([str(path)]) == 2
        err = capsys.readouterr().err
        assert path.name in err and len(err.strip().splitlines()) == 1


def test_compare_runs_pairs_seeds_across_runs_and_refuses_other_data(tmp_path, capsys):
    config = {"data": "sim:", "scenario": "within", "normalize": "none"}
    a = tmp_path / "a.json"
    b = tmp_path / "b.json"
    a.write_text(json.dumps({"config": config, "records": _records("m", [80.0, 82.0, 85.0])}))
    zscore = {**config, "normalize": "zscore"}
    b.write_text(json.dumps({"config": zscore, "records": _records("m", [78.0, 81.0, 82.0])}))
    main = _compare_runs().main
    assert main([str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "normalize (none vs zscore)" in out
    row = next(line for line in out.splitlines() if line.startswith("| m |"))
    assert "+2.0 [" in row and row.endswith("| 3 |")  # mean of 2, 1, 3 over three seeds

    other = tmp_path / "other.json"
    other.write_text(json.dumps({"config": {**config, "data": "cwru:x"}, "records": []}))
    assert main([str(a), str(other)]) == 2
    assert "differ in data" in capsys.readouterr().err
    assert main([str(a), str(tmp_path / "missing.json")]) == 2
    err = capsys.readouterr().err
    assert "missing.json" in err and len(err.strip().splitlines()) == 1


def test_compare_runs_says_which_model_gains_more_from_the_change(tmp_path, capsys):
    # run A (e.g. the longer recipe) gives m +2, +2.5, +3 points per seed over run B and gives n nothing, so
    # the gain difference n − m is -2.5, significant over 3 pairs; one model alone has no second table
    config = {"data": "sim:", "scenario": "within", "recipe": "paper"}
    a, b = tmp_path / "a.json", tmp_path / "b.json"
    recs_a = _records("m", [82.0, 84.5, 88.0]) + _records("n", [70.0, 71.0, 72.0])
    recs_b = _records("m", [80.0, 82.0, 85.0]) + _records("n", [70.0, 71.0, 72.0])
    a.write_text(json.dumps({"config": config, "records": recs_a}))
    b.write_text(json.dumps({"config": {**config, "recipe": "adamw"}, "records": recs_b}))
    main = _compare_runs().main
    assert main([str(a), str(b), "--models", "m,n"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("| n − m |"))
    assert "-2.5 [" in row and "no significant" not in row.split("|")[2] and row.endswith("| 3 |")
    assert main([str(a), str(b), "--models", "m"]) == 0
    assert "gain more" not in capsys.readouterr().out


def test_one_table_for_files_and_the_terminal(capsys, monkeypatch):
    # markdown_table (reports, docs) and print_table (the command line) draw the same cells of one table
    from deepshrink.cli._common import print_table
    from deepshrink.formatting import markdown_table, table_cells

    header, rows = ["indicator", "value"], [["rms", 1.5], ["dae", None]]
    assert table_cells(header, rows) == (["indicator", "value"], [["rms", "1.5"], ["dae", ""]])
    assert markdown_table(header, rows).splitlines() == [
        "| indicator | value |", "|---|---:|", "| rms | 1.5 |", "| dae |  |"
    ]  # fmt: skip
    monkeypatch.setenv("COLUMNS", "80")
    print_table("t", header, rows)
    out = capsys.readouterr().out
    assert "rms" in out and "1.5" in out and "None" not in out
    for write in (lambda: markdown_table(header, [["rms"]]), lambda: print_table(None, header, [["rms"]])):
        with pytest.raises(ValueError, match="row 0: 1 cells for 2 columns"):
            write()
