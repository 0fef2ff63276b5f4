"""Envelope analysis as a training-free classifier on CWRU location labels (issue 36, items 4 and 6).

    python benchmarks/envelope_cwru.py --data ../shared/data/cwru

The envelope column of the location-label comparison (normal / ball / inner / outer, the package's
`--labels fault` map): `deepshrink.functional.envelope.diagnose_signal` (fast-kurtogram band, 3 harmonics,
2 % slip) decides each segment, "none" meaning normal.

- Data: the 37 CWRU files of the shared copy (36 12 kHz drive-end fault files at 0-3 HP and the 0 HP normal
  baseline, resampled 48 -> 12 kHz by the loader), drive-end channel.
- Splits: the package's own (`deepshrink.data.split.scenarios.assign`, the 70/15/15 time split of the
  networks' config): "within" cuts each recording in time into train / val / test; "cross-condition"
  (leave-one-load-out) trains on three loads and tests the whole held-out load. The normal recording exists
  at 0 HP only: it keeps its within time split in every fold (its training part sets the threshold, its test
  part is tested in every fold), so every fold has normal training and test segments.
- Segments: non-overlapping cuts of one part (`window_starts`, stride = length), never crossing a split
  boundary, at three lengths: 2,048 samples (one network window, 0.171 s), 6,000 (0.5 s), 12,000 (1 s).
- Threshold: the "none" threshold in dB is chosen per length (and fold) on the clean training segments only,
  to maximise the balanced accuracy of normal vs fault (ties: the widest margin, then the lowest value), and
  applied unchanged to the test segments.
- Noise: white Gaussian at 5, 0, -5 and -10 dB SNR per segment (`deepshrink.functional.noise.add_noise`, the
  segment's own power), one seed per (file, start, length, SNR), so a segment gets the same noise in every
  scenario and run. No z-score: every score is a ratio of spectrum levels, unchanged by a segment's scale.
- Per record: every whole clean file through `deepshrink diagnose --data cwru`'s code path (kurtogram band,
  12 dB), beside Smith & Randall's (MSSP 64-65, 2015) diagnosability grades as transcribed by third parties
  (see `SMITH_RANDALL_SOURCES`; not checked against the paper).
- Speed: the whole column timed, and one simulated 1-s record at 50 kHz through diagnose_signal.
"""

from __future__ import annotations

import argparse
import hashlib
import math
import os
import sys
import time
from collections.abc import Sequence
from datetime import date
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _common import command_line, finish, machine_description
from deepshrink.data.recording import Recording
from deepshrink.data.sets.cwru import cwru_file_info, load_cwru
from deepshrink.data.sets.registry import dataset
from deepshrink.data.split.scenarios import assign, conditions_of, relabel
from deepshrink.data.split.windows import window_starts
from deepshrink.errors import DeepShrinkError
from deepshrink.formatting import markdown_table
from deepshrink.functional.bearing import BEARINGS, BearingGeometry
from deepshrink.functional.envelope import diagnose_signal
from deepshrink.functional.noise import add_noise

RATE = 12000.0
LENGTHS = (2048, 6000, 12000)  # one network window (0.171 s), 0.5 s, 1 s at 12 kHz
SNRS: tuple[float | None, ...] = (None, 5.0, 0.0, -5.0, -10.0)  # None: clean
SPLIT = (0.7, 0.15, 0.15)  # TrainConfig's default (train, val, test) fractions
CLASSES = ("ball", "inner", "normal", "outer")  # the package's label order (sorted) under --labels fault
FAMILIES = ("outer", "inner", "ball")  # diagnose_signal's score order (its ties go to the first)
NORMAL_IDS = (97,)  # the shared copy's only normal baseline (98-100 are not in it)

