"""`deepshrink diagnose`: envelope analysis of bearing recordings, a defect verdict per file (no model)."""

from __future__ import annotations

import json
import sys

from deepshrink.cli._common import OneLineParser, add_quiet, print_table
from deepshrink.errors import ConfigError, DataError

HELP = "bearing fault verdict per file by envelope analysis (outer, inner, ball or none): no model"
DESCRIPTION = """Band-pass each recording where it is most impulsive (the fast kurtogram's band, or after
cepstral pre-whitening, or a band you give), take the spectrum of its squared envelope, and score the lines of
each defect family: outer race (BPFO), inner race (BPFI) and ball (2 x BSF), 3 harmonics each, within 2 %
(speed error and slip). The family whose lines stand out most above the spectrum around them, by more than
--threshold-db, is the verdict; else "none". Needs the bearing geometry and the shaft speed: give them
(--geometry, --rpm / --shaft-hz), or name a data set whose registry entry knows them (--data cwru: the
SKF 6205 drive-end bearing, each file's rpm from its XNNNRPM variable or its load, its rate from CWRU's
numbering). In a folder, files that cannot be read as signals are skipped with one warning listing them.

examples:
  deepshrink diagnose --data cwru ../shared/data/cwru
  deepshrink diagnose pump.wav --geometry 6205 --rpm 1797 --out figures/
  deepshrink diagnose rec.mat --variable bearing.gs --geometry 8,0.235,1.245 --shaft-hz 25 --format json
"""


def main(argv: list[str], prog: str) -> int:
    """Diagnose and print in the chosen format."""
    p = OneLineParser(prog=prog, description=DESCRIPTION)
    p.add_argument("paths", nargs="+", metavar="FILE_OR_FOLDER", help="signal files or folders of them")
    p.add_argument(
        "--geometry",
        metavar="BEARING",
        help="BALLS,BALL_D,PITCH_D[,ANGLE_DEG] (diameters in one unit, angle in degrees) or a named bearing "
        "(6205, 6203); default: the bearing of --data",
    )
    p.add_argument("--rpm", type=float, help="shaft speed in rpm (or --shaft-hz; default: from --data)")
    p.add_argument("--shaft-hz", type=float, dest="shaft_hz", help="shaft speed in Hz (or --rpm)")
    p.add_argument(
        "--data",
        metavar="NAME",
        help="a data set whose registry entry gives the geometry and each file's speed and rate: cwru, "
        "mfpt (uestc, pu, femto: speed only, their geometry is not published; add --geometry)",
    )
    p.add_argument(
        "--position",
        metavar="POSITION",
        help="bearing position of --data (cwru: drive_end, the default, or fan_end)",
    )
    p.add_argument(
        "--band",
        default="kurtogram",
        metavar="BAND",
        help="kurtogram (default), prewhiten, or LO:HI in Hz: where to demodulate",
    )
    p.add_argument(
        "--threshold-db",
        type=float,
        dest="threshold_db",
        default=12.0,
        help="a family's lines must stand out by more than this for a verdict (default 12 dB)",
    )
    p.add_argument(
        "--harmonics", type=int, default=3, help="harmonics scored per family (default 3; all below fs/2)"
    )
    p.add_argument("--format", default="table", choices=("table", "json"), help="output (default table)")
    p.add_argument("--out", metavar="DIR", help="write one figure per file here (<file stem>.png)")
    p.add_argument("--sample-rate", type=float, dest="sample_rate", help="rate (Hz) of files that carry none")
    p.add_argument("--variable", help="the signal's variable in .mat/.npz files (a struct field: bearing.gs)")
    p.add_argument("--channel", help="the channel to diagnose: an index or a CSV column name")
    add_quiet(p, "warning")
    args = p.parse_args(argv)
    if args.data is None and args.position is not None:
        raise ConfigError("--position: names a bearing of --data; give --data NAME too")
    # imported after parsing: --help and usage errors answer without scipy or torch
    from deepshrink.engine.diagnose.envelope import diagnose_files, settings_from

    channel = (
        int(args.channel) if args.channel is not None and args.channel.lstrip("-").isdigit() else args.channel
    )
    settings = settings_from(
        geometry=args.geometry,
        shaft_hz=args.shaft_hz,
        rpm=args.rpm,
        data=args.data,
        position=args.position,
        band=args.band,
        threshold_db=args.threshold_db,
        harmonics=args.harmonics,
        sample_rate=args.sample_rate,
        variable=args.variable,
        channel=channel,
        out=args.out,
    )
    skipped: list[tuple[str, str]] = []
    results = diagnose_files(args.paths, settings, skipped=skipped)
    if not results:
        found = f" (skipped: {'; '.join(f'{f}: {why}' for f, why in skipped)})" if skipped else ""
        raise DataError(f"no file to diagnose in {', '.join(args.paths)}{found}")
    if skipped and not args.quiet:
        names = ", ".join(f for f, _ in skipped)
        print(f"warning: skipped {len(skipped)} file(s) that cannot be diagnosed: {names}", file=sys.stderr)
    if args.format == "json":
        json.dump(results, sys.stdout, indent=2)
        print()
        return 0
    labelled = any(r["label"] is not None for r in results)
    rows = [
        (
            r["file"],
            *((r["label"] or "",) if labelled else ()),
            r["verdict"],
            *(f"{r['scores'][fam]:.1f}" for fam in ("outer", "inner", "ball")),
            f"{r['band_hz'][0]:.0f}-{r['band_hz'][1]:.0f}",
            f"{r['shaft_hz']:.2f}",
            f"{r['sample_rate']:g}",
        )
        for r in results
    ]
    columns = [
        "file",
        *(["label"] if labelled else []),
        "verdict",
        "outer dB",
        "inner dB",
        "ball dB",
        "band Hz",
        "shaft Hz",
        "rate Hz",
    ]
    print_table(
        f"envelope diagnosis ({settings.geometry_source}, threshold {settings.threshold_db:g} dB)",
        columns,
        rows,
    )
    if settings.figure_dir is not None and not args.quiet:
        print(f"figures: {settings.figure_dir}", file=sys.stderr)
    return 0
