"""The LLM-as-a-judge pointwise judge with the additive 5-point rubric (or any generated
"Score: k" template, e.g. Self-J's reference-aware 0-9 grade).

K judgments are sampled per response; the score is the mean over the judgments that parse to a
value in [0, max_score]. A response with no valid judgment gets score None (a counted failure).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from ..config import check
from ..records import Judgment
from ..sampling.base import SamplingParams
from .judgment_cache import cached_calls, decode_completions, encode_completions, template_identity
from .parsing import parse_score
from .protocol import JudgeCalls, report
from .templates import SCORE_SCALE, TEMPLATES, check_template, render


@dataclass
class RubricJudgeConfig:
    """A generated-score judge as configured: how many judgments per response and how they are
    sampled. The score range is the template's (SCORE_SCALE): judgments outside it are parse failures."""

    k: int = 3  # judgments sampled per response, averaged over the valid ones (Self-Rewarding paper: 3)
    temperature: float = 0.7  # Self-Rewarding paper: T=0.7, top_p=0.9
    top_p: float = 0.9  # nucleus mass of each judgment
    max_new_tokens: int = 48  # room for the short review and "Score: k"
    template: str = "rubric_additive_v1"  # harness/judges/templates.py

    def params(self, seed: int = 0) -> SamplingParams:
        return SamplingParams(n=self.k, temperature=self.temperature, top_p=self.top_p,
                              max_new_tokens=self.max_new_tokens, seed=seed)

    def validate(self, where: str = "method.judge") -> "RubricJudgeConfig":
        check(self.k, self.k >= 1, f"{where}.k", "at least 1 judgment per response")
        check_template(self.template, f"{where}.template")
        check(self.template, self.template in SCORE_SCALE, f"{where}.template",
              f"a template that ends in a score: one of {', '.join(SCORE_SCALE)}")
        self.params().validate(where)
        return self


def aggregate(prompt_id: str, index: int, raws: list[str], max_score: float = SCORE_SCALE["rubric_additive_v1"]) -> Judgment:
    valid = [s for s in (parse_score(r, high=max_score) for r in raws) if s is not None]
    score = sum(valid) / len(valid) if valid else None
    return Judgment(prompt_id=prompt_id, index=index, score=score, raw=list(raws), valid_scores=valid)


class RubricJudge:
    kind = "pointwise"

    def __init__(self, sampler, cfg: RubricJudgeConfig):
        check_template(cfg.template, "judge.template")
        self.sampler = sampler
        self.cfg = cfg

    @property
    def template_text(self) -> str:
        return TEMPLATES[self.cfg.template]

    def score(self, instructions: list[str], responses: list[str], *, seed: int = 0, calls: JudgeCalls | None = None,
              ids: list[tuple[str, int]] | None = None, desc: str = "judging",
              references: list[str] | None = None) -> list[Judgment]:
        """references: gold answers, for templates that show one (reference_rating_v1)."""
        refs = references if references is not None else [None] * len(responses)
        prompts = [render(self.cfg.template, instruction=i, response=r, reference=g)
                   for i, r, g in zip(instructions, responses, refs)]
        params = self.cfg.params(seed=seed)
        outs, computed = cached_calls(
            self.sampler, {"judge": "rubric", **template_identity(self.cfg.template), "params": asdict(params)}, prompts,
            lambda ps: self.sampler.generate(ps, params, desc=desc), encode_completions, decode_completions,
            sampled=params.temperature > 0)
        ids = ids or [(str(i), 0) for i in range(len(prompts))]
        judgments = [aggregate(pid, idx, [c.text for c in comps], SCORE_SCALE[self.cfg.template]) for (pid, idx), comps in zip(ids, outs)]
        report(calls, computed * self.cfg.k)
        return judgments
