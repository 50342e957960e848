"""Tests for the embedded world's reviews and judgment pairs (the meta-judge's data)."""

from __future__ import annotations

import json
import random
import re

import pytest

from harness.judges.parsing import parse_meta_verdict, parse_score
from harness.world import (
    CHECKS,
    FAMILIES,
    FAMILY_NAMES,
    WorldConfig,
    eft_cases,
    eft_examples,
    judgment_test_pairs,
    justify,
    meta_judgment_examples,
    pool_of,
    review,
    rubric_checks,
    rubric_for,
    strip_filler,
)
from harness.world.generators import IFT_WRAP, TRAIN_POOL, judgment_pair
from world_cases import (
    candidate_answers,
    hand_task,
    parse_review,
    render_judge,
    render_meta,
    tasks_of,
)

# -- reviews ---------------------------------------------------------------------------------

def test_review_format():
    assert review(3) == "reply yes, form yes, size yes, items no. Score: 3"
    assert review(0) == "reply no. Score: 0"
    assert review(1) == "reply yes, form no. Score: 1"
    assert review(5) == "reply yes, form yes, size yes, items yes, exact yes. Score: 5"
    task = hand_task("alpha", {"word": "PVZG"})
    assert justify(task, "GPZV") == "reply yes, form yes, size yes, items yes, exact no. Score: 4"
    assert justify(task, "") == review(0)
    for k in range(6):
        said, score = parse_review(review(k))
        assert score == k and parse_score(review(k)) == k
        assert [name for name, _ in said] == list(CHECKS[:min(k + 1, 5)])
        assert [ok for _, ok in said] == [True] * k + ([False] if k < 5 else [])


@pytest.mark.parametrize("name", FAMILY_NAMES)
def test_reviews_never_restate_the_answer_and_end_in_a_parseable_score(name):
    rng = random.Random(5)
    for task in tasks_of(name, 60):
        for answer in candidate_answers(task, rng, 4):
            text, points = justify(task, answer), rubric_for(task, answer)[1]
            said, score = parse_review(text)
            assert score == points == parse_score(text)
            assert [ok for _, ok in said] == rubric_checks(task, answer)[:len(said)]
            # the only capital is Score's S and the only digit is the score: no answer symbol
            assert re.findall(r"[A-Z]", text) == ["S"]
            assert re.findall(r"\d", text) == [str(points)]


# The rarest score's minimum share of the EFT reviews. In the default world most answers are one
# symbol, and a wrong one symbol has the right size, so "size no" (score 2) is rare there (about
# 3%); the list-answer families give every score at least 5%.
@pytest.mark.parametrize("families, rarest", [([], 0.02), (["sort", "descend", "unique", "alpha", "second"], 0.05)])
def test_eft_covers_every_score_and_reviews_match_rubric(families, rarest):
    cfg = WorldConfig(seed=5, families=families)
    cases = eft_cases(cfg, 1200)
    scores, padded = [], []
    for task, response, text in cases:
        k = parse_review(text)[1]
        assert k == rubric_for(task, response)[1] == parse_score(text)
        assert text == justify(task, response)
        if response.startswith(IFT_WRAP.format("")):  # the seed data's format noise: "form no"
            assert text == "reply yes, form no. Score: 1"
            continue
        scores.append(k)
        padded.append(strip_filler(response) != response)
    # at ift_wrap_rate (0.4), like the IFT data, on top of the few form-breaking perturbations
    # that happen to use the same wrap; without it: the same problems and responses, unwrapped
    clean = eft_cases(WorldConfig(seed=5, families=families, ift_wrap_rate=0.0), 1200)
    assert [t for t, _, _ in clean] == [t for t, _, _ in cases]
    assert all(r == c or r == IFT_WRAP.format(c) for (_, r, _), (_, c, _) in zip(cases, clean))
    added = sum(r != c for (_, r, _), (_, c, _) in zip(cases, clean))
    assert 0.3 < added / len(cases) < 0.5
    assert set(scores) == {0, 1, 2, 3, 4, 5}
    assert all(scores.count(k) > rarest * len(scores) for k in range(6))
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
        for task in tasks_of(name, 100):
            response = task.gold if rng.random() < 0.3 else FAMILIES[name].perturb(task, rng)
            right, wrong = judgment_pair(task, response, rng)
            points = rubric_for(task, response)[1]
            assert right == justify(task, response) == review(points)
            k = parse_review(wrong)[1]
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


