"""Experiment tracking (`logger=none|tensorboard|wandb|mlflow`): one tracker per run, opened by
the runner, written to by the training loop (every optimiser step), the stage runner (each
stage's cost) and the method's iteration log (the evaluation metrics). `log` and `log_step` are
no-ops when no tracker is open, so code that logs never asks whether tracking is on. Only rank 0
of a distributed job logs."""

from .current import close, log, log_step, open_tracker

__all__ = ["close", "log", "log_step", "open_tracker"]
