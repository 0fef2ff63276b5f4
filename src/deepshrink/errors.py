"""Exceptions raised for user mistakes.

Every error a user can cause (a bad path, a corrupt file, a wrong shape, a bad option) is one of these, so the
command line can print a single line and exit with code 2 instead of showing a traceback.
"""


class DeepShrinkError(ValueError):
    """Base class of the errors a user can fix by changing an input or an option."""


class DataError(DeepShrinkError):
    """A data file or folder cannot be used: missing, corrupt, too short, NaN/inf, unknown label, ..."""


class ConfigError(DeepShrinkError):
    """An option or a configuration value is invalid (unknown model, bad SNR range, wrong shape, ...)."""
