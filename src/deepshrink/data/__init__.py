"""Data: reading files, CWRU, users' recordings, leak-free windowing, normalisation and image sets.

The flow is file -> `Recording` -> `make_windows` (split first, then window) -> `SignalDataset`.
"""

from deepshrink.data.cwru import cwru_file_info, cwru_tasks, default_cache_dir, fetch_cwru, load_cwru
from deepshrink.data.images import fetch_mnist, load_digits_images, load_mnist
from deepshrink.data.io import md5sum, read_idx, read_signal_file, resample_signal
from deepshrink.data.manifest import harmonize_rates, load_folder, load_manifest, load_recordings
from deepshrink.data.normalize import NORMALIZE_MODES, normalize
from deepshrink.data.recording import Recording
from deepshrink.data.windows import SignalDataset, WindowSet, make_windows

__all__ = [
    "NORMALIZE_MODES",
    "Recording",
    "SignalDataset",
    "WindowSet",
    "cwru_file_info",
    "cwru_tasks",
    "default_cache_dir",
    "fetch_cwru",
    "fetch_mnist",
    "harmonize_rates",
    "load_cwru",
    "load_digits_images",
    "load_folder",
    "load_manifest",
    "load_mnist",
    "load_recordings",
    "make_windows",
    "md5sum",
    "normalize",
    "read_idx",
    "read_signal_file",
    "resample_signal",
]
