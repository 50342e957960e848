"""Measures what harness.planning.memory computes, on any device: the bytes of weights, gradients
and optimiser state after one real step, and the bytes autograd saves for the backward pass
(each storage counted once), so the memory plan is checked against tensors, not against itself."""

from __future__ import annotations

import torch

from ..training.optimiser import Optimiser
from .memory import Architecture, Setup


def build(arch: Architecture, s: Setup, device="cpu"):
    """A randomly initialised Llama of `arch` set up as `s` trains it."""
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(vocab_size=arch.vocab, hidden_size=arch.hidden, intermediate_size=arch.intermediate,
                         num_hidden_layers=arch.layers, num_attention_heads=arch.heads,
                         num_key_value_heads=arch.kv_heads, tie_word_embeddings=arch.tied,
                         max_position_embeddings=max(s.max_length, 64))
    with torch.device(device):  # built where it lives ("meta": shapes only, no memory)
        model = LlamaForCausalLM(config).to(dtype=getattr(torch, s.weights))
    if s.lora_rank:
        from peft import LoraConfig, get_peft_model

        from ..models.policy import peft_targets

        model = get_peft_model(model, LoraConfig(r=s.lora_rank, lora_alpha=2 * s.lora_rank,
                                                 target_modules=peft_targets(s.lora_targets)))
    if s.gradient_checkpointing:
        model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    return model.train()


def _bytes(tensors) -> int:
    return sum(t.numel() * t.element_size() for t in tensors)


def measure(model, s: Setup) -> dict[str, int]:
    """One forward/backward/step on random tokens: bytes by component, as training_phase names them."""
    from ..training.logps import sequence_logps

    device = next(model.parameters()).device
    ids = torch.randint(0, model.config.vocab_size, (s.sequences, s.max_length), device=device)
    saved: dict[int, int] = {}
    weights = {p.untyped_storage().data_ptr() for p in model.parameters()}  # a layer saves its weight: not new memory

    def pack(t):
        storage = t.untyped_storage()
        if storage.data_ptr() not in weights:
            saved[storage.data_ptr()] = max(saved.get(storage.data_ptr(), 0), storage.nbytes())
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        logits = model(input_ids=ids).logits[:, :-1]
        logps, _ = sequence_logps(logits, ids[:, 1:], torch.ones_like(ids[:, 1:]))  # the DAA losses' log-probs
        loss = -logps.mean()
    loss.backward()
    # recomputed layers (gradient checkpointing) save again during backward; one layer at a time
    trained = [p for p in model.parameters() if p.requires_grad]
    optimiser = Optimiser(trained, _train_knobs(s))
    optimiser.step()
    state = [t for st in optimiser.optimizer.state.values() for t in st.values() if torch.is_tensor(t) and t.dim() > 0]
    return {
        "weights": _bytes(dict((id(p), p) for p in model.parameters()).values()),
        "gradients": _bytes([p.grad for p in trained if p.grad is not None]
                            + [m.grad for m in optimiser.master or [] if m.grad is not None]),
        "optimizer state": _bytes(state),
        "fp32 master": _bytes(optimiser.master or []),
        "saved for backward": sum(saved.values()),
    }


def _train_knobs(s: Setup):
    from ..config import TrainConfig

    return TrainConfig(optimizer=s.optimizer, fp32_master=s.fp32_master)
