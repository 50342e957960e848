"""The meta-judge: the policy compares two of its own judgments of a response (both orders) and
names the better one. Generative: it samples a verdict and parses "Winner: Judgement A|B"."""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..sampling.base import SamplingParams
from .judgment_cache import cached_calls, decode_completions, encode_completions, template_identity
from .parsing import parse_meta_verdict
from .protocol import JudgeCalls, report
from .templates import render


@dataclass
class MetaJudgeConfig:
    temperature: float = 0.0  # greedy verdicts, both orders of every judgment pair
    max_new_tokens: int = 24  # room for a short reason and "Winner: Judgement A|B"
    template: str = "meta_judge_v1"  # harness/judges/templates.py


class MetaJudge:
    kind = "meta"  # judges judgments, not responses: scored on judgment pairs

    def __init__(self, sampler, cfg: MetaJudgeConfig):
        self.sampler = sampler
        self.cfg = cfg

    def verdicts(self, requests: list[tuple[str, str, str, str]], *, seed: int = 0, calls: JudgeCalls | None = None,
                 desc: str = "meta-judging") -> list[tuple[int | None, str]]:
        """requests: (instruction, response, judgment_a, judgment_b) → (1 | 2 | None, raw text)."""
        prompts = [render(self.cfg.template, instruction=i, response=r, judgment_a=a, judgment_b=b)
                   for i, r, a, b in requests]
        if not prompts:
            return []
        params = SamplingParams(n=1, temperature=self.cfg.temperature, top_p=1.0,
                                max_new_tokens=self.cfg.max_new_tokens, seed=seed)
        outs, computed = cached_calls(
            self.sampler, {"judge": "meta", **template_identity(self.cfg.template), "params": asdict(params)}, prompts,
            lambda ps: self.sampler.generate(ps, params, desc=desc), encode_completions, decode_completions,
            sampled=params.temperature > 0)
        report(calls, computed)
        return [(parse_meta_verdict(o[0].text), o[0].text) for o in outs]
