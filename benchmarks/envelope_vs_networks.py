"""Envelope analysis against the networks on CWRU location labels, at equal signal per decision (issue 36).

    python benchmarks/envelope_vs_networks.py --data ../shared/data/cwru --runs bench/cwru_location/runs

The networks are the cells of one `deepshrink benchmark` grid on the same 37 recordings and labels as
`envelope_cwru.py` (normal 0 HP + the 36 12 kHz drive-end faults, `--labels fault`):

    deepshrink benchmark --data cwru:../shared/data/cwru --data_arg task=4class \
        --data_arg "loads=[0,1,2,3]" --data_arg "ids=[97,105,...,237]" --labels fault \
        --models resnet_paper,drsn_cw_paper --noises gaussian --snrs -10:5 --seeds 0,1,2 \
        --workers 2 --threads-per-worker 1 --out bench/cwru_location

Every decision, for both methods, is made on the SAME noisy segment: the within scenario's test part of each
recording (the package's 70/15/15 time split, which the networks were trained under) cut into
non-overlapping segments of 2,048 samples (one network window, 0.171 s), 6,000 (0.5 s) and 12,000 (1 s);
white Gaussian noise at the segment's own power, with the seed `envelope_cwru.noise_seed` gives it (so the
envelope's decisions are exactly those of envelope_cwru.py's within column). The envelope reads the whole
segment (its "none" threshold set on clean training segments, envelope_cwru.py's rule); a network votes over
2,048-sample windows that cover the segment (evenly spaced, at most 1,024 apart; `predict`'s vote: most
windows, ties to the larger summed probability), each window z-scored by the run's own pipeline.

Cross-dataset, UESTC -> CWRU (`--cross benchmarks/results/uestc_to_cwru.json`): the networks of that committed
grid (trained on UESTC, tested on CWRU's 0 HP recordings, windows of 2,048 at stride 1,024, Gaussian rows),
beside the envelope on the same recordings and windows with CWRU's geometry and diagnose's default
threshold (12 dB: nothing set on either rig's data). Side by side, not paired: the noise draws differ.
CWRU -> UESTC has no envelope row: UESTC's bearing geometry is not published (the registry says unknown).

Paired over the seeds (the envelope is the same in every seed: it has no training seed): per (length, SNR
band), network minus envelope accuracy, mean and 95 % t-interval over the 3 seeds (n-1), with the bands of the
other benchmarks (-10..-6, -5..5 dB and clean).
"""

from __future__ import annotations

import json
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import envelope_cwru as env
from _common import command_line, finish, machine_description
from deepshrink.benchmark.stats import BANDS as STATS_BANDS
from deepshrink.benchmark.stats import band_values, paired_difference
from deepshrink.data.sets.cwru import load_cwru
from deepshrink.data.split.scenarios import relabel
from deepshrink.data.split.windows import window_starts
from deepshrink.engine.classify.inference import infer
from deepshrink.engine.classify.predict import vote
from deepshrink.engine.core.artifacts import load_model
from deepshrink.errors import DeepShrinkError
from deepshrink.formatting import markdown_table, mean_std
from deepshrink.functional.bearing import BEARINGS
from deepshrink.functional.envelope import DEFAULT_THRESHOLD_DB

WINDOW = 2048
SNRS: tuple[float | None, ...] = (None, 5.0, 0.0, -5.0, -10.0)
BANDS = {"-10..-6 dB": (-10.0,), "-5..5 dB": (-5.0, 0.0, 5.0), "clean": (None,)}


