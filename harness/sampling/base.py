"""The Sampler contract every backend implements.

Prompts are user-turn texts; the backend applies the model's chat template. Swapping the backend
changes no method code. New weights reach a backend only through `sync_weights(policy)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from ..config import check


@dataclass
class SamplingParams:
    n: int = 1
    temperature: float = 0.7
    top_p: float = 1.0
    max_new_tokens: int = 64
    seed: int = 0

    def validate(self, where: str = "sampling") -> "SamplingParams":
        check(self.n, self.n >= 1, f"{where}.n", "a number of samples >= 1")
        check(self.temperature, self.temperature >= 0, f"{where}.temperature", "a temperature >= 0 (0 = greedy)")
        check(self.top_p, 0 < self.top_p <= 1, f"{where}.top_p", "a nucleus mass in (0, 1]")
        check(self.max_new_tokens, self.max_new_tokens >= 1, f"{where}.max_new_tokens", "a positive number of tokens")
        return self


@dataclass
class SamplingKnobs:
    """How a method samples, as configured: the decoding knobs of SamplingParams without n and the
    seed, which the method and the run supply. Each method's dataclass states its paper's values."""

    temperature: float  # 0 = greedy
    top_p: float  # nucleus mass
    max_new_tokens: int  # longest response

    def params(self, n: int = 1, seed: int = 0) -> SamplingParams:
        return SamplingParams(n=n, temperature=self.temperature, top_p=self.top_p,
                              max_new_tokens=self.max_new_tokens, seed=seed)

    def validate(self, where: str = "sampling") -> "SamplingKnobs":
        self.params().validate(where)
        return self


@dataclass
class Completion:
    text: str
    n_tokens: int
    finish_reason: str  # "stop" | "length"


class Sampler(Protocol):
    tokens_generated: int
    calls: int

    def generate(self, prompts: list[str], params: SamplingParams) -> list[list[Completion]]:
        """params.n completions per prompt, in prompt order."""

    def next_token_logprobs(self, prompts: list[str], token_ids: list[int], prefix: str = "") -> "list[list[float]]":
        """Log-probabilities of the given token ids as the first answer token (after `prefix` in
        the assistant turn), one row per prompt."""

    def logprobs(self, prompts: list[str], continuations: list[str]) -> list[float]:
        """Summed log-probability of each continuation as the assistant's answer to its prompt."""

    def sync_weights(self, policy) -> None:
        """Make the backend serve the policy's current weights."""
