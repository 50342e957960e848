"""Task families of the embedded verifiable world.

Every family maps an instruction to a short sequence of symbols (digits or capital letters), and
every response is graded by five checks, in order, that a program or a small model can make one
at a time:

    reply   the response says something
    form    its answer has the family's form (digits separated by spaces, one word of capitals)
    size    it has as many symbols as the right answer
    items   it has the same symbols as the right answer, in any order
    exact   it is the right answer

Quality is the share of checks passed before the first failure (each check mostly presumes the
ones before it: right items presume the right size). Checking is meant to be easier than
solving: for the sorting families `size` and `items` compare the response with the instruction's
own symbols and `exact` is then a local check of neighbours, while writing the answer means
finding the next symbol again at every step. (`selfalign-world` measures whether a model's own
judge actually finds it easier.) The
families are content rules (sort, sort descending, distinct values, alphabetical order, runner-up)
over random payloads, so a model can only do well by learning each rule, never by remembering
problems.
"""

from __future__ import annotations

import random
import re
import string
from collections import Counter
from dataclasses import dataclass, field

from harness.errors import ConfigError

from .filler import clean_answer

CHECKS = ("reply", "form", "size", "items", "exact")
_LETTERS = string.ascii_uppercase
_VAGUE = ("not sure", "I cannot tell", "no idea", "unknown")
_WRAPS = ("The answer is {}", "Answer: {}", "I think {}", "{} is my answer")


@dataclass
class Task:
    """One world problem; `payload` (JSON-serialisable) is enough to re-derive gold and grade."""

    family: str
    instruction: str
    gold: str
    payload: dict = field(default_factory=dict)

    def key(self) -> str:
        """Identity of the underlying problem, independent of phrasing (used to split pools)."""
        return f"{self.family}|{sorted(self.payload.items())}"


class Family:
    """A family of sequence tasks. Subclasses set `name`, `templates`, `symbols` (the alphabet of
    answer symbols), `joiner` (how symbols are written), `form` (a regex for a well-formed
    answer) and implement sample_payload(rng) and answer(payload) -> list of symbols."""

    name = ""
    templates: tuple[str, ...] = ()
    symbols = _LETTERS
    joiner = ""
    form = r"[A-Z]+"

    def fields(self, payload: dict) -> dict:
        return payload

    def make(self, rng: random.Random) -> Task:
        payload = self.sample_payload(rng)
        instruction = rng.choice(self.templates).format(**self.fields(payload))
        return Task(self.name, instruction, self.solve(payload), payload)

    def solve(self, payload: dict) -> str:
        return self.joiner.join(self.answer(payload))

    def items(self, text: str) -> list[str]:
        """The answer symbols found in a cleaned response (anything else is ignored)."""
        return [c for c in text if c in self.symbols]

    def has_right_form(self, answer: str, task: Task) -> bool:
        return re.fullmatch(self.form, clean_answer(answer)) is not None

    def checks(self, answer: str, task: Task) -> list[bool]:
        """The five rubric checks, in CHECKS order, on the filler-free answer."""
        text = clean_answer(answer)
        got, want = self.items(text), self.items(task.gold)
        return [bool(text), self.has_right_form(text, task), len(got) == len(want),
                Counter(got) == Counter(want), text == task.gold]

    def grade(self, answer: str, task: Task) -> float:
        return passed_in_order(self.checks(answer, task)) / len(CHECKS)

    def perturb(self, task: Task, rng: random.Random) -> str:
        """A wrong or partly-wrong answer; retried because some edits can land on the gold."""
        for _ in range(20):
            wrong = self._wrong(task, rng)
            if self.grade(wrong, task) < 1.0:
                return wrong
        return rng.choice(_VAGUE)

    def _wrong(self, task: Task, rng: random.Random) -> str:
        """One typical mistake, spread over every rubric level: an order slip (items right), a
        wrong symbol (size right), a lost or extra symbol, a wrapped answer (form wrong), a
        vague reply, or a family's own confusion."""
        want = self.items(task.gold)
        i = rng.randrange(len(want))
        swapped, substituted, dropped, padded = (list(want) for _ in range(4))
        j = min(i + 1, len(want) - 1) if i + 1 < len(want) else max(i - 1, 0)
        swapped[i], swapped[j] = want[j], want[i]
        substituted[i] = rng.choice([s for s in self.symbols if s != want[i]])
        del dropped[i]
        padded.insert(i, rng.choice(self.symbols))
        join = self.joiner.join
        options = [(20, join(swapped)), (20, join(substituted)), (12, join(dropped)), (10, join(padded)),
                   (10, rng.choice(_WRAPS).format(task.gold)), (6, rng.choice(_VAGUE)),
                   (22, self.confusion(task.payload, rng))]
        weights, values = zip(*options)
        return rng.choices(values, weights)[0]

    def confusion(self, payload: dict, rng: random.Random) -> str:
        return self.joiner.join(self.answer(payload)[::-1])


def passed_in_order(checks: list[bool]) -> int:
    """How many checks pass before the first one that fails."""
    return next((k for k, ok in enumerate(checks) if not ok), len(checks))


def _digits_payload(rng: random.Random, low: int, high: int) -> dict:
    """Random digits (repeats allowed), never already in order, so the task is never a copy."""
    digits = [rng.randrange(10) for _ in range(rng.randint(low, high))]
    while digits == sorted(digits) or digits == sorted(digits, reverse=True):
        digits = [rng.randrange(10) for _ in range(len(digits))]
    return {"digits": digits}


