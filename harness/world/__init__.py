"""The embedded verifiable world: small instruction families whose answers a program can grade.

Every response gets an oracle quality in [0, 1], so self-alignment methods can be compared on
true quality offline, and their judges can be scored against known preferences.
"""

from .families import CHECKS, FAMILIES, FAMILY_NAMES, Family, Task, get_family
from .filler import FILLER_SENTENCES, add_filler, clean_answer, strip_filler
from .generators import (
    SPLIT_POOLS,
    WorldConfig,
    corpus_texts,
    eft_cases,
    eft_examples,
    ift_examples,
    judge_test_pairs,
    judgment_test_pairs,
    make_prompts,
    meta_judgment_examples,
    pool_of,
    preference_pairs,
    reference_rating_examples,
)
from .oracle import (
    grade,
    justify,
    oracle_prefers,
    oracle_quality,
    review,
    rubric_checks,
    rubric_for,
    task_from_prompt,
)

__all__ = [
    "CHECKS", "FAMILIES", "FAMILY_NAMES", "FILLER_SENTENCES", "SPLIT_POOLS", "Family", "Task",
    "WorldConfig", "add_filler", "clean_answer", "corpus_texts", "eft_cases", "eft_examples",
    "get_family", "grade", "ift_examples", "judge_test_pairs", "judgment_test_pairs", "justify",
    "make_prompts", "meta_judgment_examples", "oracle_prefers", "oracle_quality", "pool_of",
    "preference_pairs", "reference_rating_examples", "review", "rubric_checks", "rubric_for", "strip_filler",
    "task_from_prompt",
]
