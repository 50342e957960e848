"""A prompt longer than the context keeps its last tokens and is counted, instead of being
allocated whole (a 1 MB instruction once asked for gigabytes at sampling); prompts that fit are
untouched."""

from __future__ import annotations

from harness.sampling.base import SamplingParams
from harness.sampling.hf import HFSampler

GREEDY = SamplingParams(n=1, temperature=0.0, max_new_tokens=6)


def test_an_overlong_prompt_is_cut_to_the_context_and_counted(tiny_policy):
    sampler = HFSampler(tiny_policy, progress=False, max_length=96)
    huge = "What is 3 plus 4? " * 20_000 + "What is 2 plus 2?"  # ~360 k characters
    (out,) = sampler.generate([huge], GREEDY)
    assert sampler.truncated_prompts == 1 and out[0].n_tokens <= 6
    kept = sampler._encode([tiny_policy.chat_prompt(huge)], sampler._limit(GREEDY.max_new_tokens))["input_ids"][0]
    assert len(kept) == 90  # 96 less the 6 tokens to generate; the end (the last question, the header) is kept
    assert tiny_policy.tokenizer.decode(kept[-20:]).endswith(tiny_policy.chat_prompt("2 plus 2?")[-20:])
    assert sampler.stats() == {"truncated_prompts": 1}


def test_prompts_that_fit_are_untouched(tiny_policy):
    limited, free = HFSampler(tiny_policy, progress=False, max_length=512), HFSampler(tiny_policy, progress=False)
    prompts = ["What is 2 plus 2?", "Name a colour."]
    assert [c[0].text for c in limited.generate(prompts, GREEDY)] == [c[0].text for c in free.generate(prompts, GREEDY)]
    assert limited.next_token_logprobs(prompts, [5, 6]) == free.next_token_logprobs(prompts, [5, 6])
    assert limited.truncated_prompts == 0
