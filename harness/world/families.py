"""Task families of the embedded verifiable world.

Each family makes short instructions whose answers a program can check, grades any response in
[0, 1] with partial credit (so preferences between two wrong answers are meaningful) and makes
plausible wrong answers of varied quality. Grading ignores filler and edge punctuation.
"""

from __future__ import annotations

import random
import re
from collections import Counter
from dataclasses import dataclass, field

from harness.errors import ConfigError

from .filler import clean_answer
from .words import WORDS, similarity

_INT = re.compile(r"-?\d+")
_WRAPS = ("The answer is {}", "{} in total", "about {}", "It comes to {}", "I think {}")
_VAGUE = ("not sure", "a big number", "I cannot tell", "some amount", "unknown")


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


def _pick(rng: random.Random, options: list) -> str:
    """Choose one of (weight, candidate) pairs; all candidates are cheap to build eagerly."""
    weights, values = zip(*options)
    return str(rng.choices(values, weights)[0])


def first_int(text: str) -> int | None:
    match = _INT.search(text)
    return int(match.group()) if match else None


class Family:
    """Contract: subclasses set `name` and `templates` and implement sample_payload(rng),
    solve(payload) -> gold, grade(answer, task), has_right_form(answer, task) and
    _wrong(task, rng) (one candidate wrong answer)."""

    name = ""
    templates: tuple[str, ...] = ()

    def fields(self, payload: dict) -> dict:
        return payload

    def make(self, rng: random.Random) -> Task:
        payload = self.sample_payload(rng)
        instruction = rng.choice(self.templates).format(**self.fields(payload))
        return Task(self.name, instruction, self.solve(payload), payload)

    def perturb(self, task: Task, rng: random.Random) -> str:
        """A wrong or partly-wrong answer; retried because some edits can land on the gold."""
        for _ in range(20):
            wrong = self._wrong(task, rng)
            if self.grade(wrong, task) < 1.0:
                return wrong
        return "I am not sure"


class _Numeric(Family):
    """Integer answers; subclasses add `confusions(payload)`, answers of typical mistakes."""

    def grade(self, answer: str, task: Task) -> float:
        text = clean_answer(answer)
        if not text:
            return 0.0
        if text == task.gold:
            return 1.0
        value = first_int(text)
        if value is None:
            return 0.05
        return round(max(0.0, 0.8 - 0.8 * abs(value - int(task.gold)) / 10), 6)

    def has_right_form(self, answer: str, task: Task) -> bool:
        return re.fullmatch(r"-?\d+", clean_answer(answer)) is not None

    def _wrong(self, task: Task, rng: random.Random) -> str:
        g, s = int(task.gold), rng.choice((-1, 1))
        options = [
            (30, g + s * rng.randint(1, 3)),  # near miss
            (15, g + s * rng.randint(4, 9)),
            (8, rng.randint(0, 199)),  # far miss
            (14, rng.choice(_WRAPS).format(g + rng.choice((0, 0, 1, -1, 5)))),  # wrong format
            (10, rng.choice(_VAGUE)),
            (8, f"{g + s} or {g}"),
            (15, rng.choice(self.confusions(task.payload))),  # a typical slip (see subclasses)
        ]
        return _pick(rng, options)


class _NumberList(Family):
    low, high = 0, 20

    def sample_payload(self, rng):
        return {"numbers": rng.sample(range(self.low, self.high + 1), rng.randint(3, 5))}

    def fields(self, payload):
        return {"nums": " ".join(map(str, payload["numbers"]))}


