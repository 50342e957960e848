"""Property-based tests (hypothesis) of the pure pieces every method's numbers pass through: the
judge-output parsers, expected-digit scoring, the max/min pair rule and the record round-trips.
EXAMPLES inputs per property; a fixed derandomised seed keeps CI reproducible."""

from __future__ import annotations

import json
import math

from hypothesis import given, settings
from hypothesis import strategies as st

from harness.judges.digit import expected_digit
from harness.judges.parsing import parse_meta_verdict, parse_score
from harness.pairs import max_min_pairs
from harness.records import Judgment, LabelledPair, PreferencePair, PromptRecord, Sample, SFTExample

EXAMPLES = 300
PROPERTY = settings(max_examples=EXAMPLES, derandomize=True, deadline=None)

# text that cannot itself contain a verdict: no colon, so no "score:" / "winner:" inside it
plain = st.text(st.characters(blacklist_characters=":", blacklist_categories=("Cs",)), max_size=80)
scores = st.integers(0, 10).map(lambda k: k / 2)  # 0, 0.5, ..., 5


@PROPERTY
@given(plain)
def test_text_without_a_score_parses_to_none(text):
    assert parse_score(text) is None


@PROPERTY
@given(plain, scores, plain, st.sampled_from(["Score", "score", "SCORE", "Points"]))
def test_the_last_score_counts(before, value, between, word):
    text = f"{before} Score: 1 {between} {word}: {value:g}"
    assert parse_score(text) == value


@PROPERTY
@given(plain, st.floats(5.01, 1e6, allow_nan=False) | st.floats(-1e6, -0.01, allow_nan=False))
def test_an_out_of_range_score_is_no_score(text, value):
    assert parse_score(f"{text} Score: {value:.2f}") is None


@PROPERTY
@given(plain, st.sampled_from("ABab"), st.sampled_from(["Judgement", "judgment", "JUDGEMENT"]), plain)
def test_the_last_meta_verdict_counts_in_either_spelling(before, letter, word, after):
    text = f"{before} Winner: Judgement {'B' if letter in 'Aa' else 'A'} {after} winner: {word} {letter}"
    assert parse_meta_verdict(text) == (1 if letter in "Aa" else 2)


@PROPERTY
@given(plain)
def test_no_meta_verdict_is_none(text):
    assert parse_meta_verdict(text) is None


logprobs = st.lists(st.floats(-50, 0, allow_nan=False), min_size=10, max_size=10)


@PROPERTY
@given(logprobs, st.floats(-100, 100, allow_nan=False))
def test_expected_digit_is_a_mean_digit_and_ignores_a_shared_offset(lps, shift):
    value = expected_digit(lps)
    assert 0 <= value <= 9
    assert math.isclose(value, expected_digit([lp + shift for lp in lps]), rel_tol=1e-9, abs_tol=1e-9)


@PROPERTY
@given(st.integers(0, 9))
def test_a_certain_digit_is_its_own_expectation(d):
    assert math.isclose(expected_digit([0.0 if i == d else -1e4 for i in range(10)]), d)


@st.composite
def judged_prompts(draw):
    n_prompts = draw(st.integers(1, 6))
    prompts = [PromptRecord(id=f"p{i}", instruction=f"q{i}") for i in range(n_prompts)]
    samples, judgments = [], []
    for p in prompts:
        for k in range(draw(st.integers(0, 5))):
            samples.append(Sample(p.id, k, f"{p.id}-answer-{k}", 3, "stop"))
            judgments.append(Judgment(p.id, k, draw(st.none() | scores)))
    return prompts, samples, judgments, draw(st.integers(1, 3))


@PROPERTY
@given(judged_prompts())
def test_max_min_pairs_keep_the_best_over_the_worst_and_account_for_every_prompt(case):
    prompts, samples, judgments, min_valid = case
    pairs, stats = max_min_pairs(prompts, samples, judgments, min_valid)
    assert stats["pairs_kept"] + stats["dropped_tie"] + stats["dropped_invalid"] == len(prompts)
    by_prompt = {}
    for j in judgments:
        if j.score is not None:
            by_prompt.setdefault(j.prompt_id, []).append(j.score)
    for pair in pairs:
        valid = by_prompt[pair.prompt_id]
        assert len(valid) >= min_valid
        assert pair.chosen_score == max(valid) > min(valid) == pair.rejected_score
        assert pair.chosen != pair.rejected


text = st.text(max_size=40)
records = st.one_of(
    st.builds(PromptRecord, id=text, instruction=text, family=text, reference=st.none() | text, gold=st.none() | text),
    st.builds(SFTExample, prompt=text, response=text, kind=st.sampled_from(["ift", "eft"])),
    st.builds(Sample, prompt_id=text, index=st.integers(0, 100), text=text, n_tokens=st.integers(0, 10**6),
              finish_reason=st.sampled_from(["stop", "length"])),
    st.builds(Judgment, prompt_id=text, index=st.integers(0, 100), score=st.none() | scores,
              raw=st.lists(text, max_size=3), valid_scores=st.lists(scores, max_size=3)),
    st.builds(PreferencePair, prompt_id=text, prompt=text, chosen=text, rejected=text,
              chosen_score=st.none() | scores, rejected_score=st.none() | scores),
    st.builds(LabelledPair, prompt_id=text, prompt=text, response_a=text, response_b=text, label=st.integers(0, 1)),
)


@PROPERTY
@given(records)
def test_records_survive_the_jsonl_round_trip(record):
    line = json.dumps(record.to_dict(), sort_keys=True)  # as atomic_write_jsonl writes a row
    assert type(record).from_dict(json.loads(line)) == record
