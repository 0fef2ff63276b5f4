"""report.md and report.html of a monitor run: what to send a colleague.

Both say the same, in this order: the machine verdict in one line at the top, the indicator table, health.png,
the account of every snapshot, the reference period, the operating conditions and the command that made the
run. report.html is one self-contained file: health.png embedded as a data URI, inline CSS, no script and no
external URL, so it opens anywhere without a network. Every text in it is escaped.
"""

from __future__ import annotations

import base64
import html
from pathlib import Path
from typing import Any

from deepshrink.atomic import atomic_write_text

__all__ = ["REPORT_HTML", "REPORT_MD", "verdict_line", "write_report"]

REPORT_MD, REPORT_HTML = "report.md", "report.html"
FIGURE = "health.png"
_COLOURS = {"normal": "#1e7b34", "alert": "#b35c00", "danger": "#b00020"}


def _hours(t: float | None) -> str:
    return "-" if t is None else f"{t / 3600:.2f} h"


def where(point: dict | None, hours: bool = True) -> str:
    """'FILE (#INDEX, T h)' of a point of the verdict ('-' for none)."""
    if point is None:
        return "-"
    t = point.get("time_s")
    return f"{point['file']} (#{point['index']}" + (
        f", {t / 3600:.2f} h)" if hours and t is not None else ")"
    )


def verdict_line(machine: dict, hours: bool = True) -> str:
    """The machine's state, since which file, its first alert (first exceedance, confirming file, drivers)
    and its first danger, in one line."""
    state = machine["state"].upper()
    first = machine.get("first_alert")
    if first is None:
        rule = machine["rule"].split(":")[0]
        return f"MACHINE: {state} (no alert; {rule})" + zone_text(machine.get("zone"), hours)
    line = f"MACHINE: {state}"
    if machine.get("since"):
        line += f" since {where(machine['since'], hours)}"
    line += f"; first alert confirmed at {where(first['confirmed'], hours)}"
    line += f", first exceedance {where(first['first_exceedance'], hours)}"
    line += f"; driven by {', '.join(first['drivers']) or '-'}"
    danger = machine.get("first_danger")
    if danger is not None:
        line += f"; danger from {where(danger['confirmed'], hours)}"
    return line + zone_text(machine.get("zone"), hours)


def zone_text(zone: dict | None, hours: bool = True) -> str:
    """'; velocity 3.1 mm/s: zone B (...)' of the verdict line, where zone boundaries were given."""
    if not zone or zone.get("now") is None:
        return ""
    b = zone["boundaries_mm_s"]
    text = (
        f"; velocity {zone['now']['velocity_mm_s']:.3g} mm/s: zone {zone['now']['zone']} (boundaries given"
        f" A/B {b[0]:g}, B/C {b[1]:g}, C/D {b[2]:g} mm/s)"
    )
    for z in "CD":
        if zone.get(f"first_{z}") is not None:
            text += f", first in zone {z} at {where(zone[f'first_{z}'], hours)}"
    return text


FAMILY_NAMES = {
    "outer": "outer race (BPFO)",
    "inner": "inner race (BPFI)",
    "ball": "rolling element (2 x BSF)",
    "none": "no bearing defect family",
}


def diagnosis_line(diag: dict | None) -> str:
    """What is failing, in one line: the envelope family found from the first alert on (engine/monitor/
    families.py), or why none is named."""
    if not diag or not diag.get("known"):
        return f"WHAT: not diagnosed ({(diag or {}).get('why', 'no bearing geometry')})"
    if diag.get("at_alert") is None:
        return f"WHAT: no alert to diagnose (bearing {diag['geometry']}, {diag['source']})"
    at = FAMILY_NAMES.get(diag["at_alert"], diag["at_alert"])
    if diag.get("after_alert") is None:
        return f"WHAT: no defect family stands out since the first alert (on its confirming snapshot: {at})"
    share = diag.get("share_after_alert", 0.0)
    return (
        f"WHAT: {FAMILY_NAMES[diag['after_alert']]} in {100 * share:.0f} % of the snapshots since the first"
        f" alert (on its confirming snapshot: {at}; bearing {diag['geometry']}, {diag['source']})"
    )


