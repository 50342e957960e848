"""The embedded verifiable world: small instruction families whose answers a program can grade.

Every response gets an oracle quality in [0, 1], so self-alignment methods can be compared on
true quality offline, and their judges can be scored against known preferences.
"""

from .families import FAMILIES, FAMILY_NAMES, Family, Task, first_int, get_family
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
    pool_of,
    preference_pairs,
    reference_rating_examples,
)
from .oracle import (
    grade,
    justify,
    oracle_prefers,
    oracle_quality,
    rubric_for,
    rubric_points,
    task_from_prompt,
)
from .words import WORDS, levenshtein, similarity

__all__ = [
    "FAMILIES", "FAMILY_NAMES", "FILLER_SENTENCES", "SPLIT_POOLS", "WORDS", "Family", "Task",
    "WorldConfig", "add_filler", "clean_answer", "corpus_texts", "eft_cases", "eft_examples",
    "first_int", "get_family", "grade", "ift_examples", "judge_test_pairs", "judgment_test_pairs", "justify",
    "levenshtein", "make_prompts", "oracle_prefers", "oracle_quality", "pool_of",
    "preference_pairs", "reference_rating_examples", "rubric_for", "rubric_points", "similarity", "strip_filler",
    "task_from_prompt",
]
