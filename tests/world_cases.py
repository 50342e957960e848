"""Shared helpers for the embedded world's tests: family groups, judge renderers, hand-made tasks
and answers, and a parser for the reviews the world writes."""

from __future__ import annotations

import random
import re
import string

from harness.judges.templates import render
from harness.world import (CHECKS, FAMILIES, FAMILY_NAMES, Task, WorldConfig, corpus_texts, eft_examples,
                           ift_examples, judge_test_pairs, judgment_test_pairs, make_prompts,
                           meta_judgment_examples, preference_pairs, rubric_checks)

LETTER_FAMILIES = tuple(n for n in FAMILY_NAMES if FAMILIES[n].symbols == string.ascii_uppercase)
DIGIT_FAMILIES = tuple(n for n in FAMILY_NAMES if FAMILIES[n].symbols == string.digits)
DIGITS = tuple(string.digits)
# Families whose answer is one symbol (form: a single digit or letter).
SINGLE_FAMILIES = tuple(n for n in FAMILY_NAMES if FAMILIES[n].form in (r"\d", r"[A-Z]"))
_SAID = re.compile(r"(reply|form|size|items|exact) (yes|no)")
REVIEW_PATTERN = re.compile(r"[a-z]+ (?:yes|no)(?:, [a-z]+ (?:yes|no))*\. Score: ([0-5])")


def render_judge(instruction: str, response: str) -> str:
    return f"Judge this.\nQ: {instruction}\nA: {response}"


def render_meta(instruction: str, response: str, review_a: str, review_b: str) -> str:
    return render("meta_judge_v1", instruction=instruction, response=response, judgment_a=review_a,
                  judgment_b=review_b)


def generate_everything(cfg: WorldConfig, n: int = 60) -> list:
    return [
        make_prompts(cfg, "train", n), make_prompts(cfg, "eval", n), ift_examples(cfg, n),
        eft_examples(cfg, n, render_judge), preference_pairs(cfg, n), judge_test_pairs(cfg, n),
        judgment_test_pairs(cfg, n), meta_judgment_examples(cfg, n, render_meta), corpus_texts(cfg, n),
    ]


def tasks_of(name: str, n: int, seed: int = 0) -> list[Task]:
    rng = random.Random(seed)
    return [FAMILIES[name].make(rng) for _ in range(n)]


def hand_task(name: str, payload: dict) -> Task:
    """A hand-made task, built the way Family.make builds one."""
    family = FAMILIES[name]
    return Task(name, family.templates[0].format(**family.fields(payload)), family.solve(payload), payload)


def passed_checks(task: Task, answer: str) -> set[str]:
    return {name for name, ok in zip(CHECKS, rubric_checks(task, answer)) if ok}


def candidate_answers(task: Task, rng: random.Random, n: int = 8) -> list[str]:
    """The gold, some of the family's own mistakes, and a few odd strings."""
    family = FAMILIES[task.family]
    return [task.gold, "", "not sure", f"The answer is {task.gold}", task.gold.lower()] + [
        family.perturb(task, rng) for _ in range(n)]


def parse_review(text: str) -> tuple[list[tuple[str, bool]], int]:
    """(the checks a review goes through, with its verdicts), its score; asserts the format."""
    match = REVIEW_PATTERN.fullmatch(text)
    assert match, text
    return [(name, said == "yes") for name, said in _SAID.findall(text)], int(match.group(1))