def persistence_text(persistence: int | str) -> str:
    """'3 consecutive exceedances' or 'exceedances lasting 30min (at least 2)'."""
    if isinstance(persistence, int) or str(persistence).strip().isdigit():
        return f"{persistence} consecutive exceedances"
    return f"exceedances lasting {persistence} (at least 2, first to latest)"


def _indicator_rows(summary: dict) -> list[list[str]]:
    rows = []
    for name, item in summary["indicators"].items():
        first = item.get("first_alarm_index")
        threshold = item.get("threshold")
        rows.append([
            name,
            "-" if threshold is None else f"{threshold:.4g}",
            "no alarm" if first is None else f"#{first} ({_hours(item.get('first_alarm_time_s'))})",
            item.get("first_alarm_file") or "-",
            f"{item['calibration_exceedances']}/{item['calibration_snapshots']}",
            _hours(item.get("lead_time_s")),
        ])  # fmt: skip
    return rows


def _sections(summary: dict, command: str | None) -> list[tuple[str, list[str]]]:
    """(title, items) of the sections below the table and the figure, as plain text."""
    account, ref = summary["account"], summary["reference"]
    unreadable = [f"{u['file']}: {u['status']}" for u in account.get("unreadable", [])]
    missing = account.get("missing_numbers") or []
    gaps = summary["sequence"].get("gaps") or len(missing)
    skipped = [
        f"{e.get('name')}: {e.get('reason')}" if isinstance(e, dict) else str(e)
        for e in account.get("skipped_entries") or []
    ]
    acc = [
        f"expected {account['expected']}, found {summary['snapshots']}, scored {account['scored']}",
        f"unreadable (not scored): {len(unreadable) or 'none'}",
        *(f"  {u}" for u in unreadable),
        f"missing numbers: {gaps or 'none'}"
        + (f" ({', '.join(map(str, missing))}" if missing else "")
        + (", ...)" if gaps > len(missing) else ")" if missing else ""),
        f"skipped entries (named like snapshots, not readable files): {len(skipped) or 'none'}",
        *(f"  {e}" for e in skipped),
    ]
    fit, cal = ref.get("fit") or ["?", "?"], ref.get("calibration") or ["?", "?"]
    drift = ref.get("drift") or {}
    excluded = [f"{e['file']} (#{e['index']}): {e['artefact']}" for e in ref.get("excluded") or []]
    refs = [
        f"skip: {ref.get('skip')}",
        f"span: {_hours(ref.get('span_s'))}, snapshots #{fit[0]}-#{fit[1]}",
        f"fit: {ref.get('fit_snapshots')} snapshots; calibration (held back, thresholds): "
        f"{ref.get('calibration_snapshots')} snapshots, #{cal[0]}-#{cal[1]}",
        f"level drift from fit to held-back part: {drift.get('level_shift_db', 0.0):+.1f} dB"
        if drift.get("level_shift_db") is not None
        else "level drift: -",
        f"excluded artefacts: {len(excluded) or 'none'}",
        *(f"  {e}" for e in excluded),
        f"warnings: {len(ref.get('warnings') or []) or 'none'}",
        *(f"  {w}" for w in ref.get("warnings") or []),
    ]
    conds = summary.get("conditions")
    unseen = summary.get("unseen_conditions") or []
    cond = [
        f"one baseline per operating condition: {', '.join(conds)}"
        if conds
        else "no operating condition given: one baseline for every snapshot",
        f"conditions the reference never saw (judged by the pooled baseline): {', '.join(unseen)}"
        if unseen
        else "every monitored condition was seen in the reference",
    ]
    return [
        ("Account of the snapshots", acc),
        ("Reference period", refs),
        ("Operating conditions", cond),
        ("Command", [command or "not recorded (run from Python)"]),
    ]


def _head(summary: dict) -> tuple[str, str]:
    """(title, the line below the verdict)."""
    seq = summary["sequence"]
    onset = seq.get("onset_index")
    info = (
        f"{summary['snapshots']} snapshots; false-alarm rate {summary['false_alarm_rate']:g} per snapshot;"
        f" an alarm needs {persistence_text(summary['persistence'])}"
        + ("" if onset is None else f"; known fault onset: snapshot #{onset}")
    )
    return f"Monitor report: {seq.get('name', '')}", info


