"""Evaluation v0: win rate vs reference outputs, and judge accuracy on labelled pairs."""
