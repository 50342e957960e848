"""Tests for the embedded verifiable world (families, filler, oracle, generators, its tokenizer).

Grading: five checks (reply, form, size, items, exact) per response; the rubric points are the
checks passed before the first failure, quality is points / 5, and a review walks the checks in
order up to the first failure, ending in "Score: k"."""

from __future__ import annotations

import itertools
import json
import math
import random
import re
import string

import pytest

from harness.errors import ConfigError, DataError
from harness.judges.parsing import parse_meta_verdict, parse_score
from harness.judges.templates import render
from harness.records import PromptRecord
from harness.world import (
    CHECKS,
    FAMILIES,
    FAMILY_NAMES,
    FILLER_SENTENCES,
    Task,
    WorldConfig,
    add_filler,
    corpus_texts,
    eft_cases,
    eft_examples,
    get_family,
    ift_examples,
    judge_test_pairs,
    judgment_test_pairs,
    justify,
    make_prompts,
    meta_judgment_examples,
    oracle_prefers,
    oracle_quality,
    pool_of,
    preference_pairs,
    review,
    rubric_checks,
    rubric_for,
    strip_filler,
    task_from_prompt,
)
from harness.world.families import _WRAPS, passed_in_order
from harness.world.generators import IFT_WRAP, TRAIN_POOL, judgment_pair

LETTER_FAMILIES = tuple(n for n in FAMILY_NAMES if FAMILIES[n].symbols == string.ascii_uppercase)
DIGIT_FAMILIES = tuple(n for n in FAMILY_NAMES if FAMILIES[n].symbols == string.digits)
DIGITS = tuple(string.digits)
# Families whose answer is one symbol (form: a single digit or letter).
SINGLE_FAMILIES = tuple(n for n in FAMILY_NAMES if FAMILIES[n].form in (r"\d", r"[A-Z]"))
_SAID = re.compile(r"(reply|form|size|items|exact) (yes|no)")
_REVIEW = re.compile(r"[a-z]+ (?:yes|no)(?:, [a-z]+ (?:yes|no))*\. Score: ([0-5])")


def render_judge(instruction: str, response: str) -> str:
    return f"Judge this.\nQ: {instruction}\nA: {response}"


def render_meta(instruction: str, response: str, review_a: str, review_b: str) -> str:
    return render("meta_judge_v1", instruction=instruction, response=response, judgment_a=review_a,
                  judgment_b=review_b)


def _everything(cfg: WorldConfig, n: int = 60) -> list:
    return [
        make_prompts(cfg, "train", n), make_prompts(cfg, "eval", n), ift_examples(cfg, n),
        eft_examples(cfg, n, render_judge), preference_pairs(cfg, n), judge_test_pairs(cfg, n),
        judgment_test_pairs(cfg, n), meta_judgment_examples(cfg, n, render_meta), corpus_texts(cfg, n),
    ]


def _tasks(name: str, n: int, seed: int = 0) -> list[Task]:
    rng = random.Random(seed)
    return [FAMILIES[name].make(rng) for _ in range(n)]


def _task(name: str, payload: dict) -> Task:
    """A hand-made task, built the way Family.make builds one."""
    family = FAMILIES[name]
    return Task(name, family.templates[0].format(**family.fields(payload)), family.solve(payload), payload)


def _passed(task: Task, answer: str) -> set[str]:
    return {name for name, ok in zip(CHECKS, rubric_checks(task, answer)) if ok}


def _answers(task: Task, rng: random.Random, n: int = 8) -> list[str]:
    """The gold, some of the family's own mistakes, and a few odd strings."""
    family = FAMILIES[task.family]
    return [task.gold, "", "not sure", f"The answer is {task.gold}", task.gold.lower()] + [
        family.perturb(task, rng) for _ in range(n)]


def _parse_review(text: str) -> tuple[list[tuple[str, bool]], int]:
    """(the checks a review goes through, with its verdicts), its score; asserts the format."""
    match = _REVIEW.fullmatch(text)
    assert match, text
    return [(name, said == "yes") for name, said in _SAID.findall(text)], int(match.group(1))


# -- families and their five checks ----------------------------------------------------------

