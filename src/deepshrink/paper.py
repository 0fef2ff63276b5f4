"""Numbers printed in the DRSN paper (Zhao et al., IEEE TII 16(7), 2020), to show beside ours.

A low-level module with no imports, so that plots and reports may both use it.
"""

from __future__ import annotations

# Test accuracy (%) read off the paper's Figs. 6-8 (+-0.5 points), Zhao et al. 2020, on its drivetrain data.
PAPER_ACCURACY: dict[str, dict[str, list[float]]] = {
    "gaussian": {
        "convnet": [42.3, 54.6, 64.5, 72.0, 79.1, 82.7, 85.6, 88.1, 89.8, 91.3, 94.2],
        "resnet": [61.0, 69.0, 74.4, 80.1, 84.8, 88.8, 91.8, 94.2, 96.2, 97.5, 97.5],
        "drsn_cs": [64.3, 71.9, 79.0, 83.3, 88.2, 91.5, 93.9, 95.8, 96.9, 97.6, 98.2],
        "drsn_cw": [65.9, 74.1, 80.2, 85.5, 89.3, 91.9, 94.1, 96.5, 97.3, 97.8, 98.2],
    },
    "laplacian": {
        "convnet": [64.0, 69.0, 72.0, 72.5, 79.3, 81.1, 83.6, 85.0, 85.8, 88.4, 90.4],
        "resnet": [70.2, 75.3, 78.7, 82.5, 85.6, 89.0, 90.7, 92.2, 93.2, 94.9, 95.5],
        "drsn_cs": [74.7, 78.5, 81.4, 85.5, 87.6, 91.2, 93.2, 94.1, 95.3, 95.9, 96.9],
        "drsn_cw": [75.7, 80.2, 84.4, 87.0, 88.5, 91.9, 93.9, 94.9, 95.6, 95.8, 97.3],
    },
    "pink": {
        "convnet": [35.1, 57.1, 54.6, 70.7, 77.6, 83.9, 88.7, 90.2, 94.4, 94.1, 95.6],
        "resnet": [60.5, 70.4, 77.3, 83.5, 89.3, 92.5, 94.7, 96.7, 96.5, 97.5, 97.9],
        "drsn_cs": [60.0, 74.5, 81.6, 87.3, 91.9, 94.5, 95.8, 96.9, 97.8, 98.4, 98.4],
        "drsn_cw": [65.7, 76.1, 83.1, 88.8, 92.9, 95.2, 96.1, 97.3, 97.8, 98.6, 98.7],
    },
}
PAPER_SNRS = list(range(-5, 6))
# Table III (mean over noise kinds and SNRs, test) and Table IV (no added noise, test), %.
PAPER_TABLE3 = {"convnet": 77.62, "resnet": 86.25, "drsn_cs": 88.55, "drsn_cw": 89.57}
PAPER_TABLE4 = {"convnet": 96.67, "resnet": 99.54, "drsn_cs": 99.65, "drsn_cw": 99.70}

# {noise: {model: {snr: accuracy}}}
PAPER_ACCURACY_VS_SNR: dict[str, dict[str, dict[int, float]]] = {
    noise: {model: dict(zip(PAPER_SNRS, accs, strict=True)) for model, accs in models.items()}
    for noise, models in PAPER_ACCURACY.items()
}
