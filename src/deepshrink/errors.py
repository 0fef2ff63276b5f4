"""Exceptions raised for user mistakes.

Every error a user can cause (a bad path, a corrupt file, a wrong shape, a bad option) is one of these, so the
command line can print a single line and exit with code 2 instead of showing a traceback.

An error about an option carries the config `key` it concerns ("batch_size", "data_kwargs", ...): the
library names keys, and the command line maps a key to its flag (`--batch-size`) when it prints the error.
"""

from __future__ import annotations


class DeepShrinkError(ValueError):
    """Base class of the errors a user can fix by changing an input or an option."""

    def __init__(self, message: str, *, key: str | None = None) -> None:
        super().__init__(message)
        self.key = key


class DataError(DeepShrinkError):
    """A data file or folder cannot be used: missing, corrupt, too short, NaN/inf, unknown label, ..."""


class ConfigError(DeepShrinkError):
    """An option or a configuration value is invalid (unknown model, bad SNR range, wrong shape, ...)."""


class NonFiniteError(DataError):
    """The data hold NaN or inf values. A monitor reports such a snapshot as such instead of stopping."""


class DataWarning(UserWarning):
    """Data that reads, but maybe not as meant: a clock column taken as vibration, entries named like
    snapshots that are not files. A warning, not an error: the user may know better."""
