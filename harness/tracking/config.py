"""The `logger` config group's schema (conf/logger/<name>.yaml picks a backend): which tracker,
and where it writes. Tracking never changes a result, so `logger` is not part of a run's identity
(harness/store.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

BACKENDS = ("none", "tensorboard", "wandb", "mlflow")


@dataclass
class LoggerConfig:
    # none (the default: nothing is logged anywhere) | tensorboard (event files) | wandb | mlflow
    backend: str = "none"
    project: str = "selfalign"  # wandb project / mlflow experiment name
    # where the tracker writes; None = <run dir>/tracking. mlflow also takes a tracking URI (http://...)
    dir: Optional[str] = None
    # wandb only: online (sends to the W&B server you are logged in to) | offline (files only; `wandb sync` later)
    wandb_mode: str = "online"
