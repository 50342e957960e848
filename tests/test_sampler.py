"""The HF sampler: n samples per prompt, finish reasons, token counts, seeding, log-probs."""

from __future__ import annotations

import torch

from harness.sampling.base import SamplingParams
from harness.sampling.hf import HFSampler

PROMPTS = ["What is 12 plus 30?", "Sort in ascending order: 9 2 5 7", "Reverse the letters of: garden"]


def test_n_samples_per_prompt_with_counts(tiny_policy):
    s = HFSampler(tiny_policy, batch_size=8, progress=False)
    out = s.generate(PROMPTS, SamplingParams(n=3, temperature=1.0, max_new_tokens=6, seed=1))
    assert [len(o) for o in out] == [3, 3, 3]
    for comps in out:
        for c in comps:
            assert c.finish_reason in ("stop", "length")
            assert 1 <= c.n_tokens <= 6
            if c.finish_reason == "length":
                assert c.n_tokens == 6
    assert s.tokens_generated == sum(c.n_tokens for o in out for c in o)
    assert s.calls == 9


def test_same_seed_same_samples_and_batch_size_free_greedy(tiny_policy):
    s = HFSampler(tiny_policy, batch_size=8, progress=False)
    p = SamplingParams(n=2, temperature=1.0, max_new_tokens=8, seed=7)
    a = [[c.text for c in o] for o in s.generate(PROMPTS, p)]
    b = [[c.text for c in o] for o in s.generate(PROMPTS, p)]
    assert a == b
    greedy = SamplingParams(n=1, temperature=0.0, max_new_tokens=8)
    one_by_one = [HFSampler(tiny_policy, batch_size=1, progress=False).generate([q], greedy)[0][0].text for q in PROMPTS]
    batched = [o[0].text for o in s.generate(PROMPTS, greedy)]
    assert one_by_one == batched  # left padding does not change greedy outputs


@torch.no_grad()
def test_next_token_logprobs_match_an_unpadded_forward(tiny_policy):
    s = HFSampler(tiny_policy, batch_size=8, progress=False)
    ids = [tiny_policy.tokenizer.convert_tokens_to_ids(t) for t in ("0", "1", "2")]
    ids = [tiny_policy.tokenizer(str(d), add_special_tokens=False)["input_ids"][0] for d in range(3)]
    rows = s.next_token_logprobs(PROMPTS, ids)
    for prompt, row in zip(PROMPTS, rows):
        enc = tiny_policy.tokenizer(tiny_policy.chat_prompt(prompt), add_special_tokens=False, return_tensors="pt")
        logp = torch.log_softmax(tiny_policy.model(**enc).logits[0, -1], -1)[ids]
        assert torch.allclose(torch.tensor(row), logp, atol=1e-4)


@torch.no_grad()
def test_logprobs_of_continuations(tiny_policy):
    s = HFSampler(tiny_policy, batch_size=8, progress=False)
    got = s.logprobs(PROMPTS[:2], ["42", "2 5 7 9"])
    tok = tiny_policy.tokenizer
    for prompt, cont, value in zip(PROMPTS[:2], ["42", "2 5 7 9"], got):
        prompt_ids = tok(tiny_policy.chat_prompt(prompt), add_special_tokens=False)["input_ids"]
        answer = tok(cont, add_special_tokens=False)["input_ids"] + [tok.eos_token_id]
        logits = tiny_policy.model(torch.tensor([prompt_ids + answer])).logits[0]
        logp = torch.log_softmax(logits, -1)
        expected = sum(float(logp[len(prompt_ids) - 1 + i, t]) for i, t in enumerate(answer))
        assert abs(value - expected) < 1e-3
