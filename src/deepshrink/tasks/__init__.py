"""Tasks: what is learned and how it is scored, each a LightningModule with its LightningDataModule.

- `ClassificationTask` + `SignalDataModule`: classifiers on noisy windows (DRSN, ResNet, ConvNet, and any
  classifier module such as an `EncoderClassifier` for fine-tuning).
- `DenoisingTask` + `ExampleDataModule`: autoencoders that reconstruct clean examples from corrupted ones.

Both are trained by `deepshrink.engine.core.fit`, the one place that runs a Lightning `Trainer`.
"""

from deepshrink.tasks.batches import TensorBatches
from deepshrink.tasks.classification import ClassificationTask, SignalDataModule, build_classifier
from deepshrink.tasks.denoising import DenoisingTask, ExampleDataModule, check_examples

__all__ = [
    "ClassificationTask",
    "DenoisingTask",
    "ExampleDataModule",
    "SignalDataModule",
    "TensorBatches",
    "build_classifier",
    "check_examples",
]
