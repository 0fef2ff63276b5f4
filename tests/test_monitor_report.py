"""The monitor's report (report.md, and report.html rendered in a real headless browser) and persistence
given as a time."""

from __future__ import annotations

import html
import json
import math
import re
import shutil
import subprocess

import numpy as np
import pytest

from deepshrink.cli.main import main
from deepshrink.data.simulate.degradation import make_run_to_failure
from deepshrink.engine.core.config import MonitorConfig
from deepshrink.engine.core.options import parse_config
from deepshrink.engine.monitor.indicators import INDICATORS
from deepshrink.engine.monitor.reference import POOLED, Baseline, HealthReference
from deepshrink.engine.monitor.report import verdict_line
from deepshrink.engine.monitor.scores import flag_rows, new_state
from deepshrink.engine.monitor.verdict import VERDICT_INDICATORS
from deepshrink.errors import ConfigError
from deepshrink.functional.health import alarm_flags

# the stationary life of tests/test_monitor.py: short and quick (a snapshot every 10 s)
STATIONARY = ["--data-arg", "realistic=false", "--data-arg", "n_snapshots=90", "--data-arg", "onset=60",
              "--skip", "0", "--healthy", "30", "--epochs", "2", "--window", "512", "-q"]  # fmt: skip


@pytest.fixture(scope="module")
def report_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "run"
    assert main(["monitor", *STATIONARY, "--out", str(out)]) == 0
    return out


