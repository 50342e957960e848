"""Loading the benchmark models the way a run does: a composed config, the run's cache folder."""

from __future__ import annotations

import os

import torch



def compose(*overrides: str):
    from harness.compose import compose as compose_config

    return compose_config(list(overrides), method=None)


def load(model: str, *overrides: str):
    """(config, policy, data provider) for model=tiny | smollm2-135m | hf, on CPU unless a GPU is visible."""
    from harness.data.provider import DataProvider
    from harness.models.loading import load_policy, resolve_device

    cfg = compose(f"model={model}", *overrides)
    data = DataProvider(cfg.data)
    cache = os.environ.get("SELFALIGN_CACHE", cfg.store.cache)
    policy = load_policy(cfg.model, cache, resolve_device("auto"), data, progress=False)
    return cfg, policy, data


def vllm_sampler(policy, cfg, work_dir, prefix_caching: bool = True):
    from harness.config import SamplerConfig
    from harness.sampling.vllm import VLLMSampler

    scfg = SamplerConfig(backend="vllm", prefix_caching=prefix_caching, cpu_kv_cache_gb=2)
    return VLLMSampler(policy, scfg, work_dir, progress=False, max_model_len=int(cfg.model.max_length))


def sync_device() -> None:
    if torch.cuda.is_available():
        torch.cuda.synchronize()
