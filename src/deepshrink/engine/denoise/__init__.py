"""Denoising autoencoders: training, applying a trained one, greedy pre-training."""
