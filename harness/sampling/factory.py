"""The run's sampler from `sampler.backend`: the one place that knows which backends exist."""

from __future__ import annotations

from pathlib import Path


def make_sampler(policy, scfg, model_cfg, work_dir: str | Path, progress: bool = True):
    if scfg.backend == "vllm":
        from .vllm import VLLMSampler

        # the engine's context defaults to what the model is trained and sampled on
        return VLLMSampler(policy, scfg, work_dir, progress=progress,
                           max_model_len=scfg.max_model_len or int(model_cfg.max_length))
    from .hf import HFSampler

    return HFSampler(policy, batch_size=scfg.batch_size, progress=progress, max_length=int(model_cfg.max_length))