# Smith & Randall (2015), Table B2, drive-end channel: best grade over their three methods (Y clearly, P
# partially, N not diagnosable; the method in brackets where it was not Method 1, the raw-signal envelope).
# NOT read from the paper: transcribed from third-party notes that quote its Table B2 (SMITH_RANDALL_SOURCES),
# which agree with each other wherever they overlap.
SMITH_RANDALL_DE = {
    105: "Y2", 106: "Y2", 107: "Y2", 108: "Y2",
    169: "Y2", 170: "Y2", 171: "Y2 (M2)", 172: "Y2",
    209: "Y1", 210: "Y1", 211: "Y1", 212: "Y1",
    118: "N", 119: "N", 120: "N", 121: "Y2 (M3)",
    185: "P2", 186: "P2", 187: "P2 (M2)", 188: "P2",
    222: "Y2 (M2)", 223: "Y2", 224: "N", 225: "N",
    130: "Y1", 131: "Y1", 132: "Y1", 133: "Y1",
    197: "Y2 (M3)", 198: "P2", 199: "P1", 200: "N",
    234: "Y2", 235: "Y2", 236: "Y2", 237: "Y2",
}  # fmt: skip
SMITH_RANDALL_SOURCES = (
    "github.com/Nyfeu/Vibration_Analysis docs/records/smith2015.md (per-record table of Table B2, DE)",
    "github.com/Nyfeu/Vibration_Analysis docs/arquivos_excluidos.md (M1/M2/M3 grades of the P and N records)",
    "github.com/Mmaotttt/bearings-adventure report/FACTS.md, section 11.4 (grades of the nine 1 HP records)",
)


def _fault_ids() -> tuple[int, ...]:
    out = []
    for cid in range(98, 300):
        try:
            info = cwru_file_info(cid)
        except DeepShrinkError:
            continue
        if info["fault"] != "normal":
            out.append(cid)
    return tuple(out)


FAULT_IDS = _fault_ids()


# ----------------------------------------------------------------------------------------------- the splits


def within_pieces(recs: Sequence[Recording], split=SPLIT) -> list[tuple[str, int, int, int]]:
    """(split, recording index, start, stop) of the networks' within scenario (the package's time split)."""
    return list(assign(recs, "within", split, rng=np.random.default_rng(0)).pieces)


def cross_pieces(
    recs: Sequence[Recording], fold: int, split=SPLIT
) -> tuple[list[tuple[str, int, int, int]], dict]:
    """Pieces of leave-one-condition-out fold `fold` for the fault recordings (the package's cross-condition
    assignment: training loads cut into train / val in time, the held-out load whole in test); normal
    recordings keep their within time split in every fold (see the module doc)."""
    fault = [i for i, r in enumerate(recs) if r.label != "normal"]
    normal = [i for i, r in enumerate(recs) if r.label == "normal"]
    a = assign([recs[i] for i in fault], "cross-condition", split, rng=np.random.default_rng(0), fold=fold)
    pieces = [(s, fault[j], lo, hi) for s, j, lo, hi in a.pieces]
    if normal:
        pieces += [(s, normal[j], lo, hi) for s, j, lo, hi in within_pieces([recs[i] for i in normal], split)]
    return pieces, dict(a.describe)


def fault_conditions(recs: Sequence[Recording]) -> list[str]:
    return conditions_of([r for r in recs if r.label != "normal"])


def segments(pieces, split: str, length: int) -> list[tuple[int, int]]:
    """(recording index, start) of the non-overlapping `length`-sample segments in the pieces of `split`."""
    out = []
    for name, rec, lo, hi in pieces:
        if name == split:
            out += [(rec, int(s)) for s in window_starts(lo, hi, length, length)]
    return out


# -------------------------------------------------------------------------------------------- the scoring


def noise_seed(name: str, start: int, length: int, snr_db: float) -> int:
    """One seed per (recording, segment, SNR), the same in every scenario, fold and run."""
    digest = hashlib.sha256(f"{name}|{start}|{length}|{snr_db:g}".encode()).digest()
    return int.from_bytes(digest[:8], "little") & (2**63 - 1)


