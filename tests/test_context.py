"""RunContext stages: skipped training stages' weights reach every later stage, even one that
uses the model only through a sampler it captured earlier (a judge)."""

from __future__ import annotations

import copy

import torch
from omegaconf import OmegaConf

from harness.context import RunContext
from harness.models.policy import Policy
from harness.sampling.hf import HFSampler
from harness.store import RunStore


def _ctx(tmp_path, tiny_policy):
    cfg = OmegaConf.create({"seed": 0, "progress": False})
    fresh = lambda: Policy(copy.deepcopy(tiny_policy.model), tiny_policy.tokenizer, torch.device("cpu"))  # noqa: E731
    return RunContext(cfg, None, RunStore(tmp_path / "run"), None, fresh,
                      lambda p: HFSampler(p, batch_size=4, progress=False))


def _weight_sum(policy) -> float:
    return float(sum(p.detach().double().sum() for p in policy.model.parameters()))


def test_resumed_training_stage_weights_reach_a_captured_sampler(tmp_path, tiny_policy):
    def fit(ctx):
        with torch.no_grad():
            for p in ctx.policy.model.parameters():
                p.add_(0.5)
        return {"train_tokens": 0}

    first = _ctx(tmp_path, tiny_policy)
    first.train("iter1/train", lambda: fit(first))
    trained = _weight_sum(first.policy)

    # A new process: the judge captured the sampler before the (skipped) training stage.
    resumed = _ctx(tmp_path, tiny_policy)
    held = resumed.sampler
    assert abs(_weight_sum(held.policy) - trained) > 1.0
    resumed.train("iter1/train", lambda: fit(resumed))  # done: not re-run
    seen = resumed.json("eval/after", lambda: {"sum": _weight_sum(held.policy)})
    assert abs(seen["sum"] - trained) < 1e-3