HEADERS = ["indicator", "threshold", "first alarm", "file", "held-back exceedances", "lead time"]


def _markdown(summary: dict, command: str | None) -> str:
    title, info = _head(summary)

    def cell(text: str) -> str:
        return text.replace("|", "\\|")

    what = diagnosis_line(summary.get("diagnosis"))
    out = [
        f"# {title}",
        "",
        f"**{verdict_line(summary['machine'])}**",
        "",
        what,
        "",
        info,
        "",
        "## Indicators",
        "",
    ]
    out += ["| " + " | ".join(HEADERS) + " |", "|---|---:|---|---|---:|---:|"]
    out += ["| " + " | ".join(cell(c) for c in r) + " |" for r in _indicator_rows(summary)]
    out += ["", f"![health indicators]({FIGURE})", ""]
    for name, items in _sections(summary, command):
        out += [f"## {name}", ""]
        if name == "Command":
            out += ["```", *items, "```", ""]
            continue
        out += [("  - " + i.strip()) if i.startswith("  ") else f"- {i}" for i in items] + [""]
    return "\n".join(out)


_CSS = """body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.5em auto;max-width:1100px;
padding:0 1em;color:#222;line-height:1.4}
.verdict{font-size:1.3em;font-weight:bold;color:#fff;padding:.7em 1em;border-radius:6px;margin:.5em 0}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.25em .6em;text-align:left}
th{background:#eee}td.n{text-align:right}img{max-width:100%;border:1px solid #ddd}
pre{background:#f4f4f4;padding:.6em;white-space:pre-wrap;word-break:break-all}ul{margin:.2em 0}
h2{margin-top:1.2em;border-bottom:1px solid #ddd}"""


def _html(summary: dict, command: str | None, figure: bytes | None) -> str:
    esc = html.escape
    title, info = _head(summary)
    colour = _COLOURS.get(summary["machine"]["state"], "#444")
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{esc(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{esc(title)}</h1>",
        f'<div class="verdict" id="verdict" style="background:{colour}">',
        esc(verdict_line(summary["machine"])) + "</div>",
        f"<p><b>{esc(diagnosis_line(summary.get('diagnosis')))}</b></p>",
        f"<p>{esc(info)}</p>",
        "<h2>Indicators</h2><table><tr>" + "".join(f"<th>{esc(h)}</th>" for h in HEADERS) + "</tr>",
    ]
    for r in _indicator_rows(summary):
        out.append(
            "<tr>" + "".join(
                (f'<td class="n">{esc(c)}</td>' if k in (1, 4, 5) else f"<td>{esc(c)}</td>")
                for k, c in enumerate(r)
            ) + "</tr>"
        )  # fmt: skip
    out.append("</table>")
    if figure is not None:
        data = base64.b64encode(figure).decode("ascii")
        out.append(f'<p><img alt="health indicators" src="data:image/png;base64,{data}"></p>')
    else:
        out.append(f"<p>({esc(FIGURE)} missing)</p>")
    for name, items in _sections(summary, command):
        out.append(f"<h2>{esc(name)}</h2>")
        if name == "Command":
            out.append(f"<pre>{esc(items[0])}</pre>")
            continue
        lis: list[tuple[str, list[str]]] = []
        for i in items:
            if i.startswith("  ") and lis:  # a detail of the item before it
                lis[-1][1].append(f"<li>{esc(i.strip())}</li>")
            else:
                lis.append((esc(i), []))
        out.append(
            "<ul>" + "".join(f"<li>{t}" + (f"<ul>{''.join(d)}</ul>" if d else "") + "</li>" for t, d in lis)
            + "</ul>"
        )  # fmt: skip
    out.append("</body></html>")
    return "\n".join(out) + "\n"


def write_report(run_dir: Path, summary: dict[str, Any], command: str | None) -> tuple[Path, Path]:
    """Write report.md and report.html of a monitor run (atomically); (md path, html path)."""
    run = Path(run_dir)
    try:
        figure = (run / FIGURE).read_bytes()
    except OSError:
        figure = None
    md = atomic_write_text(run / REPORT_MD, _markdown(summary, command))
    page = atomic_write_text(run / REPORT_HTML, _html(summary, command, figure))
    return md, page