def noisy_segments(
    recs: Sequence[Recording], segs: Sequence[tuple[int, int]], length: int, snr_db: float | None
) -> np.ndarray:
    """(N, length) float64 segments (rec, start), with white Gaussian noise at `snr_db` (None: clean), each
    segment's noise from its own seed (`noise_seed`): the same noisy segment for every method that reads it
    (the envelope here, the networks in envelope_vs_networks.py)."""
    if not segs:
        return np.zeros((0, length))
    late = next(((i, s) for i, s in segs if s + length > recs[i].signal.shape[1]), None)
    if late is not None:
        raise ValueError(f"{recs[late[0]].name}: a segment runs past the end of the recording")
    x = np.stack([np.asarray(recs[i].signal[0, s : s + length], dtype=np.float64) for i, s in segs])
    if snr_db is None:
        return x
    seeds = [noise_seed(recs[i].name, s, length, snr_db) for i, s in segs]
    return add_noise(torch.from_numpy(x), float(snr_db), "gaussian", seeds=seeds).numpy()


def shaft_hz(rec: Recording) -> float:
    """The file's RPM variable, else the registry's nominal speed of its load."""
    rpm = rec.meta.get("rpm")
    if rpm is None and rec.condition is not None:
        rpm = dataset("cwru").bearings.shaft_rpm.get(rec.condition)
    if rpm is None or not rpm > 0:
        raise ValueError(f"recording {rec.name!r}: no shaft speed")
    return float(rpm) / 60.0


class Scorer:
    """Family scores (outer, inner, ball) in dB of segments, clean or noisy, each computed once."""

    def __init__(self, recs: Sequence[Recording], geometry: BearingGeometry, band="kurtogram") -> None:
        self.recs, self.geometry, self.band = list(recs), geometry, band
        self.cache: dict[tuple[int, int, int, float | None], np.ndarray] = {}
        self.calls = 0
        self.seconds = 0.0

    def scores(self, segs: Sequence[tuple[int, int]], length: int, snr_db: float | None) -> np.ndarray:
        """(N, 3) scores of the segments (rec, start) of `length` samples at `snr_db` (None: clean)."""
        todo: dict[int, list[int]] = {}
        for rec, start in segs:
            if (rec, start, length, snr_db) not in self.cache:
                todo.setdefault(rec, []).append(start)
        t0 = time.perf_counter()
        for rec, starts in todo.items():
            r = self.recs[rec]
            x = noisy_segments(self.recs, [(rec, s) for s in starts], length, snr_db)
            fs, f_shaft = float(r.sample_rate), shaft_hz(r)
            for s, seg in zip(starts, x, strict=True):
                d = diagnose_signal(seg, fs, f_shaft, self.geometry, band=self.band, threshold_db=-math.inf)
                self.cache[(rec, s, length, snr_db)] = np.array([d.scores[f] for f in FAMILIES])
                self.calls += 1
        self.seconds += time.perf_counter() - t0
        if not segs:
            return np.zeros((0, len(FAMILIES)))
        return np.stack([self.cache[(rec, s, length, snr_db)] for rec, s in segs])


# ------------------------------------------------------------------------------- the threshold and metrics


def choose_threshold(normal_best: np.ndarray, fault_best: np.ndarray) -> dict:
    """The threshold t (dB) maximising the balanced accuracy of "fault iff best score > t" on these (training)
    scores; ties: the widest margin to the nearest score, then the lowest t. Candidates: the midpoints
    between consecutive distinct scores and 1 dB beyond either end."""
    normal_best = np.asarray(normal_best, dtype=np.float64)
    fault_best = np.asarray(fault_best, dtype=np.float64)
    if normal_best.size == 0 or fault_best.size == 0:
        raise ValueError(
            "threshold selection needs normal and fault segments, "
            f"got {normal_best.size} and {fault_best.size}"
        )
    values = np.unique(np.concatenate([normal_best, fault_best]))
    cands = np.concatenate([[values[0] - 1.0], (values[:-1] + values[1:]) / 2.0, [values[-1] + 1.0]])
    margin = np.concatenate([[1.0], (values[1:] - values[:-1]) / 2.0, [1.0]])
    tnr = (normal_best[None, :] <= cands[:, None]).mean(axis=1)
    tpr = (fault_best[None, :] > cands[:, None]).mean(axis=1)
    bacc = (tnr + tpr) / 2.0
    best = np.flatnonzero(np.isclose(bacc, bacc.max(), rtol=0, atol=1e-12))
    pick = best[np.lexsort((cands[best], -margin[best]))[0]]
    return {
        "threshold_db": float(cands[pick]),
        "train_balanced_accuracy": round(100.0 * float(bacc[pick]), 2),
        "train_false_alarm": round(100.0 * (1.0 - float(tnr[pick])), 2),
        "train_detection": round(100.0 * float(tpr[pick]), 2),
        "train_normal": int(normal_best.size),
        "train_fault": int(fault_best.size),
    }


