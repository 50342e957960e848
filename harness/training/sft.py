"""Supervised fine-tuning with the prompt tokens masked out of the loss."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from ..records import SFTExample
from .batch_loss import ShardableLoss
from .batching import pad_batch
from .loop import optimise


@dataclass
class SFTLoss(ShardableLoss):
    """Token-level cross-entropy over the labelled tokens of `encoded[idx]` (ids, labels)."""

    encoded: list[tuple[list[int], list[int]]]
    pad_id: int

    def __call__(self, model, idx, device):
        ids, labels, att = pad_batch([self.encoded[i][0] for i in idx], [self.encoded[i][1] for i in idx],
                                     self.pad_id, device)
        logits = model(input_ids=ids, attention_mask=att).logits[:, :-1].float()
        target = labels[:, 1:]
        loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.size(-1)), target.reshape(-1),
                                                 ignore_index=-100)
        return loss, {}

    def weight(self, idx):
        """Learned tokens (the first label is never predicted: it has no previous token)."""
        return sum(sum(1 for t in self.encoded[i][1][1:] if t != -100) for i in idx)


def train_sft(policy, examples: list[SFTExample], cfg, max_length: int, seed: int,
              desc: str = "sft", progress: bool = True, mask_prompt: bool = True) -> dict:
    """mask_prompt=False learns every token (language-model pre-training of the tiny base)."""
    encoded = [policy.encode_example(e.prompt, e.response, max_length) for e in examples]
    if not mask_prompt:
        encoded = [(ids, list(ids)) for ids, _ in encoded]
    model = policy.begin_training(keep_reference=False)  # SFT has no reference
    try:
        stats = optimise(model, len(encoded), SFTLoss(encoded, policy.tokenizer.pad_token_id), cfg, seed, desc, progress)
    finally:
        policy.end_training()
    stats["examples"] = len(encoded)
    stats["train_tokens"] = sum(len(e[0]) for e in encoded) * cfg.epochs
    return stats
