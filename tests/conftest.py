import os
from pathlib import Path

import pytest
import torch

# one thread: the tests train tiny models, and two torch processes with 2 threads each on a 2-core machine
# slow each other down ~16x (a benchmark running beside the tests, or two test runs)
torch.set_num_threads(1)


@pytest.fixture(autouse=True)
def _one_thread():
    # and again around every test: a command under test sets its own threads (configure_threads), which
    # must not leak into the tests after it
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(1)


REPO = Path(__file__).resolve().parents[1]


def data_root() -> Path:
    """The real data folder: $DEEPSHRINK_DATA, default ../shared/data beside the repository."""
    return Path(os.environ.get("DEEPSHRINK_DATA", REPO.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def cwru_root() -> Path:
    root = data_root() / "cwru"
    if not (root / "MANIFEST.csv").is_file():
        pytest.skip(f"real CWRU data not found at {root} (set DEEPSHRINK_DATA to the folder holding cwru/)")
    return root


@pytest.fixture(scope="session")
def mnist_root() -> Path:
    root = data_root() / "mnist"
    if not (root / "t10k-images-idx3-ubyte.gz").is_file():
        pytest.skip(f"real MNIST data not found at {root} (set DEEPSHRINK_DATA to the folder holding mnist/)")
    return root
