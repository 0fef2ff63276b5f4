"""Envelope diagnosis of bearing recordings (`deepshrink diagnose`): files in, a verdict per file out.

`envelope.diagnose_files` reads each file, finds its sample rate, shaft speed and bearing geometry (from the
options, or from a named data set's registry entry and the file itself) and runs
`deepshrink.functional.envelope.diagnose_signal`; no model, no training.
"""

from __future__ import annotations

from deepshrink.engine.diagnose.envelope import DiagnoseSettings, diagnose_file, diagnose_files, settings_from

__all__ = ["DiagnoseSettings", "diagnose_file", "diagnose_files", "settings_from"]