def test_five_families_and_five_checks():
    assert FAMILY_NAMES == ("sort", "descend", "unique", "alpha", "second")
    assert LETTER_FAMILIES == ("alpha",) and DIGIT_FAMILIES == ("sort", "descend", "unique", "second")
    assert SINGLE_FAMILIES == ("second",)
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
]


def test_every_family_has_hand_cases():
    assert {case[0] for case in HAND_CASES} == set(FAMILY_NAMES)


@pytest.mark.parametrize("name, payload, gold, cases", HAND_CASES, ids=[c[0] for c in HAND_CASES])
def test_each_check_on_hand_made_answers(name, payload, gold, cases):
    task, family = _task(name, payload), FAMILIES[name]
    assert task.gold == gold
    assert family.has_right_form(gold, task)
    for answer, want, points in cases:
        assert _passed(task, answer) == want, answer
        assert passed_in_order(rubric_checks(task, answer)) == points, answer
        assert rubric_for(task, answer) == (pytest.approx(points / 5), points), answer
        assert family.grade(answer, task) == pytest.approx(points / 5), answer
        assert justify(task, answer) == review(points), answer
        # filler around any answer, before or after it, changes nothing
        for seed in range(4):
            assert _passed(task, add_filler(answer, random.Random(seed), 1 + seed % 3)) == want, answer


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_wrapped_answers_fail_form_and_earn_one_point(name):
    for task in _tasks(name, 20):
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
    for task in _tasks(name, 60):
        assert family.grade(task.gold, task) == 1.0
        assert family.grade(f"  {task.gold}.  ", task) == 1.0
        for n in (1, 2, 3):
            assert family.grade(add_filler(task.gold, rng, n), task) == 1.0
        assert family.has_right_form(task.gold, task)
        assert family.solve(task.payload) == task.gold


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_filler_never_changes_any_check(name):
    rng = random.Random(3)
    for task in _tasks(name, 80):
        for answer in _answers(task, rng, 4):
            assert rubric_checks(task, add_filler(answer, rng, rng.randint(1, 3))) == rubric_checks(task, answer)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_checks_are_consistent_with_each_other(name):
    """The checks never say 'exact' without the rest, 'items' without 'size', or anything
    without 'reply'; an empty reply fails everything."""
    rng = random.Random(4)
    for task in _tasks(name, 80):
        for answer in _answers(task, rng):
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
    for task in _tasks(name, 600):
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
    task = _tasks(name, 1)[0]
    alphabet = FAMILIES[name].symbols[:10] + " x."
    answers = ["".join(p) for k in range(4) for p in itertools.product(alphabet, repeat=k)]
    assert {rubric_for(task, a)[1] for a in answers} == {0, 1, 3, 5}


def test_tasks_are_short_and_serialisable():
    for name in FAMILY_NAMES:
        family = FAMILIES[name]
        for task in _tasks(name, 100):
            assert 3 <= len(task.instruction.split()) <= 20, task.instruction
            assert 1 <= len(family.items(task.gold)) <= 8, task.gold
            assert family.items(task.gold) == family.answer(task.payload)
            assert json.loads(json.dumps(task.payload)) == task.payload


def test_payloads_are_random_and_never_already_the_answer():
    for name in FAMILY_NAMES:
        tasks = _tasks(name, 300)
        assert len({t.key() for t in tasks}) > 280, name  # random payloads, not a word list
    words = [t.payload["word"] for t in _tasks("alpha", 300)]
    assert len({c for w in words for c in w}) == 26
    assert all(len(set(w)) == len(w) and w != "".join(sorted(w)) for w in words)
    for t in _tasks("sort", 200) + _tasks("descend", 200):
        assert t.payload["digits"] not in (sorted(t.payload["digits"]), sorted(t.payload["digits"], reverse=True))
    for t in _tasks("unique", 200):
        assert len(set(t.payload["digits"])) < len(t.payload["digits"])  # a repeat to drop
    for t in _tasks("second", 200):
        assert len(set(t.payload["digits"])) == len(t.payload["digits"])  # one runner-up


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


# -- reviews ---------------------------------------------------------------------------------