def predict(scores: np.ndarray, threshold_db: float) -> list[str]:
    """diagnose_signal's rule: the best family if its score exceeds the threshold, else normal."""
    out = []
    for row in scores:
        k = int(np.argmax(row))  # the first maximum, as diagnose_signal's max() over the dict
        out.append(FAMILIES[k] if row[k] > threshold_db else "normal")
    return out


def confusion(true: Sequence[str], pred: Sequence[str]) -> np.ndarray:
    idx = {c: i for i, c in enumerate(CLASSES)}
    m = np.zeros((len(CLASSES), len(CLASSES)), dtype=np.int64)
    for t, p in zip(true, pred, strict=True):
        m[idx[t], idx[p]] += 1
    return m


def metrics(conf: np.ndarray) -> dict:
    """Accuracy, balanced accuracy (mean recall over the classes with test segments), recall and support."""
    support = conf.sum(axis=1)
    recall = {
        c: (round(100.0 * conf[i, i] / support[i], 2) if support[i] else None) for i, c in enumerate(CLASSES)
    }
    present = [v for v in recall.values() if v is not None]
    total = int(conf.sum())
    return {
        "accuracy": round(100.0 * np.trace(conf) / total, 2) if total else None,
        "balanced_accuracy": round(float(np.mean(present)), 2) if present else None,
        "classes_tested": [c for c in CLASSES if recall[c] is not None],
        "recall": recall,
        "support": {c: int(support[i]) for i, c in enumerate(CLASSES)},
        "confusion": conf.tolist(),
    }


def _best(scores: np.ndarray) -> np.ndarray:
    return scores.max(axis=1) if len(scores) else np.zeros(0)


def fit_and_test(recs, scorer: Scorer, pieces, length: int, snrs) -> dict:
    """Threshold from the clean training segments of `pieces`, then the test segments at every SNR."""
    train = segments(pieces, "train", length)
    labels = np.array([recs[i].label for i, _ in train])
    best = _best(scorer.scores(train, length, None))
    thr = choose_threshold(best[labels == "normal"], best[labels != "normal"])
    test = segments(pieces, "test", length)
    truth = [recs[i].label for i, _ in test]
    cells = {}
    for snr in snrs:
        pred = predict(scorer.scores(test, length, snr), thr["threshold_db"])
        cells[_snr_key(snr)] = confusion(truth, pred)
    return {"threshold": thr, "confusions": cells}


def _snr_key(snr: float | None) -> str:
    return "clean" if snr is None else f"{snr:g}"


