"""The unit every loader returns: one recording with its label and where it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Recording:
    """One continuous recording.

    signal: float32 array of shape (channels, samples).
    sample_rate: samples per second of `signal` (after any resampling).
    label: class name (for example "normal", "IR007").
    name: unique name of the recording (file stem, CWRU id, simulator index).
    group: recordings sharing a group always land in the same split (defaults to `name`).
    meta: anything else known (path, load_hp, rpm, cwru_id, severity, ...).
    """

    signal: np.ndarray
    sample_rate: float
    label: str
    name: str
    group: str | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.signal.ndim == 1:
            self.signal = self.signal[None, :]
        if self.signal.ndim != 2:
            raise ValueError(
                f"recording {self.name!r}: signal must be (channels, samples), got {self.signal.shape}"
            )
        if self.group is None:
            self.group = self.name

    @property
    def channels(self) -> int:
        return int(self.signal.shape[0])

    @property
    def n_samples(self) -> int:
        return int(self.signal.shape[1])

    @property
    def duration_s(self) -> float:
        return self.n_samples / float(self.sample_rate)
