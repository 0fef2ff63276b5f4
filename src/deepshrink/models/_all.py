"""Imports every model module so that their @register_model decorators run."""

from deepshrink.models import (
    autoencoders,  # noqa: F401
    resnet,  # noqa: F401
)
