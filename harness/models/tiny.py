"""The `tiny` model: a small Llama built locally and pre-trained by SFT on the embedded world,
cached by the hash of everything that shapes it (so every run with the same knobs shares it)."""

from __future__ import annotations

import torch
from omegaconf import OmegaConf
from transformers import LlamaConfig, LlamaForCausalLM

from ..cache import cached_folder
from .policy import Policy
from .world_tokenizer import train_world_tokenizer

# Bump when the recipe below changes, so stale cached models are not reused.
RECIPE_VERSION = 4


def build_tiny(tcfg, tokenizer) -> LlamaForCausalLM:
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=tcfg.hidden_size,
        intermediate_size=tcfg.intermediate_size,
        num_hidden_layers=tcfg.num_layers,
        num_attention_heads=tcfg.num_heads,
        num_key_value_heads=tcfg.num_heads,
        max_position_embeddings=tcfg.max_position,
        tie_word_embeddings=True,
        bos_token_id=None,
        eos_token_id=tokenizer.eos_token_id,
        pad_token_id=tokenizer.pad_token_id,
    )
    return LlamaForCausalLM(config)


def ensure_tiny_base(tcfg, data, cache_root: str, progress: bool = True):
    """Returns (folder, build_info) of the pre-trained tiny base model."""
    from ..config import TrainConfig
    from ..training.sft import train_sft

    tdict = OmegaConf.to_container(tcfg) if OmegaConf.is_config(tcfg) else dict(tcfg.__dict__)
    key = {"recipe": RECIPE_VERSION, "tiny": tdict, "world": data.world_identity()}

    def build(out):
        torch.manual_seed(0)
        tokenizer = train_world_tokenizer(data.tokenizer_corpus(), tcfg.vocab_size)
        policy = Policy(build_tiny(tcfg, tokenizer), tokenizer, torch.device("cpu"), name="tiny")
        examples = data.pretrain_examples(tcfg.pretrain_examples)
        train_cfg = TrainConfig(lr=tcfg.pretrain_lr, epochs=tcfg.pretrain_epochs, batch_size=tcfg.pretrain_batch_size,
                                warmup_ratio=0.05)
        stats = train_sft(policy, examples, train_cfg, tcfg.max_position, seed=0,
                          desc="pre-training tiny model", progress=progress, mask_prompt=False)
        policy.save(out)
        return {"pretrain": {k: v for k, v in stats.items() if k != "epochs"},
                "parameters": sum(p.numel() for p in policy.model.parameters())}

    return cached_folder(cache_root, "tiny", key, build)
