"""Knobs of a direct-alignment training phase, shared by every method that runs one."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import TrainConfig, check
from .losses import LOSS_TYPES, NORMALISE_MODES


@dataclass
class DAAConfig:
    loss: str = "dpo"  # dpo | ipo | hinge | simpo
    beta: float = 0.1
    gamma: float = 0.0  # SimPO target margin; ignored by the other losses
    nll_weight: float = 0.0  # weight of the NLL term on the chosen response (0 = off)
    normalise: str = "sum"  # response log-probs summed or averaged per token (SimPO always averages)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(lr=1e-4, epochs=1, batch_size=16))

    def validate(self, where: str = "method.daa") -> "DAAConfig":
        check(self.loss, self.loss in LOSS_TYPES, f"{where}.loss", f"one of {', '.join(LOSS_TYPES)}")
        check(self.beta, self.beta > 0, f"{where}.beta", "β > 0")
        check(self.nll_weight, self.nll_weight >= 0, f"{where}.nll_weight", "a weight >= 0")
        check(self.normalise, self.normalise in NORMALISE_MODES, f"{where}.normalise", "sum or mean")
        validate_train(self.train, f"{where}.train")
        return self


def validate_train(t, where: str) -> None:
    check(t.lr, t.lr > 0, f"{where}.lr", "a positive learning rate")
    check(t.epochs, t.epochs >= 0, f"{where}.epochs", "a number of epochs >= 0")
    check(t.batch_size, t.batch_size >= 1, f"{where}.batch_size", "a batch size >= 1")
    check(t.grad_accum, t.grad_accum >= 1, f"{where}.grad_accum", "a number of accumulation steps >= 1")
    check(t.warmup_ratio, 0 <= t.warmup_ratio <= 1, f"{where}.warmup_ratio", "a fraction in [0, 1]")
