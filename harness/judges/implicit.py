"""The DPO implicit reward as a judge: r(x, y) = β · (log π(y|x) − log π_ref(y|x)), response
log-probs summed (or averaged per token) over the response. SeRA reviews its offline pairs and
bootstraps new ones with it. With no reference (SimPO) the reward is β · the per-token mean
log-prob. Scores are a pure read of two networks: nothing is sampled, nothing can fail to parse.
"""

from __future__ import annotations

import torch

from ..records import Judgment, PreferencePair
from ..training.daa import _pair_sequences, sequences_logps
from .protocol import JudgeCalls, report


class ImplicitRewardJudge:
    kind = "pointwise"

    def __init__(self, policy, reference, *, beta: float, normalise: str, max_length: int, batch_size: int = 32):
        """policy, reference: Policy objects (the reference frozen, e.g. the seed model; None =
        reference-free). beta and normalise are the DAA block's (method.daa), never a default here."""
        self.policy = policy
        self.reference = reference
        self.beta = beta
        self.normalise = "mean" if reference is None else normalise
        self.max_length = max_length
        self.batch_size = batch_size

    def _logps(self, who, seqs) -> torch.Tensor:
        return sequences_logps(who.model, who, seqs, self.normalise, self.batch_size)

    def rewards_of_sequences(self, seqs, calls: JudgeCalls | None = None) -> torch.Tensor:
        report(calls, len(seqs))
        policy = self._logps(self.policy, seqs)
        if self.reference is None:
            return self.beta * policy
        return self.beta * (policy - self._logps(self.reference, seqs))

    def rewards(self, instructions: list[str], responses: list[str], calls: JudgeCalls | None = None) -> list[float]:
        seqs = [self.policy.encode_example(i, r, self.max_length) for i, r in zip(instructions, responses)]
        return self.rewards_of_sequences(seqs, calls).tolist()

    def margins(self, pairs: list[PreferencePair], calls: JudgeCalls | None = None) -> list[float]:
        """r(x, chosen) − r(x, rejected) per pair."""
        r = self.rewards_of_sequences(_pair_sequences(self.policy, pairs, self.max_length), calls)
        return (r[0::2] - r[1::2]).tolist()

    def score(self, instructions: list[str], responses: list[str], *, seed: int = 0, calls: JudgeCalls | None = None,
              ids=None, desc: str = "", references=None) -> list[Judgment]:
        ids = ids or [(str(i), 0) for i in range(len(responses))]
        return [Judgment(prompt_id=pid, index=idx, score=r, raw=[f"implicit reward {r:.6g}"], valid_scores=[r])
                for (pid, idx), r in zip(ids, self.rewards(instructions, responses, calls))]
