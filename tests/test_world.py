"""Tests for the embedded verifiable world (families, filler, oracle, generators)."""

from __future__ import annotations

import json
import math
import random
import re

import pytest

from harness.errors import ConfigError, DataError
from harness.records import PromptRecord
from harness.world import (
    FAMILIES,
    FAMILY_NAMES,
    FILLER_SENTENCES,
    Task,
    WorldConfig,
    add_filler,
    corpus_texts,
    eft_cases,
    eft_examples,
    ift_examples,
    judge_test_pairs,
    justify,
    levenshtein,
    make_prompts,
    oracle_prefers,
    oracle_quality,
    preference_pairs,
    rubric_for,
    rubric_points,
    similarity,
    strip_filler,
)


def render(instruction: str, response: str) -> str:
    return f"Judge this.\nQ: {instruction}\nA: {response}"


def _everything(cfg: WorldConfig, n: int = 60) -> list:
    return [
        make_prompts(cfg, "train", n), make_prompts(cfg, "eval", n), ift_examples(cfg, n),
        eft_examples(cfg, n, render), preference_pairs(cfg, n), judge_test_pairs(cfg, n),
        corpus_texts(cfg, n),
    ]


def _tasks(name: str, n: int, seed: int = 0) -> list[Task]:
    rng = random.Random(seed)
    return [FAMILIES[name].make(rng) for _ in range(n)]


def test_at_least_six_families():
    assert len(FAMILY_NAMES) >= 6
    assert {"add", "subtract", "sort", "reverse", "upper"} <= set(FAMILY_NAMES)


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
    evaluation = {p.instruction for p in make_prompts(cfg, "eval", 800)}
    judge = {p.prompt for p in judge_test_pairs(cfg, 800)}
    assert len(evaluation) > 400 and len(judge) > 400
    assert not train & evaluation
    assert not train & judge
    assert not evaluation & judge


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_gold_grades_one_with_or_without_filler(name):
    family, rng = FAMILIES[name], random.Random(1)
    for task in _tasks(name, 60):
        assert family.grade(task.gold, task) == 1.0
        assert family.grade(f"  {task.gold}.  ", task) == 1.0
        for n in (1, 2, 3):
            assert family.grade(add_filler(task.gold, rng, n), task) == 1.0
        assert family.has_right_form(task.gold, task)


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_perturbations_are_wrong_with_a_spread_of_quality(name):
    family, rng = FAMILIES[name], random.Random(2)
    qualities = [family.grade(family.perturb(t, rng), t) for t in _tasks(name, 300)]
    assert max(qualities) < 1.0
    assert min(qualities) <= 0.3  # far misses
    assert max(qualities) >= 0.7  # near misses
    assert len({round(q, 3) for q in qualities}) >= 5


def test_tasks_are_short():
    for name in FAMILY_NAMES:
        for task in _tasks(name, 100):
            assert 5 <= len(task.instruction.split()) <= 15, task.instruction
            assert 1 <= len(task.gold.split()) <= 8, task.gold
            json.dumps(task.payload)


def test_numeric_grading_on_hand_examples():
    task = Task("add", "What is 37 plus 45?", "82", {"a": 37, "b": 45})
    grade = FAMILIES["add"].grade
    assert FAMILIES["add"].solve(task.payload) == "82"
    assert grade("82", task) == 1.0
    assert grade("83", task) == pytest.approx(0.72)
    assert grade("81.", task) == pytest.approx(0.72)
    assert grade("85", task) == pytest.approx(0.56)
    assert grade("The answer is 82", task) == pytest.approx(0.8)
    assert grade("92", task) == 0.0
    assert grade("eighty two", task) == 0.05
    assert grade("", task) == 0.0
    assert grade("Hope that clears it up! 82", task) == 1.0
    sub = Task("subtract", "What is 50 minus 8?", "42", {"a": 50, "b": 8})
    assert FAMILIES["subtract"].grade("40", sub) == pytest.approx(0.64)


def test_sort_partial_credit_on_hand_examples():
    family = FAMILIES["sort"]
    task = Task("sort", "Sort in ascending order: 7 3 12 5", "3 5 7 12", {"numbers": [7, 3, 12, 5]})
    assert family.solve(task.payload) == "3 5 7 12"
    assert family.grade("3 5 7 12.", task) == 1.0
    assert family.grade("3 7 5 12", task) == pytest.approx(0.45)  # same numbers, half in place
    assert family.grade("3 5 7", task) == pytest.approx(0.375)  # lost a number
    assert family.grade("3, 5, 7, 12", task) == pytest.approx(0.9)  # separators off
    assert family.grade("12 7 5 3", task) == 0.0
    assert family.grade("no numbers here", task) == 0.0
    assert family.has_right_form("3, 5, 7, 12", task)
    assert not family.has_right_form("Sorted: 3 5 7 12", task)


