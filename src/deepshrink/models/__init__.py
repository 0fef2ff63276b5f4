"""Registered models: DRSN-CS/CW, ResNet and ConvNet classifiers (1-D and 2-D) and autoencoders.

One model family per module; importing this package imports every family, whose presets register
themselves (`create_model`, `list_models`, `model_info`).
"""

from deepshrink.models import mlp_dae, resnet, unet, vae
from deepshrink.models._registry import ModelInfo, create_model, list_models, model_info, register_model
from deepshrink.models.autoencoder import AutoEncoder
from deepshrink.models.classifiers import EncoderClassifier
from deepshrink.models.mlp_dae import MLPDAE, ContractiveAE, LayerDAE, SparseAE
from deepshrink.models.resnet import ResNet, count_parameters
from deepshrink.models.unet import UNetCode, UNetDAE
from deepshrink.models.vae import VAE

__all__ = [
    "MLPDAE",
    "VAE",
    "AutoEncoder",
    "ContractiveAE",
    "EncoderClassifier",
    "LayerDAE",
    "ModelInfo",
    "ResNet",
    "SparseAE",
    "UNetCode",
    "UNetDAE",
    "count_parameters",
    "create_model",
    "list_models",
    "mlp_dae",
    "model_info",
    "register_model",
    "resnet",
    "unet",
    "vae",
]
