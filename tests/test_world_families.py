"""Tests for the embedded world's families and their five checks.

Grading: five checks (reply, form, size, items, exact) per response; the rubric points are the
checks passed before the first failure, quality is points / 5, and a review walks the checks in
order up to the first failure, ending in "Score: k"."""

from __future__ import annotations

import itertools
import json
import random
import re

import pytest

from harness.errors import ConfigError
from harness.world import (
    CHECKS,
    FAMILIES,
    FAMILY_NAMES,
    FILLER_SENTENCES,
    add_filler,
    get_family,
    justify,
    review,
    rubric_checks,
    rubric_for,
    strip_filler,
)
from harness.world.families import _WRAPS, DEFAULT_FAMILIES, passed_in_order
from world_cases import (
    DIGIT_FAMILIES,
    LETTER_FAMILIES,
    SINGLE_FAMILIES,
    candidate_answers,
    hand_task,
    passed_checks,
    tasks_of,
)

# -- families and their five checks ----------------------------------------------------------

def test_seven_families_four_by_default_and_five_checks():
    assert FAMILY_NAMES == ("sort", "descend", "unique", "alpha", "second", "repeat", "missing")
    assert DEFAULT_FAMILIES == ("alpha", "second", "repeat", "missing")  # what results/ measured
    assert LETTER_FAMILIES == ("alpha",)
    assert DIGIT_FAMILIES == ("sort", "descend", "unique", "second", "repeat", "missing")
    assert SINGLE_FAMILIES == ("second", "repeat", "missing")
    assert CHECKS == ("reply", "form", "size", "items", "exact")
    assert all(get_family(name) is FAMILIES[name] for name in FAMILY_NAMES)
    with pytest.raises(ConfigError, match="alpha"):
        get_family("reverse")


def test_points_are_the_checks_passed_before_the_first_failure():
    assert passed_in_order([True] * 5) == 5
    assert passed_in_order([False] * 5) == 0
    assert passed_in_order([True, True, True, False, False]) == 3
    assert passed_in_order([True, False, True, True, False]) == 1  # later passes earn nothing
    assert passed_in_order([False, True, True, True, True]) == 0


ALL = set(CHECKS)
# (family, payload, gold, [(answer, checks passed, rubric points)])
HAND_CASES = [
    ("sort", {"digits": [7, 3, 9, 3, 1]}, "1 3 3 7 9", [
        ("1 3 3 7 9", ALL, 5),
        ("1 3 3 7 9.", ALL, 5),
        ("1  3 3\n7 9", ALL, 5),  # whitespace is normalised
        ("9 7 3 3 1", {"reply", "form", "size", "items"}, 4),  # right multiset, wrong order
        ("7 3 9 3 1", {"reply", "form", "size", "items"}, 4),  # copied instead of sorted
        ("1 3 3 7 8", {"reply", "form", "size"}, 3),  # a wrong digit
        ("1 3 7 9", {"reply", "form"}, 2),  # a repeated digit lost
        ("1 3 3 7 9 9", {"reply", "form"}, 2),  # one too many
        ("1, 3, 3, 7, 9", {"reply", "size", "items"}, 1),  # separators off: nothing counts after form
        ("13379", {"reply", "size", "items"}, 1),
        ("The answer is 1 3 3 7 9", {"reply", "size", "items"}, 1),
        ("no digits", {"reply"}, 1),
        ("", set(), 0),
    ]),
    ("descend", {"digits": [7, 3, 9, 3, 1]}, "9 7 3 3 1", [
        ("9 7 3 3 1", ALL, 5),
        ("1 3 3 7 9", {"reply", "form", "size", "items"}, 4),  # ascending instead
        ("9 7 3 3 0", {"reply", "form", "size"}, 3),
        ("9 7 3 1", {"reply", "form"}, 2),
        ("", set(), 0),
    ]),
    ("unique", {"digits": [7, 3, 9, 3, 1]}, "1 3 7 9", [
        ("1 3 7 9", ALL, 5),
        ("1 3 7 9!", ALL, 5),
        ("7 3 9 1", {"reply", "form", "size", "items"}, 4),  # distinct, unsorted
        ("1 3 7 8", {"reply", "form", "size"}, 3),
        ("1 3 3 7 9", {"reply", "form"}, 2),  # sorted, but the repeat kept
        ("1 3 7", {"reply", "form"}, 2),
        ("", set(), 0),
    ]),
    ("alpha", {"word": "PVZG"}, "GPVZ", [
        ("GPVZ", ALL, 5),
        ("GPVZ.", ALL, 5),
        ("  GPVZ!  ", ALL, 5),
        ("PVZG", {"reply", "form", "size", "items"}, 4),  # copied instead of sorted
        ("GPZV", {"reply", "form", "size", "items"}, 4),  # order slip
        ("GPVA", {"reply", "form", "size"}, 3),  # a wrong letter
        ("GPV", {"reply", "form"}, 2),  # a lost letter
        ("GPVZX", {"reply", "form"}, 2),  # an extra letter
        ("G P V Z", {"reply", "size", "items"}, 1),  # spaced out: not one word of capitals
        ("GPVZ is my answer", {"reply", "size", "items"}, 1),  # lowercase words are not symbols
        ("The answer is GPVZ", {"reply"}, 1),  # but capitals are: T counts as a sixth letter
        ("gpvz", {"reply"}, 1),
        ("not sure", {"reply"}, 1),
        ("", set(), 0),
    ]),
    ("second", {"digits": [3, 8, 1, 5, 0]}, "5", [
        ("5", ALL, 5),
        ("5.", ALL, 5),
        ("8", {"reply", "form", "size"}, 3),  # the largest instead
        ("3", {"reply", "form", "size"}, 3),  # first listed
        ("85", {"reply"}, 1),
        ("The answer is 5", {"reply", "size", "items"}, 1),
        ("no 3", {"reply", "size"}, 1),
        ("five", {"reply"}, 1),
        ("", set(), 0),
    ]),
    ("repeat", {"digits": [4, 9, 1, 9, 6]}, "9", [
        ("9", ALL, 5),
        ("4", {"reply", "form", "size"}, 3),  # a digit that occurs once
        ("9 9", {"reply"}, 1),
        ("The answer is 9", {"reply", "size", "items"}, 1),
        ("", set(), 0),
    ]),
    ("missing", {"digits": [3, 8, 1, 5, 0, 9, 2, 7, 4]}, "6", [
        ("6", ALL, 5),
        ("6.", ALL, 5),
        ("8", {"reply", "form", "size"}, 3),  # a digit that is there
        ("16", {"reply"}, 1),
        ("no idea", {"reply"}, 1),
        ("", set(), 0),
    ]),
]


