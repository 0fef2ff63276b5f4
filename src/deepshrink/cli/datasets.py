"""`deepshrink datasets`: data sets and where they are looked for; a preview of a data spec and its split."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from deepshrink.cli._common import (
    DATA_ARG,
    key_values,
    parse_config_argv,
    print_table,
)
from deepshrink.engine.core.config import TrainConfig
from deepshrink.engine.core.options import replace

HELP = "show the data sets and where they are looked for; preview a data spec and its split"
DESCRIPTION = """Without DATA: the data sets `--data` can use and where each is looked for (an explicit path,
else $DEEPSHRINK_DATA/<name>, else the download cache $DEEPSHRINK_CACHE/<name>, default
~/.cache/deepshrink/<name>).

With DATA: what training on it would see, before anything trains: recordings, classes, operating
conditions, groups, sample rates, and the windows per class in each split of the scenario (the options of
`deepshrink train`: --scenario, --fold, --test-conditions, --window, --stride, ...).

examples:
  deepshrink datasets
  deepshrink datasets cwru:../shared/data/cwru --data-arg loads=[0,1,2,3] --scenario cross-condition
  deepshrink datasets uestc --scenario cross-condition --fold 2
"""

EXTRA = (DATA_ARG,)


def _status(entry) -> tuple[str, str]:
    from deepshrink.data.sets.locate import candidate_roots

    tried = candidate_roots(entry.name)
    for folder in tried:
        n = sum(1 for _ in folder.glob(entry.marker)) if folder.is_dir() else 0
        if n:
            return f"found ({n} files)", str(folder)
    return "not found", "looked in " + " and ".join(map(str, tried))


def _overview() -> int:
    from deepshrink.data.sets.registry import DATASETS

    rows = []
    for entry in DATASETS.values():  # every named data set, from the one registry
        status, where = ("built in", entry.description) if entry.builtin else _status(entry)
        rows.append((entry.name, entry.usage(), status, where))
    rows.append(
        (
            "your recordings",
            "--data manifest.csv | FOLDER",
            "-",
            "path,label[,...] CSV or one folder per label",
        )
    )
    print_table(None, ["data set", "use", "status", "where"], rows)
    return 0


def _describe(spec: str, recordings: list) -> dict:
    from deepshrink.engine.classify.windowing import describe_recordings

    info = describe_recordings(recordings)
    print(f"{spec}: {info['recordings']} recordings, {info['seconds']:g} s in all")
    print(f"  classes: {', '.join(info['classes'])}")
    print(f"  conditions: {', '.join(info['conditions']) or '(one)'}")
    groups = info["groups"]
    print(
        f"  groups (physical units): {len(groups)}"
        + (f" ({', '.join(groups[:12])}{', ...' if len(groups) > 12 else ''})" if groups else "")
    )
    native = ", ".join(f"{r:g}" for r in info["native_rates"])
    print(
        f"  sample rate: {', '.join(f'{r:g}' for r in info['rates'])} Hz (native: {native} Hz); "
        f"channels {info['channels']}"
    )
    return info


def _split_table(title: str, ds) -> None:
    counts = ds.counts()
    rows = [(c, counts["train"][c], counts["val"][c], counts["test"][c]) for c in ds.classes]
    rows.append(("total", len(ds.train), len(ds.val), len(ds.test)))
    print(f"\n{title}")  # a long title above the table, not folded into its narrow width
    print_table(None, ["class", "train", "val", "test"], rows)
    empty = [(s, c) for s in ("train", "val", "test") for c in ds.classes if counts[s][c] == 0]
    if empty:
        print("  not trainable as is: " + ", ".join(f"no {c} windows in {s}" for s, c in empty))


def _preview(cfg: TrainConfig) -> None:
    # imported here: `--help` and usage errors answer before the data and engine modules load
    from deepshrink.data.split.image_splits import image_spec
    from deepshrink.engine.classify.windowing import build_dataset, folds_of, load_split_recordings

    if image_spec(cfg.data) is not None:  # images: no recordings, one split of whole images
        ds = build_dataset(cfg, check=False)
        shape = "x".join(str(n) for n in ds.train.x.shape[1:])
        _split_table(f"{cfg.data}: {shape} images per class and split", ds)
        return
    train, test = load_split_recordings(cfg)
    # cross-dataset: the training and the test data set are described apart, so neither hides the other
    sources = {"": train} if test is None else {"train": train, "test": test}
    info = None
    for role, recordings in sources.items():
        spec = cfg.test_data if role == "test" else cfg.data
        described = _describe(f"{role} data {spec}" if role else spec, recordings)
        info = info or described  # the window length below is in the training data's rate
    per = Counter((role, r.label, r.condition or "-") for role, recs in sources.items() for r in recs)
    order = list(sources)
    print("\nrecordings per class and condition")
    print_table(
        None,
        (["data"] if test is not None else []) + ["class", "condition", "recordings"],
        [
            ((role,) if test is not None else ()) + (c, k, n)
            for (role, c, k), n in sorted(per.items(), key=lambda kv: (order.index(kv[0][0]), kv[0][1:]))
        ],
    )
    folds = [cfg.fold] if cfg.fold is not None or cfg.test_conditions or cfg.test_groups else folds_of(cfg)
    for fold in folds:
        ds = build_dataset(replace(cfg, fold=fold), check=False)
        title = f"windows per class and split: scenario {cfg.scenario}" + (
            "" if fold is None else f", fold {fold}"
        )
        split = {k: v for k, v in ds.split_info.items() if k not in ("scenario", "fold") and v}
        if split:
            title += " (" + "; ".join(f"{k} {v}" for k, v in split.items()) + ")"
        _split_table(title, ds)
    ms = 1000 * cfg.window / info["rates"][0]
    print(f"window {cfg.window} samples ({ms:.1f} ms), stride {cfg.stride}, eval stride {cfg.eval_stride}")


def main(argv: list[str], prog: str) -> int:
    """The overview, or the preview of a data spec (given first, or as --data)."""
    if not argv:
        return _overview()
    if argv[0].startswith("-"):  # --help, or --data SPEC with options
        return _preview_from(argv, prog)
    return _preview_from(["--data", argv[0], *argv[1:]], prog)


def _preview_from(argv: list[str], prog: str) -> int:
    cfg, flags = parse_config_argv(TrainConfig, argv, prog=prog, description=DESCRIPTION, extra=EXTRA)
    if flags.data_arg:
        cfg.data_kwargs = {**cfg.data_kwargs, **key_values(flags.data_arg, "--data-arg")}
    if Path(cfg.data).suffix.lower() in (".npy",):
        print(f"{cfg.data}: an array of examples for `deepshrink dae train`, not recordings")
        return 0
    _preview(cfg)
    return 0
