"""`deepshrink monitor`: condition monitoring of one machine from its healthy recordings to an alarm."""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from pathlib import Path

from deepshrink.cli._common import (
    DATA_ARG,
    MODEL_ARG,
    OVERWRITE,
    QUIET,
    VERBOSE,
    EpochLine,
    OneLineParser,
    key_values,
    parse_config_argv,
    print_table,
)
from deepshrink.engine.core.config import MonitorConfig
from deepshrink.engine.monitor.report import diagnosis_line, persistence_text, verdict_line, where
from deepshrink.errors import ConfigError

HELP = "condition monitoring: fit on a machine's healthy snapshots, score its life, raise alarms"
DESCRIPTION = """Fit health indicators on the healthy reference of one machine (after its running-in, --skip,
over --reference), set each indicator's threshold on the reference's last --holdout part (later in time than
the fit) at --false_alarm_rate per snapshot, one baseline per operating condition, score every snapshot and
raise an alarm after --persistence consecutive exceedances (3), or once exceedances have gone on for
--persistence (30min: at least two, the first and the latest that far apart in time). On top, one verdict
per machine: normal, alert (+6 dB over the healthy baseline and beyond the statistical bound) or danger
(+12 dB).
Indicators side by side: the reconstruction error of a denoising autoencoder (--model, default
the shrinkage DAE), RMS, kurtosis, crest factor, an IsolationForest over per-window statistics, and the
level against the reference in dB (alarmed either way: a machine that became quieter shows there, not in the
DAE).

Writes --out (a new folder; default monitor-NAME): scores.csv (a row per snapshot), summary.json (the
machine verdict under `machine`; per indicator its threshold, first alarm, false alarms on the held-back
snapshots, lead time, monotonicity, trendability), health.png, report.md and report.html (the verdict,
table, figure and account to send on; the HTML is one file that opens offline), config.yaml and the fitted
monitor (model.safetensors + model.json + reference.safetensors).

Data: simulator (the default: a simulated bearing run to failure whose fault onset is known, with a
running-in, drift, two duties and sensor artefacts), femto[:PATH]
with --bearing (FEMTO / PRONOSTIA), a folder of snapshot files ordered by the number in their names, or a
manifest .csv with path and time columns.

Snapshots that arrive later: deepshrink monitor --run RUN_DIR FILE_OR_FOLDER ... scores them against the
saved reference and thresholds and appends them (the alarm state carries on).

examples:
  deepshrink monitor
  deepshrink monitor --data femto:../shared/data/femto --bearing Bearing1_1 --out m11
  deepshrink monitor --data snapshots/ --interval_s 600 --skip 1d --reference 3d --out pump3
  deepshrink monitor --run pump3 new_snapshots/
"""
STREAM_DESCRIPTION = """Score snapshot files that arrived after a `deepshrink monitor` run against its saved
reference and thresholds, in the order of the numbers in their names; appends to scores.csv and renews
summary.json, health.png and the report (the alarm state carries on from the rows before).

example:
  deepshrink monitor --run m11 ../shared/data/femto/Learning_set/Bearing1_1/acc_02800.csv
"""
EXTRA = (OVERWRITE, QUIET, VERBOSE, MODEL_ARG, DATA_ARG)


def _progress(quiet: bool):
    if quiet:
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done >= total or not sys.stderr.isatty() else ""
        sys.stderr.write(("\r" if sys.stderr.isatty() else "") + f"scored {done}/{total} snapshots{end}")
        sys.stderr.flush()

    return show


def _with_unit(name: str, value: float | None, unit: str | None) -> str:
    """A threshold with its unit where one is known (the level is always in dB)."""
    if value is None:
        return "-"
    suffix = {"level_db": " dB", "velocity_mm_s": " mm/s", "rms": f" {unit}" if unit else ""}.get(name, "")
    return f"{value:.4g}{suffix}"


def _print_summary(summary: dict, run) -> None:
    seq = summary["sequence"]
    hours = seq.get("interval_s") is not None

    def when(item: dict) -> str:
        if item["first_alarm_index"] is None:
            return "no alarm"

        def at(kind: str) -> str:
            t = item.get(f"{kind}_time_s")
            name = Path(str(item.get(f"{kind}_file") or "")).name  # the file a person opens, then its row
            return f"{name} #{item[f'{kind}_index']}" + (
                f" ({t / 3600:.2f} h)" if hours and t is not None else ""
            )

        first = item.get("first_exceedance_index")
        if first is None or first == item["first_alarm_index"]:
            return at("first_alarm")
        return f"{at('first_alarm')}, from {at('first_exceedance')}"

    rows = []
    for name, item in summary["indicators"].items():
        if item.get("missing") and item.get("threshold") is None:
            continue  # does not apply to these data (velocity without a unit)
        lead = item.get("lead_time_s")
        rows.append(
            [
                name,
                _with_unit(name, item["threshold"], summary.get("unit")),
                when(item),
                f"{item['calibration_exceedances']}/{item['calibration_snapshots']}",
                "-" if lead is None else f"{lead / 3600:.2f} h",
                "-" if item["monotonicity"] is None else f"{item['monotonicity']:.2f}",
                "-" if item["trendability"] is None else f"{item['trendability']:.2f}",
            ]
        )
    ref = summary["reference"]
    span = "" if ref.get("span_s") is None else f", {ref['span_s'] / 3600:.2f} h"
    title = (
        f"{seq['name']}: {summary['snapshots']} snapshots,"
        f" reference #{ref['fit'][0]}-#{ref['calibration'][1]}"
        f"{span} ({ref['skip']}); false-alarm rate {summary['false_alarm_rate']:g} per snapshot,"
        f" an alarm after {persistence_text(summary['persistence'])}"
    )
    for warning in ref.get("warnings", []):
        print(f"warning: {warning}", file=sys.stderr)
    print_table(
        title,
        [
            "indicator",
            "threshold",
            "first alarm",
            "held-back over",
            "lead time",
            "monotonicity",
            "trendability",
        ],
        rows,
    )
    if seq.get("onset_index") is not None:
        print(f"known fault onset: snapshot #{seq['onset_index']}")
    account = summary["account"]
    print(
        f"snapshots: {account['scored']} scored of {summary['snapshots']} found,"
        f" {account['expected']} expected"
    )
    for item in account["unreadable"]:
        print(f"not scored: {item['file']} ({item['status']})", file=sys.stderr)
    print(diagnosis_line(summary.get("diagnosis")))
    print(_verdict_line(summary["machine"], hours))
    print(
        f"written to {run}: report.md, report.html, scores.csv, summary.json, health.png, the fitted monitor"
    )


