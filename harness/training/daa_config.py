"""Knobs of a direct-alignment training phase, shared by every method that runs one."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..config import TrainConfig, check
from .logps import NORMALISE_MODES
from .losses import LOSS_TYPES
from .optimiser import check_optimiser


@dataclass
class DAAConfig:
    """The shared DAA block: every method's `daa` (and the implicit judge's β) starts from these.
    The papers' plain DPO at β = 0.1 is also the shared tiny-scale recipe that both controls chose
    for the online loop (results/controls.md)."""

    loss: str = "dpo"  # dpo | ipo | hinge | simpo (SimPO is reference-free: its reward is β · mean log π)
    beta: float = 0.1  # β of the loss and of the implicit reward (Self-Rewarding, Meta-Rewarding, Self-Judge: 0.1)
    gamma: float = 0.0  # SimPO target margin; ignored by the other losses
    # NLL on the chosen response (0 = off, the papers' plain DPO; with 1.0 a random judge gains as much
    # as the oracle in the online loop: results/controls.md)
    nll_weight: float = 0.0
    normalise: str = "sum"  # response log-probs summed or averaged per token (SimPO always averages)
    train: TrainConfig = field(default_factory=TrainConfig)  # tiny model, full fine-tune (70B papers: lr ~1e-6)

    def validate(self, where: str = "method.daa") -> "DAAConfig":
        key = f"{where}.".lstrip(".")
        check(self.loss, self.loss in LOSS_TYPES, f"{key}loss", f"one of {', '.join(LOSS_TYPES)}")
        check(self.beta, self.beta > 0, f"{key}beta", "β > 0")
        check(self.nll_weight, self.nll_weight >= 0, f"{key}nll_weight", "a weight >= 0")
        check(self.normalise, self.normalise in NORMALISE_MODES, f"{key}normalise", "sum or mean")
        validate_train(self.train, f"{key}train")
        return self


def validate_train(t, where: str) -> None:
    check(t.lr, t.lr > 0, f"{where}.lr", "a positive learning rate")
    check(t.epochs, t.epochs >= 0, f"{where}.epochs", "a number of epochs >= 0")
    check(t.batch_size, t.batch_size >= 1, f"{where}.batch_size", "a batch size >= 1")
    check(t.grad_accum, t.grad_accum >= 1, f"{where}.grad_accum", "a number of accumulation steps >= 1")
    check(t.warmup_ratio, 0 <= t.warmup_ratio <= 1, f"{where}.warmup_ratio", "a fraction in [0, 1]")
    check_optimiser(t.optimizer, f"{where}.optimizer")
