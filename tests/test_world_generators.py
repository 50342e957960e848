"""Tests for the embedded world's generators: splits, knobs, the oracle and the corpus."""

from __future__ import annotations

import json
import math
import random

import pytest

from harness.errors import ConfigError, DataError
from harness.records import PromptRecord
from harness.world.families import DEFAULT_FAMILIES
from harness.world import (
    FAMILY_NAMES,
    WorldConfig,
    add_filler,
    corpus_texts,
    eft_cases,
    ift_examples,
    judge_test_pairs,
    judgment_test_pairs,
    make_prompts,
    meta_judgment_examples,
    oracle_prefers,
    oracle_quality,
    preference_pairs,
    review,
    strip_filler,
    task_from_prompt,
)
from harness.world.generators import IFT_WRAP
from world_cases import (
    REVIEW_PATTERN,
    generate_everything,
)

# -- generators --------------------------------------------------------------------------------

def test_generators_are_deterministic_and_seed_dependent():
    same_a, same_b = generate_everything(WorldConfig(seed=3)), generate_everything(WorldConfig(seed=3))
    other = generate_everything(WorldConfig(seed=4))
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
    assert WorldConfig().families == list(DEFAULT_FAMILIES)  # the default is written out (run identity shows it)
    assert WorldConfig(families=[]).family_names == list(DEFAULT_FAMILIES)  # [] means the default too
    assert set(DEFAULT_FAMILIES) < set(FAMILY_NAMES)  # the other families are opt-in
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
    assert all(REVIEW_PATTERN.fullmatch(texts[i].split("\n")[-1]) for i in range(2, 120, 5))  # a mistake and its review
    assert all(strip_filler(texts[i]) == "" for i in range(4, 120, 5))  # filler on its own


