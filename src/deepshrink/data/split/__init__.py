"""Leak-free splitting: recordings to windows by time, the scenarios, image splits, autoencoder examples."""
