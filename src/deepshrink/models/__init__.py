"""Registered models: DRSN-CS/CW, ResNet and ConvNet classifiers (1-D and 2-D) and autoencoders."""

from deepshrink.models._registry import ModelInfo, create_model, list_models, model_info, register_model
from deepshrink.models.resnet import ResNet, count_parameters

__all__ = [
    "ModelInfo",
    "ResNet",
    "count_parameters",
    "create_model",
    "list_models",
    "model_info",
    "register_model",
]
