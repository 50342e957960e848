"""The world's oracle as a pointwise judge: score = 5 × oracle quality, on the rubric's 0–5
scale. It is a fixed, external judge (the online-DPO baseline's separate reward model). It can
only grade prompts of the embedded world that it was given; any other prompt is a counted failure."""

from __future__ import annotations

from ..records import Judgment, PromptRecord


class OracleJudge:
    kind = "pointwise"

    def __init__(self, prompts: list[PromptRecord]):
        self.by_instruction = {p.instruction: p for p in prompts if p.meta.get("family")}
        self.judge_calls = 0
        self.seed = 0

    def score(self, instructions: list[str], responses: list[str], ids=None, desc: str = "") -> list[Judgment]:
        from ..world import oracle_quality

        ids = ids or [(str(i), 0) for i in range(len(responses))]
        out = []
        for (pid, idx), instruction, response in zip(ids, instructions, responses):
            prompt = self.by_instruction.get(instruction)
            score = None if prompt is None else 5.0 * oracle_quality(prompt, response)
            out.append(Judgment(prompt_id=pid, index=idx, score=score, raw=[] if score is None else [f"oracle {score:.3f}"],
                                valid_scores=[] if score is None else [score]))
        self.judge_calls += len(responses)
        return out