def run(recs: Sequence[Recording], *, lengths=LENGTHS, snrs=SNRS, split=SPLIT, geometry=None) -> dict:
    """Both scenarios on recordings labelled by location (normal / ball / inner / outer)."""
    recs = list(recs)
    bad = sorted({r.label for r in recs} - set(CLASSES))
    if bad:
        raise ValueError(f"labels {bad} are not location labels {CLASSES}")
    scorer = Scorer(recs, geometry or BEARINGS["6205"])
    t0 = time.perf_counter()
    out: dict = {"within": {}, "cross_condition": {"folds": [], "pooled": {}}}
    pieces = within_pieces(recs, split)
    for length in lengths:
        res = fit_and_test(recs, scorer, pieces, length, snrs)
        out["within"][str(length)] = _cells(res, length)
    conds = fault_conditions(recs)
    pooled: dict[str, dict[str, np.ndarray]] = {}
    for fold, cond in enumerate(conds):
        fp, describe = cross_pieces(recs, fold, split)
        fold_out = {"fold": fold, "test_condition": cond, **describe, "lengths": {}}
        for length in lengths:
            res = fit_and_test(recs, scorer, fp, length, snrs)
            fold_out["lengths"][str(length)] = _cells(res, length)
            for key, conf in res["confusions"].items():
                acc = pooled.setdefault(str(length), {}).setdefault(key, np.zeros_like(conf))
                acc += conf
        out["cross_condition"]["folds"].append(fold_out)
    for length, cells in pooled.items():
        out["cross_condition"]["pooled"][length] = {
            "seconds": round(int(length) / RATE, 3),
            "snr": {key: metrics(conf) for key, conf in cells.items()},
        }
    out["timing"] = {
        "column_seconds": round(time.perf_counter() - t0, 2),
        "scoring_seconds": round(scorer.seconds, 2),
        "segments_scored": scorer.calls,
        "ms_per_segment": round(1000.0 * scorer.seconds / max(scorer.calls, 1), 3),
    }
    return out


def _cells(res: dict, length: int) -> dict:
    return {
        "seconds": round(length / RATE, 3),
        "threshold": res["threshold"],
        "test_segments": int(res["confusions"][next(iter(res["confusions"]))].sum()),
        "snr": {key: metrics(conf) for key, conf in res["confusions"].items()},
    }


# ------------------------------------------------------------------------------------------- per record


def per_record(root: Path, recs: Sequence[Recording]) -> list[dict]:
    """Each whole clean file as `deepshrink diagnose --data cwru FILE` reads it (the normal baseline at its
    native 48 kHz), plus the normal baseline as the loader resamples it to 12 kHz."""
    from deepshrink.engine.diagnose.envelope import diagnose_files, settings_from

    by_id = {r.meta["cwru_id"]: r for r in recs}
    files = sorted(Path(r.meta["path"]) for r in recs)
    settings = settings_from(data="cwru")
    rows = []
    for res in diagnose_files(files, settings):
        cid = int(Path(res["file"]).stem.rsplit("_", 1)[-1])
        r = by_id[cid]
        rows.append(
            {
                "cwru_id": cid,
                "file": Path(res["file"]).name,
                "label10": res["label"],
                "location": r.label,
                "load_hp": r.meta["load_hp"],
                "sample_rate": res["sample_rate"],
                "seconds": res["seconds"],
                "verdict": res["verdict"],
                "scores": res["scores"],
                "band_hz": res["band_hz"],
                "smith_randall_de": SMITH_RANDALL_DE.get(cid),
            }
        )
    for cid in NORMAL_IDS:
        if cid in by_id:
            r = by_id[cid]
            x = np.asarray(r.signal[0], dtype=np.float64)
            d = diagnose_signal(x, r.sample_rate, shaft_hz(r), BEARINGS["6205"])
            rows.append(
                {
                    "cwru_id": cid,
                    "file": Path(r.meta["path"]).name + " (resampled to 12 kHz)",
                    "label10": "normal",
                    "location": "normal",
                    "load_hp": r.meta["load_hp"],
                    "sample_rate": r.sample_rate,
                    "seconds": round(x.size / r.sample_rate, 3),
                    "verdict": d.verdict,
                    "scores": {k: round(v, 2) for k, v in d.scores.items()},
                    "band_hz": [round(d.band[0], 1), round(d.band[1], 1)],
                    "smith_randall_de": None,
                }
            )
    order = {c: i for i, c in enumerate(["normal", "inner", "ball", "outer"])}
    rows.sort(key=lambda row: (order[row["location"]], row["label10"], row["load_hp"], row["sample_rate"]))
    return rows


