"""Figures of a run (matplotlib), read by the reports; the model and services never import them."""
