"""HF transformers backend: batched `generate` over length-sorted prompts, n samples per prompt.

Runs on the policy's in-memory network, so `sync_weights` only has to point at the current
module (after a LoRA merge the module object changes). `model=` pins another network with the
policy's tokenizer and chat format: a frozen judge (the JSFT model) read while the policy trains.
"""

from __future__ import annotations

import logging

import torch

from ..progress import bar as progress_bar
from .base import Completion, SamplingParams

log = logging.getLogger("selfalign")


class HFSampler:
    """max_length: the context. A prompt longer than it (less the tokens to generate) keeps its
    last tokens (the end of the instruction and the assistant header) and is counted in
    `truncated_prompts`; without it a single huge instruction would allocate without bound."""

    def __init__(self, policy, batch_size: int = 64, progress: bool = True, model=None, max_length: int | None = None):
        self.policy = policy
        self.max_length = max_length
        self.truncated_prompts = 0
        self._pinned_model = model
        self.batch_size = batch_size
        self.progress = progress
        self.tokens_generated = 0
        self.calls = 0

    def sync_weights(self, policy) -> None:
        self.policy = policy

    def stats(self) -> dict:
        return {"truncated_prompts": self.truncated_prompts}

    @property
    def model(self):
        return self._pinned_model if self._pinned_model is not None else self.policy.model

    @property
    def _tok(self):
        return self.policy.tokenizer

    def _limit(self, reserve: int = 0) -> int | None:
        return None if self.max_length is None else max(1, self.max_length - reserve)

    def _encode(self, texts: list[str], limit: int | None = None):
        tok = self._tok
        side = tok.truncation_side
        tok.truncation_side = "left"  # keep the end: the instruction's last part and the assistant header
        try:
            enc = tok(texts, add_special_tokens=False, padding=True, return_tensors="pt",
                      truncation=limit is not None, max_length=limit)
        finally:
            tok.truncation_side = side
        return enc.to(self.policy.device)

    def _length_sorted(self, prompts: list[str], limit: int | None = None, suffix: str = ""):
        formatted = [self.policy.chat_prompt(p) + suffix for p in prompts]
        lengths = [len(self._tok(f, add_special_tokens=False)["input_ids"]) for f in formatted]
        over = sum(n > limit for n in lengths) if limit is not None else 0
        if over:
            log.warning("%d of %d prompts exceed %d tokens (model.max_length less the tokens to generate): each keeps "
                        "its last %d tokens", over, len(prompts), limit, limit)
            self.truncated_prompts += over
        return formatted, sorted(range(len(prompts)), key=lambda i: lengths[i])

    @torch.no_grad()
    def generate(self, prompts: list[str], params: SamplingParams, desc: str = "sampling") -> list[list[Completion]]:
        params.validate()
        limit = self._limit(params.max_new_tokens)
        formatted, order = self._length_sorted(prompts, limit)
        results: list[list[Completion]] = [[] for _ in prompts]
        per_batch = max(1, self.batch_size // params.n)
        stops = self.policy.stop_token_ids()
        model = self.model
        bar = progress_bar(len(prompts), desc, self.progress)
        for b, start in enumerate(range(0, len(order), per_batch)):
            idx = order[start : start + per_batch]
            enc = self._encode([formatted[i] for i in idx], limit)
            # Seed per batch so a batch's samples do not depend on what was sampled before it.
            torch.manual_seed(params.seed * 100_003 + b)
            sample = params.temperature > 0
            out = model.generate(
                **enc, do_sample=sample, temperature=params.temperature if sample else None,
                top_p=params.top_p if sample else None, top_k=0 if sample else None,
                max_new_tokens=params.max_new_tokens, num_return_sequences=params.n,
                pad_token_id=self._tok.pad_token_id, eos_token_id=stops,
            )
            new = out[:, enc["input_ids"].shape[1]:]
            for row in range(new.shape[0]):
                tokens = new[row].tolist()
                finish = "length"
                for j, t in enumerate(tokens):
                    if t in stops:
                        tokens, finish = tokens[:j], "stop"
                        break
                text = self._tok.decode(tokens, skip_special_tokens=True).strip()
                results[idx[row // params.n]].append(Completion(text, len(tokens) + (finish == "stop"), finish))
                self.tokens_generated += len(tokens) + (finish == "stop")
            bar.update(len(idx))
        bar.close()
        self.calls += len(prompts) * params.n
        return results

    @torch.no_grad()
    def next_token_logprobs(self, prompts: list[str], token_ids: list[int], prefix: str = "") -> list[list[float]]:
        limit = self._limit()
        formatted, order = self._length_sorted(prompts, limit, suffix=prefix)
        rows: list[list[float]] = [[] for _ in prompts]
        for start in range(0, len(order), self.batch_size):
            idx = order[start : start + self.batch_size]
            enc = self._encode([formatted[i] for i in idx], limit)
            # Left padding: positions must count real tokens only, and the last column is the
            # next-token distribution for every row.
            positions = (enc["attention_mask"].cumsum(-1) - 1).clamp(min=0)
            logits = self.model(**enc, position_ids=positions).logits[:, -1].float()
            logps = torch.log_softmax(logits, dim=-1)[:, token_ids]
            for r, i in enumerate(idx):
                rows[i] = logps[r].tolist()
        self.calls += len(prompts)
        return rows

    @torch.no_grad()
    def logprobs(self, prompts: list[str], continuations: list[str]) -> list[float]:
        from ..training.batching import ordered_batches, pad_batch
        from ..training.logps import sequence_logps

        seqs = [self.policy.encode_example(p, c, 10**9) for p, c in zip(prompts, continuations)]
        out = [0.0] * len(seqs)
        for idx in ordered_batches([len(s[0]) for s in seqs], self.batch_size):
            ids, labels, att = pad_batch([seqs[i][0] for i in idx], [seqs[i][1] for i in idx],
                                         self._tok.pad_token_id, self.policy.device)
            logits = self.model(input_ids=ids, attention_mask=att).logits[:, :-1]
            target = labels[:, 1:]
            logps, _ = sequence_logps(logits, target, (target != -100).long(), normalise="sum")
            for r, i in enumerate(idx):
                out[i] = float(logps[r])
        self.calls += len(seqs)
        return out
