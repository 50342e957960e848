"""Oracle quality, oracle preferences and the additive rubric used for EFT (judge) data.

The oracle re-creates a world task from a prompt's meta, so any response produced anywhere in the
pipeline (policy samples, references, judge test pairs) can be graded after the fact.
"""

from __future__ import annotations

from harness.errors import ConfigError, DataError
from harness.records import PromptRecord

from .families import CHECKS, Task, get_family, passed_in_order

TIE_TOLERANCE = 1e-9



def task_from_prompt(prompt: PromptRecord) -> Task:
    """Rebuild the Task behind a world prompt (gold is re-derived from the payload)."""
    meta = prompt.meta if isinstance(prompt.meta, dict) else {}
    name, payload = meta.get("family"), meta.get("payload")
    if not isinstance(name, str) or not isinstance(payload, dict):
        raise DataError(
            f"Prompt {prompt.id!r} carries no world task: expected meta with 'family' and "
            f"'payload', got meta keys {sorted(meta)}. Oracle quality only exists for prompts "
            "made by harness.world.make_prompts; use a judge-based metric for other data."
        )
    try:
        family = get_family(name)
        return Task(name, prompt.instruction, family.solve(payload), payload)
    except (ConfigError, KeyError, TypeError, ValueError) as exc:
        raise DataError(
            f"Prompt {prompt.id!r} has a malformed world task (family {name!r}, payload "
            f"{payload!r}): {exc}. Regenerate the prompts with harness.world.make_prompts."
        ) from None


def grade(task: Task, response: str) -> float:
    return get_family(task.family).grade(response, task)


def oracle_quality(prompt: PromptRecord, response: str) -> float:
    """Quality of `response` for a world prompt, in [0, 1]; filler never changes it."""
    return grade(task_from_prompt(prompt), response)


def oracle_prefers(prompt: PromptRecord, response_1: str, response_2: str) -> float:
    """AlpacaEval-style preference: 1.0 first better, 2.0 second better, 1.5 tie."""
    task = task_from_prompt(prompt)
    q1, q2 = grade(task, response_1), grade(task, response_2)
    if abs(q1 - q2) <= TIE_TOLERANCE:
        return 1.5
    return 1.0 if q1 > q2 else 2.0


def rubric_checks(task: Task, answer: str) -> list[bool]:
    """The five checks (reply, form, size, items, exact) of `answer`, filler ignored."""
    return get_family(task.family).checks(answer, task)


def rubric_for(task: Task, answer: str) -> tuple[float, int]:
    """(quality, rubric points) of `answer`: the points are the checks passed before the first
    failure, and quality is their share of the five."""
    points = passed_in_order(rubric_checks(task, answer))
    return points / len(CHECKS), points


def review(points: int) -> str:
    """A review that goes through the checks in order, stops at the first failure and ends in
    'Score: k', e.g. 'reply yes, form yes, size yes, items no. Score: 3'. It never states the
    right answer: the judge checks the response against the instruction instead of solving."""
    said = [f"{name} yes" for name in CHECKS[:points]] + ([f"{CHECKS[points]} no"] if points < len(CHECKS) else [])
    return f"{', '.join(said)}. Score: {points}"


def justify(task: Task, answer: str) -> str:
    """The right review of `answer` (the EFT target)."""
    return review(rubric_for(task, answer)[1])
