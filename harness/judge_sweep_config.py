"""`selfalign-judge`'s schema: one judge, loaded from one checkpoint, scored on one labelled pair
set. Each judge kind's knobs are that judge's own dataclass, so their defaults live there."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

from hydra.core.config_store import ConfigStore

from .config import RuntimeConfig, check
from .judges.meta_judge import MetaJudgeConfig
from .judges.rubric import RubricJudgeConfig
from .training.daa_config import DAAConfig

JUDGES = ("rubric", "pairwise", "digit", "implicit", "meta", "oracle")


@dataclass
class JudgeSweepConfig(RuntimeConfig):
    # rubric (generated additive 5-point score) | pairwise (A/B logits, both orders) | digit (expected digit,
    # Self-J) | implicit (beta * log-ratio vs `reference`) | meta (Meta-Rewarding's meta-judge: picks the
    # right one of two reviews of a response, both orders; scored on the world's judgment pairs, so pairs
    # must be world) | oracle (the pairs' reference scores: the world oracle's quality)
    judge: str = "rubric"
    checkpoint: Optional[str] = None  # a saved model folder, e.g. runs/<method>/<model>/<run>/stages/iter1/train/checkpoint
    reference: Optional[str] = None  # implicit: the reference model folder (None = reference-free, beta * mean log-prob)
    # world | a named held-out set from the hub: hh_rlhf | ultrafeedback_binarized | oasst1 | mt_bench_human |
    # rewardbench (= allenai/reward-bench) | <name>:<path> (that set from a local folder of <split>.jsonl|.json|.parquet,
    # a file, or another hub id) | a .json/.jsonl/.parquet file in any of those sets' schemas (data/pair_sets.py)
    pairs: str = "world"
    n_pairs: int = 0  # use only the first n pairs (0 = all)
    rubric: RubricJudgeConfig = field(default_factory=RubricJudgeConfig)  # the rubric judge, as Self-Rewarding samples it
    meta_judge: MetaJudgeConfig = field(default_factory=MetaJudgeConfig)  # the meta-judge's decoding, as Meta-Rewarding's
    pairwise_template: str = "pairwise_ab_v1"  # pairwise judge: the A/B question (Self-Judge's)
    digit_template: str = "digit_judge_v1"  # digit judge: the view it reads (digit_judge_ref_v1 shows a reference)
    beta: float = DAAConfig.beta  # implicit judge: the β of the DAA loss that trained the checkpoint
    normalise: str = DAAConfig.normalise  # implicit judge: response log-probs summed or averaged per token

    def validate(self) -> "JudgeSweepConfig":
        check(self.judge, self.judge in JUDGES, "judge", f"one of {', '.join(JUDGES)}")
        check(self.n_pairs, self.n_pairs >= 0, "n_pairs", "a count >= 0 (0 = all)")
        DAAConfig(beta=self.beta, normalise=self.normalise).validate(where="")
        return self


def register_judge_schema() -> None:
    ConfigStore.instance().store(name="judge_schema", node=JudgeSweepConfig)
