"""The loss of one batch as data rather than a closure, so that it can be sent to other ranks."""

from __future__ import annotations

from abc import ABC, abstractmethod

import torch


class ShardableLoss(ABC):
    """A batch loss each rank can compute on its own share of a global batch.

    `__call__(model, idx, device)` returns (loss, stats): the loss averaged over its items with
    `weight(idx)` as the denominator (pairs for a DAA loss, target tokens for SFT), and stats that
    are such averages too. Given the weights, the loop turns each rank's average into its exact
    share of the global batch's average, so N ranks reproduce one process with the same global
    batch. Subclasses hold only picklable data (token ids, reference log-probs, knobs).
    """

    @abstractmethod
    def __call__(self, model, idx: list[int], device) -> tuple[torch.Tensor, dict]:
        """(loss averaged over the items' weight, stats) for the items `idx`."""

    @abstractmethod
    def weight(self, idx: list[int]) -> float:
        """The loss's denominator over `idx`: pairs, or learned tokens."""
