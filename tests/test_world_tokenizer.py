"""Tests for the data provider's world records and the tokenizer trained on them."""

from __future__ import annotations

import re

import pytest

from harness.judges.parsing import parse_meta_verdict
from harness.judges.templates import render
from harness.world import (
    WorldConfig,
    justify,
    make_prompts,
    meta_judgment_examples,
    preference_pairs,
    task_from_prompt,
)
from world_cases import (
    DIGIT_FAMILIES,
    DIGITS,
    LETTER_FAMILIES,
    render_meta,
)

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
    judged = provider.pairwise_judgments_of(pairs, "pairwise_ab_v1")
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
