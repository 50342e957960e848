"""Oracle quality, oracle preferences and the additive rubric used for EFT (judge) data.

The oracle re-creates a world task from a prompt's meta, so any response produced anywhere in the
pipeline (policy samples, references, judge test pairs) can be graded after the fact.
"""

from __future__ import annotations

from harness.errors import ConfigError, DataError
from harness.records import PromptRecord

from .families import Task, get_family
from .filler import clean_answer

TIE_TOLERANCE = 1e-9

# Short names a tiny model can learn; order matches rubric_points.
_POINT_NAMES = ("a reply", "right format", "half right", "close", "exact")


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


def _earned(quality: float, answer_nonempty: bool, right_form: bool) -> list[bool]:
    return [
        bool(answer_nonempty),
        bool(right_form),
        quality >= 0.5,
        quality >= 0.8,
        quality >= 1.0 - TIE_TOLERANCE,
    ]


def rubric_points(quality: float, answer_nonempty: bool, right_form: bool) -> int:
    """Additive 0..5 score: replied, right form, quality >= 0.5, >= 0.8, exact."""
    return sum(_earned(quality, answer_nonempty, right_form))


def _assess(task: Task, answer: str, quality: float) -> list[bool]:
    nonempty = bool(clean_answer(answer))
    right_form = nonempty and get_family(task.family).has_right_form(answer, task)
    return _earned(quality, nonempty, right_form)


def rubric_for(task: Task, answer: str) -> tuple[float, int]:
    """(quality, rubric points) of `answer`, judged on the filler-free answer."""
    quality = grade(task, answer)
    return quality, sum(_assess(task, answer, quality))


def justify(task: Task, answer: str, quality: float) -> str:
    """A short review that ends in 'Score: k', e.g.
    'Correct answer: 82. Points for: a reply, right format. Score: 2'."""
    earned = _assess(task, answer, quality)
    names = ", ".join(name for name, got in zip(_POINT_NAMES, earned) if got) or "nothing"
    return f"Correct answer: {task.gold}. Points for: {names}. Score: {sum(earned)}"