def test_every_family_has_hand_cases():
    assert {case[0] for case in HAND_CASES} == set(FAMILY_NAMES)


@pytest.mark.parametrize("name, payload, gold, cases", HAND_CASES, ids=[c[0] for c in HAND_CASES])
def test_each_check_on_hand_made_answers(name, payload, gold, cases):
    task, family = hand_task(name, payload), FAMILIES[name]
    assert task.gold == gold
    assert family.has_right_form(gold, task)
    for answer, want, points in cases:
        assert passed_checks(task, answer) == want, answer
        assert passed_in_order(rubric_checks(task, answer)) == points, answer
        assert rubric_for(task, answer) == (pytest.approx(points / 5), points), answer
        assert family.grade(answer, task) == pytest.approx(points / 5), answer
        assert justify(task, answer) == review(points), answer
        # filler around any answer, before or after it, changes nothing
        for seed in range(4):
            assert passed_checks(task, add_filler(answer, random.Random(seed), 1 + seed % 3)) == want, answer


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_wrapped_answers_fail_form_and_earn_one_point(name):
    for task in tasks_of(name, 20):
        for wrap in _WRAPS:
            answer = wrap.format(task.gold)
            checks = dict(zip(CHECKS, rubric_checks(task, answer)))
            assert checks["reply"] and not checks["form"] and not checks["exact"], wrap
            assert rubric_for(task, answer) == (pytest.approx(0.2), 1), wrap
            if name in DIGIT_FAMILIES:  # words carry no digits: size and items still pass
                assert checks["size"] and checks["items"], wrap


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_gold_grades_one_with_or_without_filler(name):
    family, rng = FAMILIES[name], random.Random(1)
    for task in tasks_of(name, 60):
        assert family.grade(task.gold, task) == 1.0
        assert family.grade(f"  {task.gold}.  ", task) == 1.0
        for n in (1, 2, 3):
            assert family.grade(add_filler(task.gold, rng, n), task) == 1.0
        assert family.has_right_form(task.gold, task)
        assert family.solve(task.payload) == task.gold


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_filler_never_changes_any_check(name):
    rng = random.Random(3)
    for task in tasks_of(name, 80):
        for answer in candidate_answers(task, rng, 4):
            assert rubric_checks(task, add_filler(answer, rng, rng.randint(1, 3))) == rubric_checks(task, answer)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_checks_are_consistent_with_each_other(name):
    """The checks never say 'exact' without the rest, 'items' without 'size', or anything
    without 'reply'; an empty reply fails everything."""
    rng = random.Random(4)
    for task in tasks_of(name, 80):
        for answer in candidate_answers(task, rng):
            c = dict(zip(CHECKS, rubric_checks(task, answer)))
            if c["exact"]:
                assert all(c.values()), answer
            if c["items"]:
                assert c["size"], answer
            if any(c.values()):
                assert c["reply"], answer
            assert c["reply"] == bool(answer.strip(" .!")), answer


