"""Readers of users' files: .mat, .wav, .npy/.csv, manifests, snapshot folders, recorded noise."""
