"""Condition monitoring: the healthy reference, the run over a machine's life, streaming."""