def _right(row: dict) -> bool:
    return row["verdict"] == (row["location"] if row["location"] != "normal" else "none")


def grade_group(grade: str | None) -> str | None:
    """Y with Method 1 (the raw-signal envelope), Y only with Method 2 or 3, P or N."""
    if grade is None:
        return None
    if grade.startswith("Y"):
        return "Y with Method 2 or 3 only" if "(M" in grade else "Y with Method 1"
    return grade[0]


def grade_summary(rows: Sequence[dict]) -> list[dict]:
    """Per Smith & Randall grade group: records, right verdicts, verdicts "none" and other wrong verdicts."""
    out = []
    for group in ("Y with Method 1", "Y with Method 2 or 3 only", "P", "N"):
        sel = [r for r in rows if grade_group(r["smith_randall_de"]) == group]
        out.append(
            {
                "group": group,
                "records": [r["cwru_id"] for r in sel],
                "right": sum(_right(r) for r in sel),
                "none": sum(r["verdict"] == "none" for r in sel),
                "wrong_family": sum(not _right(r) and r["verdict"] != "none" for r in sel),
            }
        )
    return out


def speed_50k(repeats: int = 21) -> dict:
    """Median time of diagnose_signal on one simulated 1-s outer-race record at 50 kHz."""
    from deepshrink.data.simulate.simulator import make_bearing_signals

    rec = make_bearing_signals(
        classes=["OR014"], n_recordings_per_class=1, duration_s=1.0, sample_rate=50000.0, random_state=0
    )[0]
    x = np.asarray(rec.signal[0], dtype=np.float64)
    f_shaft = float(rec.meta["shaft_hz"])
    diagnose_signal(x, 50000.0, f_shaft, BEARINGS["6205"])  # warm-up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        d = diagnose_signal(x, 50000.0, f_shaft, BEARINGS["6205"])
        times.append(time.perf_counter() - t0)
    return {
        "samples": int(x.size),
        "sample_rate": 50000.0,
        "repeats": repeats,
        "median_ms": round(1000.0 * float(np.median(times)), 2),
        "min_ms": round(1000.0 * float(np.min(times)), 2),
        "verdict": d.verdict,
        "label": rec.label,
    }


# ----------------------------------------------------------------------------------------------- markdown


def _pct(v: float | None) -> str:
    return "-" if v is None else f"{v:.1f}"


def _length_text(length: int) -> str:
    return f"{length:,} ({length / RATE:.3g} s)"


def _acc_table(cells_by_length: dict, snrs) -> str:
    rows = []
    for length, cell in cells_by_length.items():
        row = [_length_text(int(length))]
        for snr in snrs:
            m = cell["snr"][_snr_key(snr)]
            row.append(f"{_pct(m['accuracy'])} / {_pct(m['balanced_accuracy'])}")
        rows.append(row)
    return markdown_table(["segment, samples (s)", *(_snr_head(s) for s in snrs)], rows)


def _snr_head(snr: float | None) -> str:
    return "clean" if snr is None else f"{snr:g} dB"


def _recall_table(cells_by_length: dict, snrs) -> str:
    rows = []
    for length, cell in cells_by_length.items():
        for c in CLASSES:
            n = cell["snr"]["clean"]["support"][c]
            rows.append(
                [
                    _length_text(int(length)),
                    c,
                    n,
                    *(_pct(cell["snr"][_snr_key(s)]["recall"][c]) for s in snrs),
                ]
            )
    return markdown_table(
        ["segment", "class", "test segments", *(_snr_head(s) for s in snrs)], rows, "llr" + "r" * len(snrs)
    )


def _confusion_table(cells_by_length: dict, snrs) -> str:
    rows = []
    for length, cell in cells_by_length.items():
        for s in snrs:
            conf = cell["snr"][_snr_key(s)]["confusion"]
            for i, c in enumerate(CLASSES):
                rows.append([_length_text(int(length)), _snr_head(s), c, *conf[i]])
    return markdown_table(["segment", "SNR", "true \\ predicted", *CLASSES], rows, "lll" + "r" * len(CLASSES))