def window_offsets(length: int, window: int = WINDOW, max_step: int = WINDOW // 2) -> list[int]:
    """Evenly spaced window starts covering a segment of `length` samples, at most `max_step` apart."""
    if length <= window:
        return [0]
    n = int(np.ceil((length - window) / max_step)) + 1
    return [int(v) for v in np.rint(np.linspace(0, length - window, n))]


def network_predictions(model, meta, x: np.ndarray) -> list[str]:
    """The class each segment's windows vote for."""
    offs = window_offsets(x.shape[1])
    wins = np.stack([x[:, o : o + WINDOW] for o in offs], axis=1)  # (N, W, window)
    flat = torch.from_numpy(wins.reshape(-1, 1, WINDOW).astype(np.float32))
    probs = torch.softmax(infer(model, flat, normalize=meta.get("normalize", "none")).logits, 1)
    probs = probs.reshape(len(x), len(offs), -1)
    classes = list(meta["classes"])
    return [classes[vote(p)[0]] for p in probs]


def scores(truth, pred) -> dict:
    """Accuracy and balanced accuracy (%) of predicted location labels, by envelope_cwru's metrics."""
    m = env.metrics(env.confusion(truth, pred))
    return {"accuracy": m["accuracy"], "balanced": m["balanced_accuracy"]}


def _cell(length: int, n: int, **extra) -> dict:
    windows = len(window_offsets(length))
    return {"seconds": round(length / env.RATE, 3), "segments": n, "windows_per_segment": windows, **extra}


def within(recs, scorer, models: dict) -> dict:
    """The within scenario: the envelope exactly as envelope_cwru.py tests it (`fit_and_test`: the "none"
    threshold from the clean training segments, the test part of every recording); each network (one per
    seed) votes on the same noisy segments."""
    pieces = env.within_pieces(recs)
    results: dict = {}
    for length in env.LENGTHS:
        fitted = env.fit_and_test(recs, scorer, pieces, length, SNRS)
        test = env.segments(pieces, "test", length)
        truth = [recs[i].label for i, _ in test]
        cell = results[str(length)] = _cell(
            length, len(test), threshold_db=fitted["threshold"]["threshold_db"]
        )
        cell["snr"] = {}
        for snr in SNRS:
            key = env._snr_key(snr)
            m = env.metrics(fitted["confusions"][key])
            row = {"envelope": {"accuracy": m["accuracy"], "balanced": m["balanced_accuracy"]}}
            x = env.noisy_segments(recs, test, length, snr)
            for name, (model, meta) in models.items():
                row[name] = scores(truth, network_predictions(model, meta, x))
            cell["snr"][key] = row
            print(f"within, {length} samples, {key}: envelope {m['accuracy']:.1f} %", flush=True)
    return results


def leave_one_load_out(recs, geometry, models: dict) -> dict:
    """Leave-one-load-out on the fault recordings (the networks were trained on ball / inner / outer: the
    package's cross-condition needs every class at every load, and the normal baseline exists at 0 HP only).
    Each fold's held-out load is tested whole; the envelope names the family with the highest score (no
    "none": the question is which fault, as for the networks); each network is its seed's model of that fold.
    Pooled over the folds."""
    faults = [r for r in recs if r.label != "normal"]
    scorer = env.Scorer(faults, geometry)
    folds = sorted({int(n.rsplit("__fold", 1)[1]) for n in models})  # the grid names a cell's fold
    results: dict = {}
    for length in env.LENGTHS:
        tests = {k: env.segments(env.cross_pieces(faults, k)[0], "test", length) for k in folds}
        truth = [faults[i].label for k in folds for i, _ in tests[k]]
        cell = results[str(length)] = _cell(length, len(truth), snr={})
        for snr in SNRS:
            key = env._snr_key(snr)
            best = np.concatenate([scorer.scores(tests[k], length, snr).argmax(axis=1) for k in folds])
            row = {"envelope": scores(truth, [env.FAMILIES[int(j)] for j in best])}
            xs = {k: env.noisy_segments(faults, tests[k], length, snr) for k in folds}
            for name in sorted({n.rsplit("__fold", 1)[0] for n in models}):
                pred = []
                for k in folds:
                    model, meta = models[f"{name}__fold{k}"]
                    pred += network_predictions(model, meta, xs[k])
                row[name] = scores(truth, pred)
            cell["snr"][key] = row
            print(f"loads, {length} samples, {key}: envelope {row['envelope']['accuracy']:.1f} %", flush=True)
    return results


def paired_rows(results: dict) -> list[dict]:
    """Network minus envelope per seed, each averaged over the SNRs of a band first; 95 % t over seeds."""
    names = [n for n in next(iter(next(iter(results.values()))["snr"].values())) if n != "envelope"]
    families = sorted({n.split("__")[0] for n in names})
    paired = []
    for length, cell in results.items():
        for band, snrs in BANDS.items():
            keys = [env._snr_key(s) for s in snrs]
            env_acc = float(np.mean([cell["snr"][k]["envelope"]["accuracy"] for k in keys]))
            for fam in families:
                seeds = [n for n in names if n.split("__")[0] == fam]
                accs = [float(np.mean([cell["snr"][k][n]["accuracy"] for k in keys])) for n in seeds]
                # the envelope's accuracy is the same for every seed: paired with each network seed
                diff = paired_difference(dict(enumerate(accs)), dict.fromkeys(range(len(accs)), env_acc))
                mean, spread = mean_std(accs)
                paired.append({"length": int(length), "seconds": cell["seconds"], "band": band, "model": fam,
                               "network": mean, "network_std": spread if len(accs) > 1 else None,
                               "envelope": env_acc, "difference": diff.mean, "low": diff.low,
                               "high": diff.high, "seeds": len(accs)})  # fmt: skip
    return paired


def _models(folder: Path) -> dict:
    runs = sorted(p for p in folder.iterdir() if (p / "model.json").is_file())
    if not runs:
        raise DeepShrinkError(f"{folder}: no trained run (model.json) in it")
    return {p.name: load_model(p) for p in runs}


def main(argv=None) -> int:
    parser = env.cwru_parser(__doc__)
    parser.add_argument("--runs", type=Path, default=Path("bench/cwru_location/runs"))
    parser.add_argument("--loads-runs", type=Path, default=None, help="runs of the leave-one-load-out grid")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/envelope_vs_networks.json"))
    parser.add_argument("--cross", type=Path, default=None, help="results of the uestc_to_cwru grid")
    args = parser.parse_args(argv)
    torch.set_num_threads(2)
    t0 = time.perf_counter()
    try:
        recs = env.load_location_recordings(args.data)
        models = _models(args.runs)
        loads_models = None if args.loads_runs is None else _models(args.loads_runs)
    except (DeepShrinkError, OSError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    results = within(recs, env.Scorer(recs, BEARINGS["6205"]), models)
    scenarios = {"within": {"runs": sorted(models), "results": results, "paired": paired_rows(results)}}
    if loads_models is not None:
        loads = leave_one_load_out(recs, BEARINGS["6205"], loads_models)
        scenarios["leave_one_load_out"] = {"runs": sorted(loads_models), "results": loads,
                                           "paired": paired_rows(loads)}  # fmt: skip
    cross = None if args.cross is None else cross_dataset(args.data, args.cross)
    report = {
        "date": date.today().isoformat(),
        "command": command_line("envelope_vs_networks.py", argv),
        "machine": machine_description(torch.get_num_threads()),
        "data": str(args.data),
        "classes": list(env.CLASSES),
        "scenarios": scenarios,
        "cross_dataset": cross,
        "seconds": round(time.perf_counter() - t0, 1),
    }
    finish(args.out, report, render(report))
    return 0


def cross_dataset(root: Path, results: Path) -> dict:
    """UESTC -> CWRU: the envelope (CWRU's geometry, default threshold) on the networks' CWRU test windows,
    beside the networks' per-window accuracy from the committed grid (Gaussian rows, mean ± std over seeds,
    `benchmark.stats.band_values` per seed)."""
    grid = json.loads(results.read_text())
    recs = relabel(load_cwru(root, target_rate=env.RATE), "fault")  # the grid's test data: 10 classes, 0 HP
    scorer = env.Scorer(recs, BEARINGS["6205"])
    segs = [
        (i, int(s)) for i, r in enumerate(recs) for s in window_starts(0, r.signal.shape[1], WINDOW, 1024)
    ]
    truth = [recs[i].label for i, _ in segs]
    gaussian = [r for r in grid["records"] if r.get("noise") in ("gaussian", "none")]
    out: dict = {"grid": str(results), "command": grid["command"], "windows": len(segs),
                 "threshold_db": DEFAULT_THRESHOLD_DB, "bands": {}}  # fmt: skip
    envelope_snrs = {"-10..-6 dB": (-10.0, -8.0, -6.0), "-5..5 dB": (-5.0, 0.0, 5.0), "clean": (None,)}
    for band, limits in STATS_BANDS:
        snrs = envelope_snrs[band]
        accs = [scores(truth, env.predict(scorer.scores(segs, WINDOW, snr), DEFAULT_THRESHOLD_DB))["accuracy"]
                for snr in snrs]  # fmt: skip
        row: dict = {"envelope": float(np.mean(accs)), "envelope_snrs": [env._snr_key(x) for x in snrs]}
        for model in grid["config"]["models"]:
            mean, spread = mean_std(band_values(gaussian, model, limits).values())
            row[model] = {"mean": mean, "std": spread}
        out["bands"][band] = row
    return out


TITLES = {
    "within": "CWRU within recordings, location labels (normal / ball / inner / outer)",
    "leave_one_load_out": "CWRU leave-one-load-out, fault family (ball / inner / outer), 4 folds pooled",
}


def render(report: dict) -> str:
    head = ["samples per decision", "SNR band", "network", "network accuracy (%)", "envelope accuracy (%)",
            "network - envelope (95 % t, seeds)"]  # fmt: skip
    lines = ["# Envelope analysis against the networks, CWRU", "",
             f"{report['date']}, {report['machine']}; `{report['command']}`"]  # fmt: skip
    for name, scenario in report["scenarios"].items():
        rows = []
        for p in scenario["paired"]:
            if p["low"] is None:
                where = [f"{p['length']} ({p['seconds']} s)", p["band"], p["model"]]
                rows.append(
                    [
                        *where,
                        f"{p['network']:.1f}",
                        f"{p['envelope']:.1f}",
                        f"{p['difference']:+.1f} (one seed)",
                    ]
                )
                continue
            sig = p["low"] > 0 or p["high"] < 0
            diff = f"{p['difference']:+.1f} [{p['low']:+.1f}, {p['high']:+.1f}]"
            rows.append([f"{p['length']} ({p['seconds']} s)", p["band"], p["model"],
                         f"{p['network']:.1f} ± {p['network_std']:.1f}", f"{p['envelope']:.1f}",
                         f"**{diff}**" if sig else f"n.s. {diff}"])  # fmt: skip
        lines += ["", f"## {TITLES[name]}", "", markdown_table(head, rows), "",
                  f"{len(scenario['runs'])} trained runs ({scenario['runs'][0]}, ...). Mean ± std (n-1) "
                  "over the seeds for the networks; "
                  "the envelope has no training seed. Bands: -10 dB / -5, 0, 5 dB / clean."]  # fmt: skip
    return "\n".join(lines + _render_cross(report.get("cross_dataset")))


def _render_cross(cross: dict | None) -> list[str]:
    if cross is None:
        return []
    models = [k for k in next(iter(cross["bands"].values())) if k not in ("envelope", "envelope_snrs")]
    rows = [[band, f"{row['envelope']:.1f}", *(f"{row[m]['mean']:.1f} ± {row[m]['std']:.1f}" for m in models)]
            for band, row in cross["bands"].items()]  # fmt: skip
    return [
        "",
        "## Cross-dataset, UESTC -> CWRU (0.171 s per decision, side by side, not paired)",
        "",
        markdown_table(["SNR band", f"envelope ({cross['threshold_db']:g} dB default)", *models], rows),
        "",
        f"{cross['windows']} CWRU windows; the envelope at -10, -8, -6 / -5, 0, 5 dB; the networks at every "
        f"SNR of the band (Gaussian), from `{cross['command']}`.",
    ]


if __name__ == "__main__":
    raise SystemExit(main())