def test_review_format():
    assert review(3) == "reply yes, form yes, size yes, items no. Score: 3"
    assert review(0) == "reply no. Score: 0"
    assert review(1) == "reply yes, form no. Score: 1"
    assert review(5) == "reply yes, form yes, size yes, items yes, exact yes. Score: 5"
    task = _task("alpha", {"word": "PVZG"})
    assert justify(task, "GPZV") == "reply yes, form yes, size yes, items yes, exact no. Score: 4"
    assert justify(task, "") == review(0)
    for k in range(6):
        said, score = _parse_review(review(k))
        assert score == k and parse_score(review(k)) == k
        assert [name for name, _ in said] == list(CHECKS[:min(k + 1, 5)])
        assert [ok for _, ok in said] == [True] * k + ([False] if k < 5 else [])


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_reviews_never_restate_the_answer_and_end_in_a_parseable_score(name):
    rng = random.Random(5)
    for task in _tasks(name, 60):
        for answer in _answers(task, rng, 4):
            text, points = justify(task, answer), rubric_for(task, answer)[1]
            said, score = _parse_review(text)
            assert score == points == parse_score(text)
            assert [ok for _, ok in said] == rubric_checks(task, answer)[:len(said)]
            # the only capital is Score's S and the only digit is the score: no answer symbol
            assert re.findall(r"[A-Z]", text) == ["S"]
            assert re.findall(r"\d", text) == [str(points)]


def test_eft_covers_every_score_and_reviews_match_rubric():
    cfg = WorldConfig(seed=5)
    cases = eft_cases(cfg, 1200)
    scores, padded = [], []
    for task, response, text in cases:
        k = _parse_review(text)[1]
        assert k == rubric_for(task, response)[1] == parse_score(text)
        assert text == justify(task, response)
        if response.startswith(IFT_WRAP.format("")):  # the seed data's format noise: "form no"
            assert text == "reply yes, form no. Score: 1"
            continue
        scores.append(k)
        padded.append(strip_filler(response) != response)
    # at ift_wrap_rate (0.4), like the IFT data, on top of the few form-breaking perturbations
    # that happen to use the same wrap; without it: the same problems and responses, unwrapped
    clean = eft_cases(WorldConfig(seed=5, ift_wrap_rate=0.0), 1200)
    assert [t for t, _, _ in clean] == [t for t, _, _ in cases]
    assert all(r == c or r == IFT_WRAP.format(c) for (_, r, _), (_, c, _) in zip(cases, clean))
    added = sum(r != c for (_, r, _), (_, c, _) in zip(cases, clean))
    assert 0.3 < added / len(cases) < 0.5
    assert set(scores) == {0, 1, 2, 3, 4, 5}
    assert all(scores.count(k) > 0.05 * len(scores) for k in range(6))
    assert sum(k >= 3 for k in scores) > 0.6 * len(scores)  # weighted to near misses (EFT_TARGETS)
    for k in range(6):  # filler at the same rate at every score: no length signal in judge data
        rate = sum(p for p, s in zip(padded, scores) if s == k) / scores.count(k)
        assert 0.1 < rate < 0.4, (k, rate)
    cases = cases[:600]
    examples = eft_examples(cfg, 600, render_judge)
    assert all(e.kind == "eft" for e in examples)
    assert [e.response for e in examples] == [text for _, _, text in cases]
    assert examples[0].prompt == render_judge(cases[0][0].instruction, cases[0][1])


# -- judgment pairs (meta-judge data) ----------------------------------------------------------

def test_judgment_pair_gives_the_right_review_and_one_off_by_one_check():
    rng, wrong_given = random.Random(6), {}
    for name in FAMILY_NAMES:
        for task in _tasks(name, 100):
            response = task.gold if rng.random() < 0.3 else FAMILIES[name].perturb(task, rng)
            right, wrong = judgment_pair(task, response, rng)
            points = rubric_for(task, response)[1]
            assert right == justify(task, response) == review(points)
            k = _parse_review(wrong)[1]
            assert wrong == review(k) and abs(k - points) == 1  # a well-formed review, one check off
            wrong_given.setdefault(points, set()).add(k)
    for points, ks in wrong_given.items():  # both neighbours are used where they exist
        assert ks == {k for k in (points - 1, points + 1) if 0 <= k <= 5}, points