def render(report: dict) -> str:
    snrs = [None if k == "clean" else float(k) for k in report["snrs"]]
    w, cc = report["within"], report["cross_condition"]
    t = report["timing"]
    lines = [
        "# Envelope analysis (training-free) on CWRU location labels",
        "",
        f"- command: `{report['command']}`",
        f"- date: {report['date']}; machine: {report['machine']}",
        f"- data: {report['data']} ({report['recordings']} recordings: {report['recording_note']})",
        "- rule: diagnose_signal, band kurtogram, 3 harmonics, slip 2 %; 'none' = normal; threshold chosen "
        "on clean training segments (max balanced accuracy normal vs fault) per length and fold",
        f"- timing: whole column (both scenarios, {len(report['lengths'])} lengths, {len(snrs)} SNRs) "
        f"{t['column_seconds']:.1f} s ({t['segments_scored']} segment scorings, {t['ms_per_segment']:.2f} ms "
        f"each); loading {t['load_seconds']:.1f} s; one simulated 1-s record at 50 kHz: "
        f"{report['speed_50k']['median_ms']:.1f} ms (median of {report['speed_50k']['repeats']})",
        "",
        "## Thresholds (dB) chosen on the training segments",
        "",
    ]
    head = ["segment", "within", "train bal. acc. / false alarm / detection (within)"]
    head += [f"fold {f['fold']} (test {f['test_condition']})" for f in cc["folds"]]
    rows = []
    for length, cell in w.items():
        th = cell["threshold"]
        row = [
            _length_text(int(length)),
            f"{th['threshold_db']:.2f}",
            f"{th['train_balanced_accuracy']:.1f} / {th['train_false_alarm']:.1f} / "
            f"{th['train_detection']:.1f} ({th['train_normal']} normal, {th['train_fault']} fault)",
        ]
        row += [f"{f['lengths'][length]['threshold']['threshold_db']:.2f}" for f in cc["folds"]]
        rows.append(row)
    lines += [markdown_table(head, rows, "l" + "r" * (len(head) - 1)), ""]
    lines += [
        "## Within recordings (time split 70/15/15, test part): accuracy / balanced accuracy (%)",
        "",
        _acc_table(w, snrs),
        "",
        "## Leave-one-load-out (pooled over the 4 folds): accuracy / balanced accuracy (%)",
        "",
        _acc_table(cc["pooled"], snrs),
        "",
        "Per fold, accuracy / balanced accuracy (%):",
        "",
    ]
    fold_rows = []
    for f in cc["folds"]:
        for length, cell in f["lengths"].items():
            fold_rows.append(
                [f"{f['fold']} ({f['test_condition']})", _length_text(int(length))]
                + [
                    f"{_pct(cell['snr'][_snr_key(s)]['accuracy'])} / "
                    f"{_pct(cell['snr'][_snr_key(s)]['balanced_accuracy'])}"
                    for s in snrs
                ]
            )
    lines += [
        markdown_table(["fold", "segment", *(_snr_head(s) for s in snrs)], fold_rows, "ll" + "r" * len(snrs)),
        "",
        "## Recall per class (%)",
        "",
        "Within:",
        "",
        _recall_table(w, snrs),
        "",
        "Leave-one-load-out (pooled; the normal test part is tested once per fold):",
        "",
        _recall_table(cc["pooled"], snrs),
        "",
        "## Confusion (rows true, columns predicted; 'normal' = verdict none)",
        "",
        "Within:",
        "",
        _confusion_table(w, snrs),
        "",
        "Leave-one-load-out (pooled):",
        "",
        _confusion_table(cc["pooled"], snrs),
        "",
        "## Whole clean records: kurtogram band, 12 dB (deepshrink diagnose --data cwru)",
        "",
        "Smith & Randall grade: best drive-end grade over their three methods (Table B2) as transcribed by "
        "third parties, not checked against the paper (sources in the JSON).",
        "",
    ]
    rec_rows = []
    for r in report["per_record"]:
        sc = r["scores"]
        rec_rows.append(
            [
                r["cwru_id"],
                r["label10"],
                r["load_hp"],
                f"{r['sample_rate'] / 1000:g} kHz",
                r["verdict"],
                "yes" if _right(r) else "no",
                f"{sc['outer']:.1f} / {sc['inner']:.1f} / {sc['ball']:.1f}",
                f"{r['band_hz'][0]:.0f}-{r['band_hz'][1]:.0f}",
                r["smith_randall_de"] or "-",
            ]
        )
    lines.append(
        markdown_table(
            [
                "file",
                "label",
                "load HP",
                "rate",
                "verdict",
                "right",
                "outer / inner / ball dB",
                "band Hz",
                "S&R",
            ],
            rec_rows,
            "llrllllll",
        )
    )
    lines += [
        "",
        "By Smith & Randall grade (drive end, best of their methods; as transcribed):",
        "",
        markdown_table(
            ["grade", "records", "right verdict", "verdict none", "another family"],
            [
                [g["group"], len(g["records"]), g["right"], g["none"], g["wrong_family"]]
                for g in report["per_record_by_grade"]
            ],
        ),
    ]
    return "\n".join(lines)


