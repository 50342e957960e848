"""The memory knobs for real models, checked on CPU for what they promise: the same numbers for
less memory (gradient checkpointing, the freed reference), or training that half precision alone
would lose (the fp32 master copy), or a smaller optimiser state (8-bit AdamW)."""

from __future__ import annotations

import copy

import pytest
import torch
from transformers import LlamaConfig, LlamaForCausalLM

from harness.config import LoraConfig, TrainConfig
from harness.errors import ConfigError
from harness.models.policy import Policy
from harness.records import PreferencePair
from harness.training import daa as daa_module
from harness.training.daa_config import DAAConfig
from harness.training.optimiser import Optimiser, check_optimiser
from harness.training.steps import run_loop


def _llama(seed: int = 0, dtype=torch.float32, width: int = 32) -> LlamaForCausalLM:
    torch.manual_seed(seed)
    return LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=width, intermediate_size=2 * width, num_hidden_layers=3,
                                        num_attention_heads=2, num_key_value_heads=2,
                                        max_position_embeddings=64)).to(dtype)


def _lm_loss(model, ids):
    return model(input_ids=ids, labels=ids).loss


def _saved_bytes(model, ids) -> tuple[int, torch.Tensor]:
    """Bytes autograd keeps for the backward pass of one forward (measured, not estimated)."""
    seen: dict[int, int] = {}

    def pack(t):
        seen[id(t)] = t.numel() * t.element_size()
        return t

    with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):
        loss = _lm_loss(model, ids)
    loss.backward()
    grads = torch.cat([p.grad.flatten() for p in model.parameters()])
    return sum(seen.values()), grads


def test_gradient_checkpointing_keeps_the_gradients_and_saves_activation_memory():
    ids = torch.randint(0, 64, (4, 48))
    plain, checkpointed = _llama(), _llama()
    checkpointed.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
    plain.train(), checkpointed.train()
    kept_plain, grads_plain = _saved_bytes(plain, ids)
    kept_ckpt, grads_ckpt = _saved_bytes(checkpointed, ids)
    assert torch.allclose(grads_plain, grads_ckpt, atol=1e-6)
    assert kept_ckpt < 0.6 * kept_plain  # the layer inputs only, and one layer at a time during backward


def _drift(dtype, fp32_master: bool, steps: int = 30) -> float:
    """Share of weights that moved after `steps` AdamW steps too small for bf16's resolution."""
    model = _llama(dtype=dtype)
    before = [p.detach().clone() for p in model.parameters()]
    opt = Optimiser(list(model.parameters()), TrainConfig(lr=2e-5, fp32_master=fp32_master))
    ids = torch.randint(0, 64, (2, 16))
    for _ in range(steps):
        _lm_loss(model, ids).backward()
        opt.step()
        opt.zero_grad()
    moved = sum(int((p.detach() != b).sum()) for p, b in zip(model.parameters(), before))
    return moved / sum(b.numel() for b in before)


def test_bf16_weights_train_through_an_fp32_master_copy():
    assert _drift(torch.float32, fp32_master=True) > 0.9  # the control: fp32 weights all move
    assert _drift(torch.bfloat16, fp32_master=False) < 0.5  # bf16 alone rounds most updates away (0.29 seen)
    assert _drift(torch.bfloat16, fp32_master=True) > 0.9  # the fp32 copy accumulates them (0.95 seen)


def _state_bytes(opt: torch.optim.Optimizer) -> int:
    return sum(t.numel() * t.element_size() for s in opt.state.values() for t in s.values() if torch.is_tensor(t))


def test_8bit_adamw_trains_with_a_quarter_of_the_state():
    pytest.importorskip("bitsandbytes")
    ids = torch.randint(0, 64, (4, 24))
    sizes, losses = {}, {}
    for kind in ("adamw", "adamw_8bit"):
        model = _llama(width=128)  # bitsandbytes keeps tensors under 4096 elements in 32 bits
        opt = Optimiser(list(model.parameters()), TrainConfig(lr=3e-3, optimizer=kind))
        first = None
        for _ in range(25):
            loss = _lm_loss(model, ids)
            first = first if first is not None else float(loss.detach())
            loss.backward()
            opt.step()
            opt.zero_grad()
        sizes[kind], losses[kind] = _state_bytes(opt.optimizer), (first, float(_lm_loss(model, ids).detach()))
    assert losses["adamw_8bit"][1] < 0.5 * losses["adamw_8bit"][0]  # it learns the batch
    assert sizes["adamw_8bit"] < 0.45 * sizes["adamw"]  # 8-bit moments (small tensors stay 32-bit)


def test_unknown_or_unavailable_optimiser_is_refused_before_training(monkeypatch):
    with pytest.raises(ConfigError, match=r"train.optimizer='adam8'.*adamw \| adamw_8bit \| paged_adamw_8bit"):
        check_optimiser("adam8", "method.daa.train.optimizer")
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "bitsandbytes" else real(name, *a))
    with pytest.raises(ConfigError, match=r"needs bitsandbytes.*pip install -e '.\[memory\]'"):
        check_optimiser("paged_adamw_8bit", "seed_sft.train.optimizer")


def test_full_fine_tune_frees_the_reference_copy_once_its_logps_are_computed(tiny_policy, monkeypatch):
    policy = Policy(copy.deepcopy(tiny_policy.model), tiny_policy.tokenizer, torch.device("cpu"))
    held_during_training = []
    real = daa_module.optimise

    def watching(*args, **kw):
        held_during_training.append(policy._frozen_reference is not None)
        return real(*args, **kw)

    monkeypatch.setattr(daa_module, "optimise", watching)
    pairs = [PreferencePair(prompt_id=f"p{i}", prompt=f"What is {i} + 1?", chosen=str(i + 1), rejected=str(i + 2)) for i in range(6)]
    dcfg = DAAConfig(train=TrainConfig(batch_size=3))
    stats = daa_module.train_daa(policy, pairs, dcfg, dcfg.train, max_length=64, seed=0, progress=False)
    assert held_during_training == [False] and stats["steps"] == 2


def test_lora_all_linear_adapts_every_linear_layer_but_the_head(tiny_policy):
    policy = Policy(copy.deepcopy(tiny_policy.model), tiny_policy.tokenizer, torch.device("cpu"),
                    lora_cfg=LoraConfig(enabled=True, r=2, target_modules=["all-linear"]))
    model = policy.begin_training()
    adapted = {n.split(".lora_A")[0].rsplit(".", 1)[-1] for n, _ in model.named_parameters() if ".lora_A" in n}
    policy.end_training()
    assert adapted == {"q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"}


def test_run_loop_uses_the_phase_optimiser_knob():
    pytest.importorskip("bitsandbytes")
    model = _llama()
    ids = torch.randint(0, 64, (4, 16))
    stats = run_loop(model, 4, lambda idx: (_lm_loss(model, ids[idx]), {}), TrainConfig(batch_size=2, optimizer="adamw_8bit"),
                     seed=0, desc="8-bit", progress=False)
    assert stats["steps"] == 2 and stats["final_loss"] > 0


def test_sleep_mode_is_refused_without_a_gpu(make_cfg):
    from harness.config import validate_config

    if torch.cuda.is_available():
        pytest.skip("sleep mode is allowed on a GPU")
    with pytest.raises(ConfigError, match="sampler.sleep_mode=True.*CUDA GPU"):
        validate_config(make_cfg("sampler=vllm", "sampler.sleep_mode=true"))
