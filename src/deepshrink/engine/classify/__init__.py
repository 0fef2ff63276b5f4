"""Classifiers: training, evaluation, prediction, inference, ONNX export, windows from a config."""