# ----------------------------------------------------------------------------------------------- the data


def load_location_recordings(root: Path) -> list[Recording]:
    """The 37 files (normal 0 HP + 36 12 kHz drive-end faults) at 12 kHz, labelled by location."""
    recs = load_cwru(root, task="4class", loads=(0, 1, 2, 3), ids=[*NORMAL_IDS, *FAULT_IDS], target_rate=RATE)
    return relabel(recs, "fault")


def cwru_parser(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's parser with its --data, the CWRU folder ($DEEPSHRINK_DATA/cwru by default)."""
    parser = argparse.ArgumentParser(description=doc, formatter_class=argparse.RawDescriptionHelpFormatter)
    default_data = Path(os.environ.get("DEEPSHRINK_DATA", "../shared/data")) / "cwru"
    parser.add_argument("--data", type=Path, default=default_data, help="CWRU folder")
    return parser


def main(argv=None) -> int:
    parser = cwru_parser(__doc__)
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results/envelope_cwru.json"))
    args = parser.parse_args(argv)
    # one thread: the noise of one segment is tiny, and torch's thread pool on a busy 2-core machine costs
    # ten times the draw itself (the envelope code is NumPy/SciPy, single-threaded)
    torch.set_num_threads(1)
    t0 = time.perf_counter()
    try:
        recs = load_location_recordings(args.data)
    except DeepShrinkError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    load_s = time.perf_counter() - t0
    result = run(recs)
    result["timing"]["load_seconds"] = round(load_s, 2)
    rows = per_record(args.data, recs)
    report = {
        "date": date.today().isoformat(),
        "command": command_line("envelope_cwru.py", argv),
        "machine": machine_description(torch.get_num_threads()),
        "data": str(args.data),
        "recordings": len(recs),
        "recording_note": "normal 0 HP (48 kHz, resampled to 12 kHz) + 36 drive-end faults at 0-3 HP",
        "classes": list(CLASSES),
        "lengths": list(LENGTHS),
        "lengths_seconds": [round(n / RATE, 3) for n in LENGTHS],
        "snrs": [_snr_key(s) for s in SNRS],
        "split": list(SPLIT),
        "normal_in_cross_condition": (
            "the only normal recording (0 HP) keeps its within time split in every fold: its training part "
            "joins every fold's threshold selection, its test part every fold's test"
        ),
        **result,
        "per_record": rows,
        "per_record_by_grade": grade_summary(rows),
        "smith_randall_sources": list(SMITH_RANDALL_SOURCES),
        "speed_50k": speed_50k(),
    }
    finish(args.out, report, render(report))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