class AddFamily(_Numeric):
    name = "add"
    templates = ("What is {a} plus {b}?", "Please add {a} and {b}.",
                 "Compute the sum of {a} and {b}.", "How much is {a} + {b}?")

    def sample_payload(self, rng):
        return {"a": rng.randint(10, 99), "b": rng.randint(10, 99)}

    def solve(self, payload):
        return str(payload["a"] + payload["b"])

    def confusions(self, payload):
        a, b = payload["a"], payload["b"]
        no_carry = (a % 10 + b % 10) % 10 + 10 * (a // 10 + b // 10)
        return [abs(a - b), no_carry, a + b + 10, a + b - 10]


class SubtractFamily(_Numeric):
    name = "subtract"
    templates = ("What is {a} minus {b}?", "Please subtract {b} from {a}.",
                 "Compute {a} take away {b}.", "How much is {a} - {b}?")

    def sample_payload(self, rng):
        a = rng.randint(20, 99)
        return {"a": a, "b": rng.randint(10, a - 1)}

    def solve(self, payload):
        return str(payload["a"] - payload["b"])

    def confusions(self, payload):
        a, b = payload["a"], payload["b"]
        no_borrow = abs(a % 10 - b % 10) + 10 * (a // 10 - b // 10)
        return [a + b, b - a, no_borrow, a - b + 10]


class MaxFamily(_NumberList, _Numeric):
    name = "max"
    high = 50
    templates = ("Which number is largest: {nums}?", "Find the biggest of these numbers: {nums}",
                 "Name the maximum of the list {nums}.")

    def solve(self, payload):
        return str(max(payload["numbers"]))

    def confusions(self, payload):
        nums = sorted(payload["numbers"])
        return [nums[0], nums[-2], payload["numbers"][0], sum(nums)]


class SortFamily(_NumberList):
    name = "sort"
    templates = ("Sort in ascending order: {nums}", "Put these numbers in increasing order: {nums}",
                 "Arrange from smallest to largest: {nums}")

    def sample_payload(self, rng):
        payload = super().sample_payload(rng)
        while payload["numbers"] == sorted(payload["numbers"]):
            rng.shuffle(payload["numbers"])
        return payload

    def solve(self, payload):
        return " ".join(map(str, sorted(payload["numbers"])))

    def grade(self, answer: str, task: Task) -> float:
        text = clean_answer(answer)
        if text == task.gold:
            return 1.0
        got = [int(x) for x in _INT.findall(text)]
        if not got:
            return 0.0
        want = sorted(task.payload["numbers"])
        frac = sum(x == y for x, y in zip(got, want)) / max(len(got), len(want))
        # Same numbers in a partly wrong order beat a list that lost or invented numbers.
        return round((0.9 if Counter(got) == Counter(want) else 0.5) * frac, 6)

    def has_right_form(self, answer: str, task: Task) -> bool:
        tokens = re.split(r"[\s,]+", clean_answer(answer))
        return len(tokens) >= 2 and all(re.fullmatch(r"-?\d+", t) for t in tokens)

    def _wrong(self, task: Task, rng: random.Random) -> str:
        want = sorted(task.payload["numbers"])
        i, j = rng.randrange(len(want) - 1), rng.randrange(len(want))
        swapped, dropped, nudged, padded = (list(want) for _ in range(4))
        swapped[i], swapped[i + 1] = want[i + 1], want[i]
        del dropped[j]
        nudged[i] += rng.choice((-1, 1))
        padded.insert(j, rng.randint(0, 20))
        join = " ".join
        return _pick(rng, [
            (15, join(map(str, task.payload["numbers"]))), (10, join(map(str, want[::-1]))),
            (20, join(map(str, swapped))), (15, join(map(str, dropped))),
            (12, join(map(str, nudged))), (8, join(map(str, padded))),
            (8, ", ".join(map(str, want))), (7, "Sorted: " + join(map(str, want))),  # wrong format
            (5, rng.choice(("already sorted", "the list is fine", "not sure"))),
        ])


class _Letters(Family):
    """String families graded by case-sensitive edit similarity."""

    form = r"[A-Za-z]+"

    def grade(self, answer: str, task: Task) -> float:
        return round(similarity(clean_answer(answer), task.gold), 6)

    def has_right_form(self, answer: str, task: Task) -> bool:
        return re.fullmatch(self.form, clean_answer(answer)) is not None

    @staticmethod
    def _typo(text: str, rng: random.Random) -> str:
        i, r = rng.randrange(len(text) - 1), rng.random()
        if r < 0.35:
            return text[:i] + text[i + 1] + text[i] + text[i + 2:]
        if r < 0.65:
            return text[:i] + text[i + 1:]
        letter = rng.choice("abcdefghijklmnopqrstuvwxyz")
        return text[:i] + (letter.upper() if text[i].isupper() else letter) + text[i + 1:]


_REVERSIBLE = tuple(w for w in WORDS if len(w) >= 4)


class ReverseFamily(_Letters):
    name = "reverse"
    templates = ("Reverse the letters of: {word}", "Spell this word backwards: {word}",
                 "Write the word {word} with its letters reversed.")

    def sample_payload(self, rng):
        return {"word": rng.choice(_REVERSIBLE)}

    def solve(self, payload):
        return payload["word"][::-1]

    def _wrong(self, task: Task, rng: random.Random) -> str:
        word, gold = task.payload["word"], task.gold
        half = len(word) // 2
        wrapper = rng.choice(("The word backwards is {}", "{} is the answer", "{} 2"))
        return _pick(rng, [
            (40, self._typo(gold, rng)), (15, word), (13, word[:half][::-1] + word[half:]),
            (10, rng.choice(_REVERSIBLE)[::-1]), (8, gold.upper()), (14, wrapper.format(gold)),
        ])


class UpperFamily(_Letters):
    name = "upper"
    form = r"[A-Za-z]+(?: [A-Za-z]+)*"
    templates = ("Write in capital letters: {text}", "Convert this to upper case: {text}",
                 "Change to all capitals please: {text}")

    def sample_payload(self, rng):
        return {"text": " ".join(rng.sample(WORDS, rng.randint(1, 3)))}

    def solve(self, payload):
        return payload["text"].upper()

    def _wrong(self, task: Task, rng: random.Random) -> str:
        text, gold = task.payload["text"], task.gold
        words = gold.split()
        i = rng.randrange(len(words))
        one_lower = " ".join(w.lower() if j == i else w for j, w in enumerate(words))
        shorter = " ".join(words[:-1]) if len(words) > 1 else gold[:-1]
        wrapper = rng.choice(("IN CAPITALS: {}", "{} 1", "Sure: {}"))
        return _pick(rng, [
            (35, self._typo(gold, rng)), (10, text), (10, text.title()), (15, one_lower),
            (10, shorter), (8, f"{gold} {rng.choice(WORDS).upper()}"), (12, wrapper.format(gold)),
        ])


FAMILIES: dict[str, Family] = {
    f.name: f
    for f in (AddFamily(), SubtractFamily(), SortFamily(), ReverseFamily(), UpperFamily(),
              MaxFamily())
}
FAMILY_NAMES: tuple[str, ...] = tuple(FAMILIES)


def get_family(name: str) -> Family:
    if name not in FAMILIES:
        raise ConfigError(
            f"Unknown world task family {name!r}; expected one of {', '.join(FAMILY_NAMES)}. "
            "Fix the family name in the world config."
        )
    return FAMILIES[name]