# Levels each family's perturbations reach. A one-symbol family (`second`): a right-form answer
# is one symbol, so it has the right size, and with the right item it is exact: such a family
# scores 0, 1, 3 or 5 points and never 2 or 4 (0.4, 0.8), whatever the answer. Its perturbations
# give a wrong symbol (0.6), a vague or padded reply (0.2), or nothing at all (its one symbol
# dropped, 0.0); only one-symbol families' perturbations reach 0.0.
PERTURB_LEVELS = {name: {0.0, 0.2, 0.6} if name in SINGLE_FAMILIES else {0.2, 0.4, 0.6, 0.8}
                  for name in FAMILY_NAMES}


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_perturbations_are_wrong_and_spread_over_rubric_levels(name):
    family, rng = FAMILIES[name], random.Random(2)
    qualities = []
    for task in tasks_of(name, 600):
        wrong = family.perturb(task, rng)
        assert wrong != task.gold
        qualities.append(family.grade(wrong, task))
    assert max(qualities) < 1.0
    levels = {round(q, 2) for q in qualities}
    assert levels == PERTURB_LEVELS[name]
    for level in levels:  # no level is a rarity
        assert sum(round(q, 2) == level for q in qualities) >= 40, level


@pytest.mark.parametrize("name", SINGLE_FAMILIES)
def test_one_symbol_families_never_score_two_or_four_points(name):
    task = tasks_of(name, 1)[0]
    alphabet = FAMILIES[name].symbols[:10] + " x."
    answers = ["".join(p) for k in range(4) for p in itertools.product(alphabet, repeat=k)]
    assert {rubric_for(task, a)[1] for a in answers} == {0, 1, 3, 5}


def test_tasks_are_short_and_serialisable():
    for name in FAMILY_NAMES:
        family = FAMILIES[name]
        for task in tasks_of(name, 100):
            assert 3 <= len(task.instruction.split()) <= 20, task.instruction
            assert 1 <= len(family.items(task.gold)) <= 8, task.gold
            assert family.items(task.gold) == family.answer(task.payload)
            assert json.loads(json.dumps(task.payload)) == task.payload


def test_payloads_are_random_and_never_already_the_answer():
    for name in FAMILY_NAMES:
        tasks = tasks_of(name, 300)
        assert len({t.key() for t in tasks}) > 280, name  # random payloads, not a word list
    words = [t.payload["word"] for t in tasks_of("alpha", 300)]
    assert len({c for w in words for c in w}) == 26
    assert all(len(set(w)) == len(w) and w != "".join(sorted(w)) for w in words)
    for t in tasks_of("sort", 200) + tasks_of("descend", 200):
        assert t.payload["digits"] not in (sorted(t.payload["digits"]), sorted(t.payload["digits"], reverse=True))
    for t in tasks_of("unique", 200):
        assert len(set(t.payload["digits"])) < len(t.payload["digits"])  # a repeat to drop
    for t in tasks_of("second", 200):
        assert len(set(t.payload["digits"])) == len(t.payload["digits"])  # one runner-up
    for t in tasks_of("repeat", 200):
        counts = sorted(t.payload["digits"].count(d) for d in set(t.payload["digits"]))
        assert counts[-1] == 2 and counts[:-1] == [1] * (len(counts) - 1)  # exactly one digit twice
    for t in tasks_of("missing", 200):
        assert len(set(t.payload["digits"])) == 9 == len(t.payload["digits"])  # one digit of ten left out


def test_filler_is_stripped_exactly():
    for s in FILLER_SENTENCES:
        assert not re.search(r"\d", s)
        assert not any(s in other for other in FILLER_SENTENCES if other != s)
    rng = random.Random(0)
    for answer in ("82", "3 5 7 9", "GZVP", "The answer is GZVP", ""):
        for n in range(4):
            padded = add_filler(answer, rng, n)
            assert strip_filler(padded) == answer
            assert len(padded) > len(answer) or n == 0
    assert strip_filler(" ".join(FILLER_SENTENCES)) == ""


