"""Data: reading files, public data sets, users' recordings, leak-free windowing and image sets.

The flow is spec -> `load_recordings` -> `Recording` -> `make_windows` (split first, then window) ->
`WindowSplits`. Where a named data set is looked for: `deepshrink.data.sets.locate`.
"""

from deepshrink.data.readers.io import md5sum, read_idx, read_signal_file, resample_signal
from deepshrink.data.readers.manifest import harmonize_rates, load_folder, load_manifest
from deepshrink.data.readers.sequence import load_sequence
from deepshrink.data.recording import FAULT_TYPES, Recording, Snapshot, SnapshotSequence
from deepshrink.data.sets.cwru import cwru_file_info, cwru_tasks, fetch_cwru, load_cwru
from deepshrink.data.sets.femto import femto_bearings, load_femto
from deepshrink.data.sets.images import fetch_mnist, load_digits_images, load_mnist
from deepshrink.data.sets.locate import dataset_root, default_cache_dir
from deepshrink.data.sets.mfpt import fetch_mfpt, load_mfpt
from deepshrink.data.sets.pu import fetch_pu, load_pu
from deepshrink.data.sets.registry import DATASETS, dataset
from deepshrink.data.sets.specs import load_recordings, parse_spec
from deepshrink.data.sets.uestc import fetch_uestc, load_uestc
from deepshrink.data.simulate.degradation import make_run_to_failure
from deepshrink.data.split.windows import WindowSet, WindowSplits, make_windows

__all__ = [
    "DATASETS",
    "FAULT_TYPES",
    "Recording",
    "Snapshot",
    "SnapshotSequence",
    "WindowSet",
    "WindowSplits",
    "cwru_file_info",
    "cwru_tasks",
    "dataset",
    "dataset_root",
    "default_cache_dir",
    "femto_bearings",
    "fetch_cwru",
    "fetch_mfpt",
    "fetch_mnist",
    "fetch_pu",
    "fetch_uestc",
    "harmonize_rates",
    "load_cwru",
    "load_digits_images",
    "load_femto",
    "load_folder",
    "load_manifest",
    "load_mfpt",
    "load_mnist",
    "load_pu",
    "load_recordings",
    "load_sequence",
    "load_uestc",
    "make_run_to_failure",
    "make_windows",
    "md5sum",
    "parse_spec",
    "read_idx",
    "read_signal_file",
    "resample_signal",
]
