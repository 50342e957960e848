"""The memory plan's counts against real networks: parameter counts of the README's three models
(built on the meta device, no memory), and on a small Llama the bytes of weights, gradients,
optimiser state and master copy after one real step (exact) and the bytes saved for backward."""

from __future__ import annotations

import pytest
import torch

from harness.planning.memory import ARCHITECTURES, Architecture, Setup, plan, training_phase
from harness.planning.memory_check import build, measure

SMALL = Architecture("small", 128, 4, 384, 1024, 4, 2, True)


@pytest.mark.parametrize("key", sorted(ARCHITECTURES))
def test_parameter_counts_match_the_real_architectures(key):
    arch = ARCHITECTURES[key]
    model = build(arch, Setup(weights="float32", max_length=64), device="meta")
    assert arch.parameters() == sum(p.numel() for p in model.parameters())


@pytest.mark.parametrize("setup", [
    Setup(weights="float32", activation_bytes=4, sequences=4, max_length=32),
    Setup(weights="bfloat16", activation_bytes=2, sequences=4, max_length=32),
    Setup(weights="float32", activation_bytes=4, sequences=4, max_length=32, gradient_checkpointing=True),
    Setup(weights="float32", activation_bytes=4, sequences=4, max_length=32, lora_rank=4, lora_targets=("all-linear",)),
], ids=["fp32", "bf16-master", "checkpointing", "lora"])
def test_computed_bytes_match_measured_tensors(setup):
    computed, measured = training_phase(SMALL, setup), measure(build(SMALL, setup), setup)
    for part in ("weights", "gradients", "optimizer state", "fp32 master"):
        assert computed[part] == measured[part], part
    saved = computed["activations"] + computed["log-probs"]
    assert 0.75 * saved <= measured["saved for backward"] <= 1.3 * saved


def test_the_plan_separates_what_fits_from_what_does_not():
    """LoRA on 8B fits one 80 GB GPU beside a vLLM engine at half of it; a full fine-tune does not,
    and sharding it over 8 GPUs brings each rank's training peak under the GPU."""
    base = Setup(gradient_checkpointing=True, sequences=8, max_length=1024, vllm_fraction=0.5)
    arch = ARCHITECTURES["llama-3.1-8b"]
    assert plan(arch, Setup(**{**base.__dict__, "lora_rank": 16}))["peak"] < 80
    assert plan(arch, base)["training"] > 80
    assert plan(arch, Setup(**{**base.__dict__, "strategy": "fsdp", "ranks": 8}))["training"] < 80
