"""Registered models: DRSN-CS/CW, ResNet and ConvNet classifiers (1-D and 2-D) and autoencoders."""

from deepshrink.models._registry import ModelInfo, create_model, list_models, model_info, register_model
from deepshrink.models.autoencoders import MLPDAE, VAE, ContractiveAE, EncoderClassifier, SparseAE
from deepshrink.models.autoencoders_base import AutoEncoder
from deepshrink.models.autoencoders_conv import UNetDAE
from deepshrink.models.resnet import ResNet, count_parameters

__all__ = [
    "MLPDAE",
    "VAE",
    "AutoEncoder",
    "ContractiveAE",
    "EncoderClassifier",
    "ModelInfo",
    "ResNet",
    "SparseAE",
    "UNetDAE",
    "count_parameters",
    "create_model",
    "list_models",
    "model_info",
    "register_model",
]
