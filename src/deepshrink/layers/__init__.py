"""Building blocks: the DRSN shrinkage module and residual (shrinkage) units for 1-D and 2-D inputs."""

from deepshrink.layers.blocks import ResidualUnit, bn_relu, conv_any
from deepshrink.layers.shrinkage import Shrinkage, collect_thresholds, has_shrinkage

__all__ = ["ResidualUnit", "Shrinkage", "bn_relu", "collect_thresholds", "conv_any", "has_shrinkage"]