def test_judgment_test_pairs_are_balanced_and_the_right_review_is_true():
    cfg, n = WorldConfig(seed=2), 400
    pairs = judgment_test_pairs(cfg, n)
    assert pairs == judgment_test_pairs(WorldConfig(seed=2), n)
    assert sum(p.label == 0 for p in pairs) == n // 2
    from harness.world.generators import _tasks as split_tasks

    for p, (_, task, family, rng) in zip(pairs, split_tasks(cfg, "judgment_test", n)):  # replayed draws
        response = task.gold if rng.random() < 0.3 else family.perturb(task, rng)
        judgment_pair(task, response, rng)
        assert p.prompt == task.instruction and p.judged == response
        right, wrong = (p.response_a, p.response_b) if p.label == 0 else (p.response_b, p.response_a)
        assert right == justify(task, response)
        assert parse_score(wrong) != parse_score(right)
    assert any(p.judged == "" for p in pairs)  # a one-digit answer dropped: an empty response is judged too


@pytest.mark.parametrize("n", [40, 7])
def test_meta_judgment_examples(n):
    cfg = WorldConfig(seed=3)
    examples = meta_judgment_examples(cfg, n, lambda *fields: json.dumps(fields))
    assert examples == meta_judgment_examples(WorldConfig(seed=3), n, lambda *fields: json.dumps(fields))
    verdicts = [parse_meta_verdict(e.response) for e in examples]
    assert verdicts == [1, 2] * (n // 2) + [1] * (n % 2)  # A for exactly half (n even), alternating
    assert all(e.kind == "meta_eft" for e in examples)
    from harness.world.generators import _tasks as split_tasks

    for e, v, (_, task, family, rng) in zip(examples, verdicts, split_tasks(cfg, "meta_eft", n)):
        instruction, response, review_a, review_b = json.loads(e.prompt)
        replayed = judgment_pair(task, task.gold if rng.random() < 0.3 else family.perturb(task, rng), rng)
        assert replayed in ((review_a, review_b), (review_b, review_a))  # the generator's own draws
        assert instruction == task.instruction and pool_of(task) == TRAIN_POOL
        right, wrong = (review_a, review_b) if v == 1 else (review_b, review_a)
        assert right == justify(task, response)
        assert parse_score(right) != parse_score(wrong)


def test_meta_judgment_examples_render_the_meta_judge_template():
    examples = meta_judgment_examples(WorldConfig(seed=0), 4, render_meta)
    for e in examples:
        assert e.prompt.startswith("Two reviews rate the same response")
        assert "\nJudgement A: reply " in e.prompt and "\nJudgement B: reply " in e.prompt
        assert e.prompt.endswith('"Winner: Judgement B".')


# -- generators --------------------------------------------------------------------------------

def test_generators_are_deterministic_and_seed_dependent():
    same_a, same_b = _everything(WorldConfig(seed=3)), _everything(WorldConfig(seed=3))
    other = _everything(WorldConfig(seed=4))
    for a, b, c in zip(same_a, same_b, other):
        assert a == b
        assert a != c


def test_held_out_splits_share_no_instruction_with_training():
    cfg = WorldConfig(seed=0)
    train = {p.instruction for p in make_prompts(cfg, "train", 1500)}
    train |= {e.prompt for e in ift_examples(cfg, 1500)}
    train |= {t.instruction for t, _, _ in eft_cases(cfg, 800)}
    train |= {p.prompt for p in preference_pairs(cfg, 1500)}
    train |= {json.loads(e.prompt)[0] for e in meta_judgment_examples(cfg, 800, lambda *f: json.dumps(f))}
    evaluation = {p.instruction for p in make_prompts(cfg, "eval", 800)}
    judge = {p.prompt for p in judge_test_pairs(cfg, 800)}
    judgment = {p.prompt for p in judgment_test_pairs(cfg, 800)}
    assert len(evaluation) > 400 and len(judge) > 400 and len(judgment) > 400
    assert not train & evaluation
    assert not train & judge
    assert not train & judgment
    assert not evaluation & judge
    assert not evaluation & judgment


def test_label_noise_controls_flipped_pairs():
    clean = preference_pairs(WorldConfig(seed=1, label_noise=0.0), 1000)
    assert not any(p.meta["flipped"] for p in clean)
    assert all(p.chosen_score > p.rejected_score for p in clean)
    n, rate = 2000, 0.3
    noisy = preference_pairs(WorldConfig(seed=1, label_noise=rate), n)
    flipped = [p for p in noisy if p.meta["flipped"]]
    assert abs(len(flipped) / n - rate) < 4 * math.sqrt(rate * (1 - rate) / n)
    assert all(p.meta["chosen_quality"] < p.meta["rejected_quality"] for p in flipped)
    assert all(p.chosen != p.rejected for p in noisy)


def test_judge_test_pairs_are_balanced():
    n = 1000
    pairs = judge_test_pairs(WorldConfig(seed=2), n)
    assert sum(p.label == 0 for p in pairs) == n // 2
    worse_longer = 0
    for p in pairs:
        better, worse = p.label, 1 - p.label
        assert p.scores[better] - p.scores[worse] >= 0.05
        texts = (p.response_a, p.response_b)
        assert len(texts[worse]) != len(texts[better])
        worse_longer += len(texts[worse]) > len(texts[better])
    assert worse_longer == n // 2


def test_reference_accuracy_and_verbosity_knobs():
    always = make_prompts(WorldConfig(seed=0, reference_accuracy=1.0), "eval", 200)
    assert all(p.reference == p.gold for p in always)
    never = make_prompts(WorldConfig(seed=0, reference_accuracy=0.0), "eval", 200)
    assert all(oracle_quality(p, p.reference) < 1.0 for p in never)
    half = make_prompts(WorldConfig(seed=0, reference_accuracy=0.5), "eval", 1000)
    assert 0.4 < sum(p.reference == p.gold for p in half) / 1000 < 0.6
    assert all(p.reference is None for p in make_prompts(WorldConfig(), "train", 50))
    terse = ift_examples(WorldConfig(verbosity=0.0), 200)
    verbose = ift_examples(WorldConfig(verbosity=1.0), 200)
    assert all(strip_filler(e.response) == e.response for e in terse)
    assert all(strip_filler(e.response) != e.response for e in verbose)


def test_ift_wrap_rate_wraps_right_answers_that_fail_the_form_check():

    plain = ift_examples(WorldConfig(seed=0, ift_wrap_rate=0.0), 400)
    noisy = ift_examples(WorldConfig(seed=0, ift_wrap_rate=0.4), 400)
    # the same problems and answers (the wraps draw from their own stream), some of them wrapped
    assert [e.prompt for e in noisy] == [e.prompt for e in plain]
    wrapped = [a.response == IFT_WRAP.format(b.response) for a, b in zip(noisy, plain)]
    assert all(w or a.response == b.response for w, a, b in zip(wrapped, noisy, plain))
    assert 0.3 < sum(wrapped) / 400 < 0.5
    # a wrapped right answer passes "reply" and fails "form": the rubric's 1 of 5
    for p in make_prompts(WorldConfig(seed=0), "eval", 50):
        assert oracle_quality(p, IFT_WRAP.format(p.gold)) == 1 / 5
    with pytest.raises(ConfigError, match="ift_wrap_rate"):
        WorldConfig(ift_wrap_rate=1.5)


def test_config_errors():
    for bad in ({"verbosity": 1.5}, {"verbosity": -0.1}, {"label_noise": 0.6},
                {"reference_accuracy": 2.0}, {"verbosity": "high"}, {"seed": "x"},
                {"families": "sort"}, {"seed": True}):
        with pytest.raises(ConfigError):
            WorldConfig(**bad)
    assert WorldConfig(families=[]).family_names == list(FAMILY_NAMES)  # [] = every family, as in the config
    with pytest.raises(ConfigError, match="descend"):  # the message lists the valid names
        WorldConfig(families=["sort", "divide"])
    for gone in ("add", "subtract", "reverse", "upper"):  # families of the old world
        with pytest.raises(ConfigError, match=gone):
            WorldConfig(families=[gone])
    cfg = WorldConfig()
    cfg.label_noise = 0.9
    with pytest.raises(ConfigError, match="label_noise"):
        cfg.validate()
    with pytest.raises(ConfigError):
        make_prompts(WorldConfig(), "eval", -1)


def test_oracle_on_prompts():
    prompt = make_prompts(WorldConfig(seed=0, families=["sort"]), "eval", 1)[0]
    assert prompt.id == "eval-0" and prompt.meta["family"] == "sort"
    row = json.loads(json.dumps(prompt.to_dict()))
    prompt = PromptRecord.from_dict(row)
    gold = prompt.gold
    assert task_from_prompt(prompt).gold == gold
    near = gold[:-1] + str((int(gold[-1]) + 1) % 10)  # one wrong digit: reply, form, size
    assert oracle_quality(prompt, gold) == 1.0
    assert oracle_quality(prompt, add_filler(gold, random.Random(0), 2)) == 1.0
    assert oracle_quality(prompt, near) == pytest.approx(0.6)
    assert oracle_quality(prompt, gold[::-1]) == pytest.approx(0.8)  # payloads are never all one digit
    assert oracle_quality(prompt, gold.replace(" ", ", ")) == pytest.approx(0.2)
    assert oracle_prefers(prompt, gold, near) == 1.0
    assert oracle_prefers(prompt, near, gold) == 2.0
    assert oracle_prefers(prompt, gold, gold + " Happy to help with this.") == 1.5
    assert oracle_prefers(prompt, "", "no idea") == 2.0
    with pytest.raises(DataError, match="world task"):
        oracle_quality(PromptRecord(id="x", instruction="Say hi"), "hi")
    with pytest.raises(DataError):
        oracle_quality(PromptRecord(id="y", instruction="?", meta={"family": "sort",
                                                                  "payload": {"word": "AB"}}), "1")
    with pytest.raises(DataError):
        oracle_quality(PromptRecord(id="z", instruction="?", meta={"family": "add",
                                                                  "payload": {"a": 1, "b": 2}}), "3")


def test_family_subset_and_corpus():
    cfg = WorldConfig(seed=0, families=["sort", "alpha"])
    assert {p.family for p in make_prompts(cfg, "train", 40)} == {"sort", "alpha"}
    texts = corpus_texts(WorldConfig(seed=0), 120)
    assert len(texts) == 120 and all(isinstance(t, str) and t for t in texts)
    assert all(texts[i] == review(5) for i in range(3, 120, 5))  # the gold's review
    assert all(_REVIEW.fullmatch(texts[i].split("\n")[-1]) for i in range(2, 120, 5))  # a mistake and its review
    assert all(strip_filler(texts[i]) == "" for i in range(4, 120, 5))  # filler on its own


# -- the data provider's world records and the tokenizer trained on them ------------------------

@pytest.fixture(scope="module")
def provider(tmp_path_factory, cache_dir):
    from conftest import FAST, compose

    from harness.data.provider import DataProvider

    cfg = compose(list(FAST), tmp_path_factory.mktemp("runs"), cache_dir)
    return DataProvider(cfg.data)


@pytest.fixture(scope="module")
def world_tokenizer(provider):
    from harness.models.world_tokenizer import train_world_tokenizer

    return train_world_tokenizer(provider.tokenizer_corpus(), 600)


def test_provider_meta_judgments_and_pairwise_judgments(provider, tmp_path_factory, cache_dir):
    from conftest import FAST, compose

    from harness.data.provider import DataProvider

    assert provider.meta_judgments(0) == []
    meta = provider.meta_judgments(6)
    assert meta == meta_judgment_examples(provider.world, 6, render_meta)
    assert [parse_meta_verdict(e.response) for e in meta] == [1, 2, 1, 2, 1, 2]
    with_eft_file = compose([*FAST, "data.eft_path=/nonexistent/eft.jsonl"], tmp_path_factory.mktemp("runs"), cache_dir)
    assert DataProvider(with_eft_file.data).meta_judgments(6) == []  # judge data from a file: none made
    pairs = preference_pairs(provider.world, 3)
    judged = provider.pairwise_judgments_of(pairs)
    assert [e.response for e in judged] == ["Winner: A", "Winner: B"] * 3
    for p, first, second in zip(pairs, judged[::2], judged[1::2]):  # both orders, the label moving with them
        assert f"Response A: {p.chosen}\nResponse B: {p.rejected}\n" in first.prompt
        assert f"Response A: {p.rejected}\nResponse B: {p.chosen}\n" in second.prompt
    corpus = provider.tokenizer_corpus()
    assert any(t.endswith("Winner: Judgement A") for t in corpus) and any(t.endswith("Winner: B") for t in corpus)


def _ids(tok, text: str) -> list[int]:
    return tok(text, add_special_tokens=False)["input_ids"]


def _contains(seq: list[int], sub: list[int]) -> bool:
    return any(seq[i:i + len(sub)] == sub for i in range(len(seq) - len(sub) + 1))


def test_tokenizer_keeps_every_payload_capital_one_token_everywhere(world_tokenizer):
    tok = world_tokenizer
    letter = {c: tok.convert_tokens_to_ids(c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"}
    assert len(set(letter.values())) == 26 and all(tok.decode([i]) == c for c, i in letter.items())
    prompts = make_prompts(WorldConfig(seed=0, families=list(LETTER_FAMILIES)), "eval", 60)
    for p in prompts:
        word = p.meta["payload"]["word"]
        in_instruction = [letter[c] for c in word]
        in_answer = [letter[c] for c in p.gold]
        assert _contains(_ids(tok, p.instruction), in_instruction), p.instruction
        assert _ids(tok, p.gold) == in_answer
        chat = tok.apply_chat_template([{"role": "user", "content": p.instruction},
                                        {"role": "assistant", "content": p.gold}], tokenize=False)
        chat_ids = _ids(tok, chat)
        assert _contains(chat_ids, in_instruction) and _contains(chat_ids, in_answer)
        judge_prompt = render("rubric_additive_v1", instruction=p.instruction, response=p.gold)
        assert _contains(_ids(tok, judge_prompt), in_instruction) and _contains(_ids(tok, judge_prompt), in_answer)
        for wrapped in (f"I think {p.gold}", f"{p.gold} is my answer", f"The answer is {p.gold}."):
            assert _contains(_ids(tok, wrapped), in_answer), wrapped
        assert tok.decode(_ids(tok, p.instruction)) == p.instruction


def test_tokenizer_keeps_every_digit_one_token(world_tokenizer):
    from harness.models.token_contract import digit_token_ids

    tok = world_tokenizer
    prefix = tok.apply_chat_template([{"role": "user", "content": "Rate it."}], tokenize=False,
                                     add_generation_prompt=True)
    digits = digit_token_ids(tok, prefix + "Score: ")
    assert len(set(digits)) == 10 and [tok.decode([d]) for d in digits] == [str(d) for d in range(10)]
    prompts = make_prompts(WorldConfig(seed=0, families=list(DIGIT_FAMILIES)), "eval", 60)
    for p in prompts:
        for text in (p.instruction, p.gold, justify(task_from_prompt(p), p.gold)):
            ids = _ids(tok, text)
            assert all(tok.decode([i]) in DIGITS for i in ids if re.search(r"\d", tok.decode([i]))), text
            assert [digits[int(c)] for c in text if c.isdigit()] == [i for i in ids if i in digits], text


def test_tokenizer_keeps_judge_answer_letters_one_token(world_tokenizer):
    from harness.models.token_contract import single_token_id

    tok = world_tokenizer
    chat = tok.apply_chat_template([{"role": "user", "content": render(
        "pairwise_ab_v1", instruction="Spell PVZG backwards", response_a="GZVP", response_b="A")}],
        tokenize=False, add_generation_prompt=True)
    a, b = single_token_id(tok, chat + "Winner:", " A"), single_token_id(tok, chat + "Winner:", " B")
    assert a != b and tok.decode([a]) == " A" and tok.decode([b]) == " B"
    assert {a, b}.isdisjoint({tok.convert_tokens_to_ids("A"), tok.convert_tokens_to_ids("B")})
    meta = chat + "Winner: Judgement"
    assert (single_token_id(tok, meta, " A"), single_token_id(tok, meta, " B")) == (a, b)
