"""The `deepshrink` command line."""

from deepshrink.cli.main import main

__all__ = ["main"]