# the table's last line (the machine's state, since which file, what drove it): the report's first
_where, _verdict_line = where, verdict_line


def _stream(argv: list[str], prog: str) -> int:
    p = OneLineParser(prog=prog, description=STREAM_DESCRIPTION)
    p.add_argument("--run", required=True, metavar="RUN_DIR", help="run directory of `deepshrink monitor`")
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help="new snapshot files or folders")
    p.add_argument("--quiet", "-q", action="store_true", help="no progress lines")
    p.add_argument("--rebaseline", help=argparse.SUPPRESS)  # to answer it in words, below
    args = p.parse_args(argv)
    if args.rebaseline is not None:
        # a new baseline is a new fit (DAE, thresholds) on snapshots after the maintenance, which a stream of
        # a few files cannot give; the batch run over the whole life keeps the rows before it as history
        raise ConfigError(
            "streaming scores against the saved monitor and cannot re-baseline it; after maintenance run the"
            " whole life again: deepshrink monitor --data FOLDER --rebaseline TIME --out NEW_RUN (the rows"
            " before TIME stay as history)",
            key="rebaseline",
        )
    from deepshrink.engine.monitor.stream import stream  # here: --help answers without torch

    new, summary = stream(args.run, args.paths, progress=_progress(args.quiet), command=_command(argv))
    info = summary["stream"]
    if info["already_scored"]:
        print(f"skipped {info['already_scored']} file(s) already scored")
    for note in info["notes"]:
        print(f"note: {note}", file=sys.stderr)
    if info["missing_indicators"]:
        print(
            f"warning: the saved monitor predates {', '.join(info['missing_indicators'])}: scored NaN"
            " (refit to add)",
            file=sys.stderr,
        )
    for name in summary["indicators"]:
        flagged = [r for r in new if r[f"{name}_alarm"]]
        if flagged:
            print(
                f"ALARM {name}: {len(flagged)} of the {len(new)} new snapshot(s), from {flagged[0]['file']}"
            )
    _print_summary(summary, args.run)
    return 0


def _command(argv: list[str]) -> str:
    """The command line as the report shows it (quoted so that it can be pasted into a shell)."""
    return "deepshrink monitor " + shlex.join(argv)


def _check_data_path(spec: str) -> None:
    """A data path that does not exist answers at once, before torch and the data modules load (seconds on
    a small machine); a bare name (a data set of the registry: simulator, femto) and everything else about
    the data is checked where it is read."""
    text = str(spec).strip()
    name, sep, rest = text.partition(":")
    if sep and name.isidentifier():  # NAME:PATH
        path = Path(rest)
    elif "/" in text or os.sep in text or text.lower().endswith(".csv"):
        path = Path(text)
    else:
        return
    if not path.expanduser().exists():
        raise ConfigError(
            f"data {text!r} is not found; expected a data set's name (deepshrink datasets: simulator, femto),"
            " NAME:PATH, a folder of numbered snapshot files, or a .csv manifest",
            key="data",
        )


def main(argv: list[str], prog: str) -> int:
    """Fit and score a sequence, or (--run) score snapshots that arrived later."""
    if any(a == "--run" or a.startswith("--run=") for a in argv):
        return _stream(argv, prog)
    cfg, flags = parse_config_argv(MonitorConfig, argv, prog=prog, description=DESCRIPTION, extra=EXTRA)
    if flags.model_arg:
        cfg.model_kwargs = {**cfg.model_kwargs, **key_values(flags.model_arg, "--model-arg")}
    if flags.data_arg:
        cfg.data_kwargs = {**cfg.data_kwargs, **key_values(flags.data_arg, "--data-arg")}
    _check_data_path(cfg.data)
    from deepshrink.engine.core.runtime import configure_threads
    from deepshrink.engine.monitor.run import run_monitor  # here: --help answers without torch

    configure_threads(cfg.threads)
    run, summary = run_monitor(
        cfg,
        overwrite=flags.overwrite,
        on_epoch=None if flags.quiet else EpochLine(f"{cfg.model} (reference)"),
        progress=_progress(flags.quiet),
        verbose=flags.verbose,
        command=_command(argv),
    )
    _print_summary(summary, run)
    return 0
