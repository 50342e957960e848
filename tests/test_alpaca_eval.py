"""AlpacaEval scoring through alpaca_eval's own functions, offline: raw win rate agrees with the
harness's own count, a pure-length gain is not a win, and the gamed annotations that feed the
length-controlled GLM are built with the run's annotator, never downloaded."""

from __future__ import annotations

import random

import pytest

from harness.evaluation.alpaca import alpaca_eval_scores, concise_rewrite, gamed_annotations
from harness.evaluation.annotators import OracleAnnotator
from harness.evaluation.winrate import win_rate
from harness.world import WorldConfig, add_filler, make_prompts

PROMPTS = make_prompts(WorldConfig(seed=3), "eval", 60)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    from alpaca_eval.metrics import glm_winrate

    real = glm_winrate.hf_hub_download
    yield
    assert glm_winrate.hf_hub_download is real  # the patched loader is always put back


def test_raw_win_rate_matches_the_harness_count():
    outputs = [p.gold if i % 3 else "" for i, p in enumerate(PROMPTS)]
    scores = alpaca_eval_scores(PROMPTS, outputs, OracleAnnotator(), generator="m", seed=1)
    ours = win_rate(PROMPTS, outputs, OracleAnnotator(), seed=1, n_boot=100)
    assert scores["win_rate"] == pytest.approx(ours["win_rate"])
    assert scores["n"] == 60 and scores["n_wins"] + scores["n_wins_base"] + scores["n_draws"] == 60
    assert 0 <= scores["lc_win_rate"] <= 100 and scores["standard_error"] > 0


def test_pure_length_is_not_a_win_for_an_unbiased_annotator():
    rng = random.Random(0)
    padded = [add_filler(p.reference, rng, 3) for p in PROMPTS]  # the reference, only longer
    scores = alpaca_eval_scores(PROMPTS, padded, OracleAnnotator(), seed=0)
    assert scores["win_rate"] == 50.0 and scores["n_draws"] == 60
    assert scores["lc_win_rate"] == pytest.approx(50.0, abs=1.0)


def test_lc_is_absent_not_a_crash_when_no_output_differs_in_length_from_its_reference():
    # sorting keeps the length: the world's answers are often exactly as long as the references,
    # and alpaca_eval's GLM divides by the spread of the length differences
    same_length = [p.gold if len(p.gold) == len(p.reference) else p.reference for p in PROMPTS]
    assert all(len(o) == len(p.reference) for o, p in zip(same_length, PROMPTS))
    scores = alpaca_eval_scores(PROMPTS, same_length, OracleAnnotator(), seed=0)
    assert scores["lc_win_rate"] is None and scores["lc_standard_error"] is None
    assert 0 <= scores["win_rate"] <= 100 and scores["n"] == len(PROMPTS)


def test_gamed_annotations_use_the_given_annotator_on_these_instructions():
    class Counting(OracleAnnotator):
        calls = 0

        def prefer(self, prompts, outputs_1, outputs_2):
            Counting.calls += len(prompts)
            return super().prefer(prompts, outputs_1, outputs_2)

    df = gamed_annotations(PROMPTS, Counting(), seed=0)
    assert Counting.calls == 2 * 60 and len(df) == 120
    assert set(df["model"]) == {"gamed_verbose", "gamed_concise"} and not df["not_gamed_baseline"].any()
    assert sorted(set(df["index"])) == list(range(60))
    verbose = df[df["model"] == "gamed_verbose"]
    assert (verbose["preference"] == 0.5).all()  # filler never changes the oracle's verdict
    assert (verbose["std_delta_len"] < 0).all()  # the verbose rewrite is the longer one
    assert concise_rewrite("First part. Second part.") == "First part."
    assert concise_rewrite("one two three four") == "one two three four"
    assert concise_rewrite("42 Hope that clears it up!") == "42"


def test_model_annotator_reads_ab_logprobs_as_a_weighted_preference(tiny_policy):
    import math

    from harness.evaluation.annotators import ModelAnnotator

    annotator = ModelAnnotator(tiny_policy, batch_size=8)
    prompts = PROMPTS[:6]
    first, second = [p.gold for p in prompts], [p.reference for p in prompts]
    prefs = annotator.prefer(prompts, first, second)
    rows = annotator.judge.order_logprobs([p.instruction for p in prompts], first, second)
    for pref, (a, b) in zip(prefs, rows):
        assert 1 <= pref <= 2 and pref == pytest.approx(1 + math.exp(b) / (math.exp(a) + math.exp(b)))
    scores = alpaca_eval_scores(prompts, first, annotator, seed=0)
    assert scores["annotator"].startswith("model:") and scores["n"] == 6


def test_both_order_model_annotator_is_symmetric_and_averages_the_two_readings(tiny_policy):
    """Swapping the outputs mirrors a both-order preference exactly (1 + s <-> 2 - s), so the order
    they are shown in cannot matter; each preference is the Self-Judge average of the two orders."""
    import math

    from harness.evaluation.annotators import ModelAnnotator

    single, both = ModelAnnotator(tiny_policy, batch_size=8), ModelAnnotator(tiny_policy, batch_size=8, both_orders=True)
    prompts = PROMPTS[:6]
    first, second = [p.gold for p in prompts], [p.reference for p in prompts]
    forward, backward = both.prefer(prompts, first, second), both.prefer(prompts, second, first)
    assert forward == pytest.approx([3.0 - b for b in backward], abs=1e-12)

    def p_b(a, b):
        return math.exp(b) / (math.exp(a) + math.exp(b))

    shown = single.judge.order_logprobs([p.instruction for p in prompts], first, second)
    swapped = single.judge.order_logprobs([p.instruction for p in prompts], second, first)
    for pref, (a1, b1), (a2, b2) in zip(forward, shown, swapped):
        assert pref == pytest.approx(1 + (p_b(a1, b1) + (1 - p_b(a2, b2))) / 2)
    assert single.prefer(prompts, first, second) != pytest.approx([3.0 - b for b in single.prefer(prompts, second, first)])
    assert both.name == single.name + ":both_orders"