def test_the_run_writes_a_report_with_the_verdict_on_top(report_run, capsys):
    summary = json.loads((report_run / "summary.json").read_text())
    machine = summary["machine"]
    assert machine["first_alert"] is not None  # the report is checked on a run that alerted
    md = (report_run / "report.md").read_text()
    lines = md.splitlines()
    assert lines[0].startswith("# Monitor report") and lines[2] == f"**{verdict_line(machine)}**"
    confirmed = machine["first_alert"]["confirmed"]["file"]
    assert confirmed in lines[2] and machine["first_alert"]["first_exceedance"]["file"] in lines[2]
    for part in ("## Indicators", "| kurtosis |", "held-back exceedances", "![health indicators](health.png)",
                 "## Account of the snapshots", "expected 90, found 90, scored 90", "## Reference period",
                 "span: 0.08 h", "## Operating conditions", "## Command"):  # fmt: skip
        assert part in md, part
    first = summary["indicators"]["kurtosis"]["first_alarm_file"]
    assert re.search(rf"^\| kurtosis \| [^|]+ \| #\d+ \([^)]*\) \| {re.escape(first)} \| 0/10 \|", md, re.M)
    assert "deepshrink monitor --data-arg realistic=false" in md and "--out" in md

    page = (report_run / "report.html").read_text()
    assert page.count("<img ") == 1 and 'src="data:image/png;base64,' in page
    assert not re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)""", page, re.I)
    assert "http" not in page.replace("data:image/png;base64,", "")  # no URL anywhere
    assert "<script" not in page.lower() and "<link" not in page.lower()
    assert html.escape(verdict_line(machine)) in page


def test_the_report_escapes_text_and_the_cli_names_it(report_run, tmp_path, capsys):
    from deepshrink.cli.monitor import _print_summary
    from deepshrink.engine.monitor.report import write_report

    run = tmp_path / "run"
    shutil.copytree(report_run, run)
    summary = json.loads((run / "summary.json").read_text())
    summary["reference"]["warnings"] = ['<script>alert("x")</script> & more']
    md, page = write_report(run, summary, "deepshrink monitor --out 'a <b>'")
    text = page.read_text()
    assert "<script>" not in text and "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in text
    assert "a &lt;b&gt;" in text and "<script>" in md.read_text()  # markdown keeps the text as it is
    _print_summary(summary, run)
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith(f"written to {run}: report.md, report.html")


def test_streaming_renews_the_report_with_its_command(report_run, tmp_path):
    run = tmp_path / "run"
    shutil.copytree(report_run, run)
    new = tmp_path / "snap_91.npy"
    np.save(new, make_run_to_failure(realistic=False, n_snapshots=90, onset=60).snapshots[89].read())
    assert main(["monitor", "--run", str(run), str(new), "-q"]) == 0
    md = (run / "report.md").read_text()
    assert f"deepshrink monitor --run {run} {new} -q" in md and "found 91" in md


def _chromium() -> str | None:
    return shutil.which("chromium") or shutil.which("chromium-browser")


@pytest.mark.skipif(_chromium() is None, reason="no chromium on PATH (apt-get install chromium)")
def test_report_html_renders_in_a_headless_browser(report_run, tmp_path):
    machine = json.loads((report_run / "summary.json").read_text())["machine"]
    url = (report_run / "report.html").resolve().as_uri()
    flags = [_chromium(), "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"]
    dom = subprocess.run([*flags, "--dump-dom", url], capture_output=True, text=True, timeout=120)
    assert dom.returncode == 0, dom.stderr[-2000:]
    text = html.unescape(dom.stdout)
    assert verdict_line(machine) in text and "Account of the snapshots" in text
    shot = tmp_path / "report.png"
    done = subprocess.run([*flags, f"--screenshot={shot}", "--window-size=1200,1600", url],
                          capture_output=True, text=True, timeout=120)  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert shot.is_file() and shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


# persistence as a time


def _ref(persistence) -> HealthReference:
    names = list(INDICATORS)
    base = Baseline(
        scale=1.0,
        thresholds=dict.fromkeys(names, 1.0),
        centres=dict.fromkeys(names, 0.0),
        alert={n: 1.0 for n in VERDICT_INDICATORS},
        danger={n: 10.0 for n in VERDICT_INDICATORS},
    )
    features = np.random.default_rng(0).normal(size=(20, 4))
    return HealthReference(window=8, channels=1, length=8, sample_rate=None, model_name="x", model_kwargs={},
                           dae=None, features=features, seed=0, false_alarm_rate=0.01,
                           persistence=persistence, baselines={POOLED: base})  # fmt: skip


def _rows(pattern: str, step: float = 600.0) -> list[dict]:
    """A row per character: x beyond every alert bound, . below, ? not scored; `step` seconds apart."""
    value = {"x": 2.0, ".": 0.5, "?": math.nan}
    return [{"index": i, "number": i + 1, "time_s": i * step, "file": f"f{i}", "condition": None,
             "role": "monitored", "status": "ok", **dict.fromkeys(INDICATORS, value[c])}
            for i, c in enumerate(pattern)]  # fmt: skip


def _states(rows) -> str:
    return "".join(r["machine"][0] for r in rows)


def test_a_time_persistence_needs_exceedances_lasting_that_long():
    ref = _ref("30min")  # rows 10 min apart: the 4th exceedance in a row is 30 min after the first
    rows = _rows("xxxx..xx?xxx.x")
    flag_rows(rows, ref, new_state())
    # rows 0-3: confirmed at 30 min; row 6 starts a new run at 60 min, row 8 (not scored) neither counts,
    # breaks nor lengthens it, row 9 (90 min) confirms it
    assert _states(rows) == "nnna" + "nn" + "nnnaaa" + "nn"
    assert rows[3]["alert_run_start"] == 0 and rows[3]["drivers"]
    assert rows[9]["alert_run_start"] == 6 and all(rows[9][f"{n}_alarm"] for n in INDICATORS)
    assert not any(rows[8][f"{n}_alarm"] for n in INDICATORS)
    # two exceedances suffice when far enough apart (a gap in the data), one never does
    gap = _rows("x?x", step=1800.0)
    flag_rows(gap, ref, new_state())
    assert _states(gap) == "nna"
    one = _rows("x", step=1800.0)
    flag_rows(one, _ref("1s"), new_state())
    assert _states(one) == "n"


def test_a_time_persistence_carries_over_streaming_and_a_count_is_unchanged():
    pattern = "..xxx.xxxxxx?xx.x.xxxxxxx"
    ref = _ref("25min")
    whole = _rows(pattern)
    state = flag_rows(whole, ref, new_state())
    pieces, st = [], new_state()
    for k in range(0, len(pattern), 4):
        part = _rows(pattern)[k : k + 4]
        st = json.loads(json.dumps(flag_rows(part, ref, st)))  # through JSON, as state.json
        pieces += part
    assert _states(pieces) == _states(whole) and "a" in _states(whole)
    assert st == json.loads(json.dumps(state)) and len(st["alert"]) == 4  # [count, first, first t, last t]
    # a count: the flags of consecutive exceedances, as before
    counted = _rows(pattern)
    flag_rows(counted, _ref(3), new_state())
    exceed = np.array([{"x": 1.0, ".": 0.0, "?": np.nan}[c] for c in pattern])
    want = list(alarm_flags(exceed, 3)[0])
    for i, c in enumerate(pattern):  # a row not scored keeps its run's flag, as flag_rows always did
        want[i] = want[i - 1] if c == "?" else want[i]
    assert [r["kurtosis_alarm"] for r in counted] == want
    # a state.json written before times were carried ([count, first index]; counts) streams on
    old = {"runs": dict.fromkeys(INDICATORS, 2), "alert": [2, 0], "danger": [0, None]}
    rows = _rows("x")
    flag_rows(rows, _ref(3), old)
    assert rows[0]["machine"] == "alert" and rows[0]["alert_run_start"] == 0


def test_a_time_persistence_is_refused_without_times_and_parsed_from_yaml_and_cli(tmp_path, capsys):
    with pytest.raises(ConfigError, match=r"^persistence: 30min is a time, but snapshot f0 has none"):
        flag_rows([{**_rows("x")[0], "time_s": None}], _ref("30min"), new_state())
    assert parse_config(MonitorConfig, {"persistence": "30min"}).persistence == "30min"
    assert parse_config(MonitorConfig, {"persistence": "3"}).persistence == 3
    for bad in (0, "0s", "soon", 2.5):
        with pytest.raises(ConfigError, match="persistence"):
            parse_config(MonitorConfig, {"persistence": bad})
    # a folder of snapshot files without --interval_s has no times: refused in one line, before any work
    seq = make_run_to_failure(realistic=False, n_snapshots=40, onset=30)
    for s in seq.snapshots:
        np.save(tmp_path / f"snap_{s.number}.npy", s.read())
    out = tmp_path / "run"
    args = ["--data", str(tmp_path), "--sample_rate", "25600", "--persistence", "30min", "--out", str(out)]
    assert main(["monitor", *args, "-q"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "persistence: 30min is a time, but" in err[0] and not out.exists()


def test_a_monitor_with_persistence_30min_confirms_30_min_after_the_first_exceedance(tmp_path):
    # the stationary life, a snapshot every 10 min: its exceedances of the verdict's bounds come in runs of
    # a few snapshots (at 10 s a snapshot, no run lasts 30 min)
    out = tmp_path / "run"
    args = [*STATIONARY, "--interval_s", "600", "--persistence", "30min", "--out", str(out)]
    assert main(["monitor", *args]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["persistence"] == "30min"
    first = summary["machine"]["first_alert"]
    assert first is not None
    assert first["confirmed"]["time_s"] - first["first_exceedance"]["time_s"] >= 1800
    assert "exceedances lasting 30min" in (out / "report.md").read_text()
    for name, item in summary["indicators"].items():
        assert item["alarm_before_onset"] is False, name
    # the streamed state carries the rule on (the saved monitor reads the time back)
    new = tmp_path / "snap_91.npy"
    np.save(new, make_run_to_failure(realistic=False, n_snapshots=90, onset=60).snapshots[89].read())
    assert main(["monitor", "--run", str(out), str(new), "-q"]) == 0
    state = json.loads((out / "state.json").read_text())
    assert len(state["alert"]) == 4 and json.loads((out / "summary.json").read_text())["snapshots"] == 91