def test_levenshtein_and_string_grading():
    assert levenshtein("kitten", "sitting") == 3
    assert levenshtein("flaw", "lawn") == 2
    assert levenshtein("", "abc") == 3
    assert levenshtein("abc", "abc") == 0
    assert levenshtein("abc", "") == 3
    assert similarity("", "") == 1.0
    rev = Task("reverse", "Reverse the letters of: planet", "tenalp", {"word": "planet"})
    assert FAMILIES["reverse"].grade("tenlap", rev) == pytest.approx(1 - 2 / 6, abs=1e-6)
    assert FAMILIES["reverse"].grade("", rev) == 0.0
    up = Task("upper", "Write in capital letters: green apple", "GREEN APPLE",
              {"text": "green apple"})
    assert FAMILIES["upper"].grade("GREEN APPLE!", up) == 1.0
    assert FAMILIES["upper"].grade("green apple", up) == pytest.approx(1 - 10 / 11, abs=1e-6)


def test_filler_is_stripped_exactly():
    for s in FILLER_SENTENCES:
        assert not re.search(r"\d", s)
        assert not any(s in other for other in FILLER_SENTENCES if other != s)
    rng = random.Random(0)
    for answer in ("82", "3 5 7 12", "tenalp", "GREEN APPLE"):
        for n in range(4):
            padded = add_filler(answer, rng, n)
            assert strip_filler(padded) == answer
            assert len(padded) > len(answer) or n == 0
    assert strip_filler(" ".join(FILLER_SENTENCES)) == ""


def test_rubric_points_and_justification():
    assert rubric_points(0.0, False, False) == 0
    assert rubric_points(0.05, True, False) == 1
    assert rubric_points(0.4, True, True) == 2
    assert rubric_points(0.72, True, True) == 3
    assert rubric_points(0.8, True, False) == 3
    assert rubric_points(0.9, True, True) == 4
    assert rubric_points(1.0, True, True) == 5
    task = Task("add", "What is 37 plus 45?", "82", {"a": 37, "b": 45})
    review = justify(task, "83", 0.72)
    assert "82" in review and review.endswith("Score: 3") and len(review.split()) <= 30
    assert justify(task, "", 0.0).endswith("Score: 0")


def test_eft_covers_every_score_and_reviews_match_rubric():
    cfg = WorldConfig(seed=5)
    cases = eft_cases(cfg, 600)
    seen = set()
    for task, response, review in cases:
        match = re.search(r"Score: (\d)$", review)
        assert match, review
        k = int(match.group(1))
        assert k == rubric_for(task, response)[1]
        assert len(review.split()) <= 30
        seen.add(k)
    assert seen == {0, 1, 2, 3, 4, 5}
    examples = eft_examples(cfg, 600, render)
    assert all(e.kind == "eft" for e in examples)
    assert [e.response for e in examples] == [review for _, _, review in cases]
    assert examples[0].prompt == render(cases[0][0].instruction, cases[0][1])


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


def test_config_errors():
    for bad in ({"verbosity": 1.5}, {"verbosity": -0.1}, {"label_noise": 0.6},
                {"reference_accuracy": 2.0}, {"verbosity": "high"}, {"seed": "x"},
                {"families": []}):
        with pytest.raises(ConfigError):
            WorldConfig(**bad)
    with pytest.raises(ConfigError, match="subtract"):
        WorldConfig(families=["add", "divide"])
    cfg = WorldConfig()
    cfg.label_noise = 0.9
    with pytest.raises(ConfigError, match="label_noise"):
        cfg.validate()
    with pytest.raises(ConfigError):
        make_prompts(WorldConfig(), "eval", -1)


def test_oracle_on_prompts():
    prompt = make_prompts(WorldConfig(seed=0, families=["add"]), "eval", 1)[0]
    assert prompt.id == "eval-0" and prompt.meta["family"] == "add"
    row = json.loads(json.dumps(prompt.to_dict()))
    prompt = PromptRecord.from_dict(row)
    gold = prompt.gold
    near = str(int(gold) + 1)
    assert oracle_quality(prompt, gold) == 1.0
    assert oracle_quality(prompt, add_filler(gold, random.Random(0), 2)) == 1.0
    assert oracle_quality(prompt, near) == pytest.approx(0.72)
    assert oracle_prefers(prompt, gold, near) == 1.0
    assert oracle_prefers(prompt, near, gold) == 2.0
    assert oracle_prefers(prompt, gold, gold + " Happy to help with this.") == 1.5
    assert oracle_prefers(prompt, "", "no idea") == 2.0
    with pytest.raises(DataError, match="world task"):
        oracle_quality(PromptRecord(id="x", instruction="Say hi"), "hi")
    with pytest.raises(DataError):
        oracle_quality(PromptRecord(id="y", instruction="?", meta={"family": "add",
                                                                  "payload": {"a": 1}}), "1")


def test_family_subset_and_corpus():
    cfg = WorldConfig(seed=0, families=["sort", "reverse"])
    assert {p.family for p in make_prompts(cfg, "train", 40)} == {"sort", "reverse"}
    texts = corpus_texts(WorldConfig(seed=0), 120)
    assert len(texts) == 120 and all(isinstance(t, str) and t for t in texts)
    assert any("Score:" in t for t in texts)
