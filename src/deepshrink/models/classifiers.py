"""Classifiers built on an autoencoder's encoder (fine-tuning a pre-trained DAE).

The convolutional classifiers (ResNet, DRSN-CS/CW, ConvNet) are one family in `resnet`.
"""

from __future__ import annotations

from torch import Tensor, nn

from deepshrink.errors import ConfigError
from deepshrink.models.autoencoder import AutoEncoder

__all__ = ["EncoderClassifier"]


class EncoderClassifier(nn.Module):
    """A classifier on top of an autoencoder's encoder: logits = head(dropout(features(x))).

    Used to fine-tune a pre-trained (stacked) DAE end to end. `freeze=True` trains the head only.
    """

    def __init__(
        self, autoencoder: AutoEncoder, num_classes: int, *, freeze: bool = False, dropout: float = 0.0
    ):
        super().__init__()
        if num_classes < 2:
            raise ConfigError(f"num_classes must be >= 2, got {num_classes}")
        self.autoencoder = autoencoder
        self.num_classes = int(num_classes)
        dim = autoencoder.feature_dim
        self.dropout = nn.Dropout(dropout)
        self.head = nn.Linear(dim, num_classes)
        for p in autoencoder.parameters():
            p.requires_grad_(not freeze)

    def forward(self, x: Tensor) -> Tensor:
        """Class logits (B, num_classes)."""
        return self.head(self.dropout(self.autoencoder.code_features(x)))