class _DigitList(Family):
    symbols = string.digits
    joiner = " "
    form = r"\d( \d)*"

    def sample_payload(self, rng):
        return _digits_payload(rng, 5, 8)

    def fields(self, payload):
        return {"digits": " ".join(map(str, payload["digits"]))}

    def confusion(self, payload, rng):
        return " ".join(map(str, payload["digits"]))  # copied instead of rearranged


class SortFamily(_DigitList):
    name = "sort"
    templates = ("Sort these digits from smallest to largest: {digits}", "Put in ascending order: {digits}",
                 "Arrange in increasing order: {digits}")

    def answer(self, payload):
        return [str(d) for d in sorted(payload["digits"])]


class DescendFamily(_DigitList):
    name = "descend"
    templates = ("Sort these digits from largest to smallest: {digits}", "Put in descending order: {digits}",
                 "Arrange in decreasing order: {digits}")

    def answer(self, payload):
        return [str(d) for d in sorted(payload["digits"], reverse=True)]


class UniqueFamily(_DigitList):
    name = "unique"
    templates = ("List each different digit of {digits} once, smallest first",
                 "Write the distinct digits of {digits} in increasing order",
                 "Which digits occur in {digits}? Give each once, in ascending order")

    def sample_payload(self, rng):
        payload = _digits_payload(rng, 5, 8)
        while len(set(payload["digits"])) == len(payload["digits"]):  # at least one repeat to drop
            payload = _digits_payload(rng, 5, 8)
        return payload

    def answer(self, payload):
        return [str(d) for d in sorted(set(payload["digits"]))]

    def confusion(self, payload, rng):
        return " ".join(map(str, sorted(payload["digits"])))  # sorted, but repeats kept


class AlphaFamily(Family):
    name = "alpha"
    templates = ("Put the letters of {word} in alphabetical order", "Sort the letters of {word} into alphabet order",
                 "Write the letters of {word} alphabetically")

    def sample_payload(self, rng):
        word = "".join(rng.sample(_LETTERS, rng.randint(5, 8)))
        while word == "".join(sorted(word)):
            word = "".join(rng.sample(_LETTERS, len(word)))
        return {"word": word}

    def answer(self, payload):
        return sorted(payload["word"])

    def confusion(self, payload, rng):
        return payload["word"]  # copied instead of sorted


class SecondFamily(_DigitList):
    name = "second"
    form = r"\d"
    templates = ("Which digit is second largest: {digits}?", "Name the second biggest digit in {digits}",
                 "Find the runner-up to the maximum of {digits}")

    def sample_payload(self, rng):
        return {"digits": rng.sample(range(10), rng.randint(5, 8))}

    def answer(self, payload):
        return [str(sorted(payload["digits"])[-2])]

    def confusion(self, payload, rng):
        ordered = sorted(payload["digits"])
        return str(rng.choice((ordered[-1], ordered[-3], ordered[0], payload["digits"][-1])))


class RepeatFamily(_DigitList):
    """Find the one digit that occurs twice. Checking an answer is one lookup (does this digit
    occur twice?); finding it means comparing every digit with every other."""

    name = "repeat"
    form = r"\d"
    templates = ("Which digit occurs twice in {digits}?", "Name the repeated digit: {digits}",
                 "One digit of {digits} appears two times. Which one?")

    def sample_payload(self, rng):
        digits = rng.sample(range(10), rng.randint(4, 7))
        digits.insert(rng.randrange(len(digits) + 1), rng.choice(digits))
        return {"digits": digits}

    def answer(self, payload):
        return [str(next(d for d in payload["digits"] if payload["digits"].count(d) == 2))]

    def confusion(self, payload, rng):
        return str(rng.choice([d for d in payload["digits"] if payload["digits"].count(d) == 1]))


class MissingFamily(_DigitList):
    """Name the digit 0-9 that nine shuffled digits leave out. Checking an answer is one lookup
    (is it absent from the list?); finding it means ruling out the other nine."""

    name = "missing"
    form = r"\d"
    templates = ("Which digit from 0 to 9 is missing from {digits}?", "Name the digit absent from {digits}",
                 "{digits} holds every digit but one. Which is left out?")

    def sample_payload(self, rng):
        return {"digits": rng.sample(range(10), 9)}

    def answer(self, payload):
        return [str(next(d for d in range(10) if d not in payload["digits"]))]

    def confusion(self, payload, rng):
        return str(rng.choice(payload["digits"]))


FAMILIES: dict[str, Family] = {
    f.name: f for f in (SortFamily(), DescendFamily(), UniqueFamily(), AlphaFamily(), SecondFamily(),
                        RepeatFamily(), MissingFamily())
}
FAMILY_NAMES: tuple[str, ...] = tuple(FAMILIES)
# The default world (WorldConfig.families, and what [] means): the mix in which M1 clears every
# instrument target (results/world-probes.md). sort, descend and unique stay opt-in: their long
# answers compound sampling errors, so best-of-k there does not beat greedy.
DEFAULT_FAMILIES: tuple[str, ...] = ("alpha", "second", "repeat", "missing")


def get_family(name: str) -> Family:
    if name not in FAMILIES:
        raise ConfigError(
            f"Unknown world task family {name!r}; expected one of {', '.join(FAMILY_NAMES)}. "
            "Fix the family name in the world config."
        )
    return FAMILIES[name]
