"""Structured configs: the schema every composed config is validated against.

Hydra merges conf/*.yaml onto these dataclasses, so a misspelt key or a wrong type fails at
compose time. Value ranges (β > 0, temperature ≥ 0, …) are checked by `validate_config`, which
raises ConfigError naming the key, the value and what was expected. Method-specific knobs are
validated by the dataclass each method registers (see harness.registry).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from hydra.core.config_store import ConfigStore

from .errors import ConfigError


@dataclass
class LoraConfig:
    enabled: bool = False
    r: int = 8
    alpha: int = 16
    dropout: float = 0.0
    target_modules: list = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


@dataclass
class TinyConfig:
    """Shape of the locally built Llama model and how it is pre-trained on the world."""

    vocab_size: int = 1024
    hidden_size: int = 128
    num_layers: int = 4
    num_heads: int = 4
    intermediate_size: int = 384
    max_position: int = 512
    pretrain_examples: int = 12000
    pretrain_epochs: int = 2
    pretrain_lr: float = 3e-3
    pretrain_batch_size: int = 32


@dataclass
class ModelConfig:
    name: str = "tiny"
    source: str = "tiny"  # tiny | gguf_package | hf
    path: Optional[str] = None  # hub id or local folder (hf); PyPI distribution name (gguf_package)
    gguf_file: Optional[str] = None  # file inside the distribution (gguf_package); None = the only .gguf
    dtype: str = "float32"
    max_length: int = 512  # prompt + response tokens kept in training
    lora: LoraConfig = field(default_factory=LoraConfig)
    tiny: TinyConfig = field(default_factory=TinyConfig)


@dataclass
class SamplerConfig:
    backend: str = "hf"  # hf | vllm
    batch_size: int = 64  # hf: sequences per generate call (vllm batches continuously)
    # vllm only (conf/sampler/vllm.yaml documents each)
    prefix_caching: bool = True
    max_model_len: Optional[int] = None  # None = model.max_length
    gpu_memory_utilization: float = 0.5
    enforce_eager: bool = False
    cpu_kv_cache_gb: int = 2
    sync_tolerance: float = 0.05
    sync_timeout_s: int = 900


@dataclass
class TrainConfig:
    lr: float = 1e-4
    epochs: int = 1
    batch_size: int = 16
    grad_accum: int = 1
    max_grad_norm: float = 1.0
    warmup_ratio: float = 0.1
    weight_decay: float = 0.0


@dataclass
class SeedSFTConfig:
    """The seed model M1 shared by every method: SFT on IFT (+ EFT) data from the base model."""

    ift_examples: int = 1500
    eft_examples: int = 4000
    meta_judge_examples: int = 1000  # with EFT data: meta-judgment examples (a deviation from Meta-Rewarding)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(lr=1e-3, epochs=2, batch_size=32))


@dataclass
class WorldKnobs:
    families: list = field(default_factory=lambda: [])  # empty = every family
    verbosity: float = 0.0
    label_noise: float = 0.0
    reference_accuracy: float = 0.5
    ift_wrap_rate: float = 0.4
    seed: int = 0  # the world's own seed: fixed across run seeds so seeds vary training, not data


@dataclass
class DataConfig:
    name: str = "world"
    world: WorldKnobs = field(default_factory=WorldKnobs)
    # Local files (jsonl/json/parquet) replace the world's generator for that record kind.
    train_prompts_path: Optional[str] = None
    eval_prompts_path: Optional[str] = None
    alpaca_eval_set: Optional[str] = None  # evaluate on the AlpacaEval set: a hub repo id or a local alpaca_eval.json
    ift_path: Optional[str] = None
    eft_path: Optional[str] = None
    preference_pairs_path: Optional[str] = None
    judge_pairs_path: Optional[str] = None
    # A real dataset for the record kinds its adapter provides (harness/data/sources.py); the rest stay on the world.
    source: Optional[str] = None  # ultrafeedback_binarized | ultrafeedback | hh_rlhf | oasst1
    source_path: Optional[str] = None  # hub id or local folder of <split>.jsonl|.json|.parquet; None = its hub id
    source_subset: Optional[str] = None  # hh_rlhf only: one hub data_dir (helpful-base, ...); None = all
    n_train_prompts: int = 2000
    n_eval_prompts: int = 200
    n_judge_pairs: int = 100
    n_preference_pairs: int = 1000


@dataclass
class EvalConfig:
    annotator: str = "oracle"
    temperature: float = 0.0  # greedy outputs for the win rate
    max_new_tokens: int = 32
    judge_accuracy: bool = True
    bootstrap: int = 2000
    alpaca_eval: bool = True  # also score with alpaca_eval's functions: raw and length-controlled win rate
    annotator_model: Optional[str] = None  # annotator=model: hub id or folder; None = SmolLM2-135M (offline)
    api_annotator_config: str = "weighted_alpaca_eval_gpt4_turbo"  # annotator=api: an alpaca_eval annotator config
    lc_gamed: str = "built"  # LC win rate's gamed references: built (this annotator, offline) | hub (alpaca_eval's own)
    lm_eval_tasks: list = field(default_factory=list)  # lm-eval tasks scored on the seed and the final model
    lm_eval_limit: Optional[int] = None  # at most this many examples per lm-eval task (None = all)
    lm_eval_world_n: int = 200  # size of the world's local lm-eval tasks


@dataclass
class StoreConfig:
    root: str = "runs"
    cache: str = "~/.cache/selfalign"
    judgment_cache: bool = True  # reuse raw judge outputs already computed by the same weights (judges/judgment_cache.py)


@dataclass
class RuntimeConfig:
    """What every console script's config shares: seed, device, model, data, sampler, evaluation
    and where runs and shared models go."""

    seed: int = 0
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    threads: int = 0  # torch intra-op threads; 0 = leave torch's default
    progress: bool = True
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    store: StoreConfig = field(default_factory=StoreConfig)


@dataclass
class Config(RuntimeConfig):
    """`selfalign`: one method run per job."""

    method: Any = None
    seed_sft: SeedSFTConfig = field(default_factory=SeedSFTConfig)


@dataclass
class JudgeSweepConfig(RuntimeConfig):
    """`selfalign-judge`: one judge, loaded from one checkpoint, scored on one labelled pair set."""

    judge: str = "rubric"  # rubric | pairwise | digit | implicit | meta | oracle
    checkpoint: Optional[str] = None  # a saved model folder; None = the model config's base model
    reference: Optional[str] = None  # implicit: the reference model folder (None = reference-free, SimPO-style)
    pairs: str = "world"  # world | a named set (hh_rlhf, oasst1, ...) or <name>:<mirror> | a pairs file (data/pair_sets.py)
    n_pairs: int = 0  # 0 = all pairs
    rubric: Any = None  # the rubric judge's knobs (judges.rubric.RubricJudgeConfig), see conf/judge_sweep.yaml
    meta_judge: Any = None  # the meta-judge's knobs (judges.meta_judge.MetaJudgeConfig)
    pairwise_template: str = "pairwise_ab_v1"
    digit_template: str = "digit_judge_v1"
    beta: float = 0.1
    normalise: str = "sum"


def register_schemas() -> None:
    ConfigStore.instance().store(name="schema", node=Config)
    ConfigStore.instance().store(name="judge_schema", node=JudgeSweepConfig)


# ---------------------------------------------------------------------------------------------
# Range checks. Each rule: dotted key, predicate, what was expected.

def _positive(v):
    return v is not None and v > 0


def _non_negative(v):
    return v is not None and v >= 0


def _unit(v):
    return v is not None and 0 <= v <= 1


_RULES = [
    ("model.source", lambda v: v in ("tiny", "gguf_package", "hf"), "one of tiny, gguf_package, hf"),
    ("model.dtype", lambda v: v in ("float32", "bfloat16", "float16", "auto"), "one of float32, bfloat16, float16, auto"),
    ("model.max_length", _positive, "a positive number of tokens"),
    ("model.lora.r", _positive, "a positive rank"),
    ("model.lora.alpha", _positive, "a positive scaling"),
    ("model.lora.dropout", _unit, "a probability in [0, 1]"),
    ("sampler.batch_size", _positive, "a positive batch size"),
    ("seed_sft.ift_examples", _non_negative, "a count >= 0"),
    ("seed_sft.eft_examples", _non_negative, "a count >= 0"),
    ("seed_sft.meta_judge_examples", _non_negative, "a count >= 0"),
    ("seed_sft.train.lr", _positive, "a positive learning rate"),
    ("seed_sft.train.epochs", _non_negative, "a number of epochs >= 0"),
    ("seed_sft.train.batch_size", _positive, "a positive batch size"),
    ("data.world.verbosity", _unit, "a probability in [0, 1]"),
    ("data.world.label_noise", lambda v: v is not None and 0 <= v <= 0.5, "a probability in [0, 0.5]"),
    ("data.world.reference_accuracy", _unit, "a probability in [0, 1]"),
    ("data.world.ift_wrap_rate", _unit, "a probability in [0, 1]"),
    ("data.n_train_prompts", _positive, "a positive count"),
    ("data.n_eval_prompts", _positive, "a positive count"),
    ("data.n_judge_pairs", _non_negative, "a count >= 0"),
    ("data.n_preference_pairs", _non_negative, "a count >= 0"),
    ("eval.temperature", _non_negative, "a temperature >= 0 (0 = greedy)"),
    ("eval.max_new_tokens", _positive, "a positive number of tokens"),
    ("eval.annotator", lambda v: v in ("oracle", "model", "api"),
     "oracle (the world's checker), model (a local LM judge) or api (an alpaca_eval API annotator)"),
    ("eval.lc_gamed", lambda v: v in ("built", "hub"), "built (gamed references judged by this annotator) or hub "
     "(alpaca_eval's df_gamed.csv, online, AlpacaEval set only)"),
    ("eval.bootstrap", _positive, "a positive number of bootstrap resamples"),
    ("sampler.backend", lambda v: v in ("hf", "vllm"), "hf (transformers generate) or vllm"),
    ("sampler.sync_tolerance", _positive, "a positive log-prob tolerance"),
    ("sampler.sync_timeout_s", _positive, "a positive number of seconds"),
    ("sampler.gpu_memory_utilization", lambda v: v is not None and 0 < v <= 1, "a fraction in (0, 1]"),
]


def _get(cfg, dotted: str):
    node = cfg
    for part in dotted.split("."):
        node = node[part] if isinstance(node, dict) else getattr(node, part)
    return node


def check(value, ok: bool, key: str, expected: str, hint: str = "") -> None:
    """Raise a ConfigError that names the key, the bad value and what was expected."""
    if not ok:
        fix = hint or f"pass a valid value on the command line, e.g. `{key}=...`, or fix it in conf/"
        raise ConfigError(f"Invalid config value {key}={value!r}: expected {expected}. To fix: {fix}.")


def validate_config(cfg) -> None:
    for key, predicate, expected in _RULES:
        value = _get(cfg, key)
        check(value, predicate(value), key, expected)
    if cfg.data.alpaca_eval_set and cfg.eval.annotator == "oracle":
        check(cfg.eval.annotator, False, "eval.annotator", "model when evaluating on the AlpacaEval set (the oracle "
              "only grades the embedded world)", hint="add eval.annotator=model")
    _check_data_source(cfg)
    if cfg.eval.lc_gamed == "hub" and not cfg.data.alpaca_eval_set:
        check(cfg.eval.lc_gamed, False, "eval.lc_gamed", "built unless evaluating on the AlpacaEval set (alpaca_eval's "
              "published gamed annotations exist only for its 805 instructions)", hint="use data=alpaca_eval or drop eval.lc_gamed")


def _check_data_source(cfg) -> None:
    """data.source names a known adapter, its subset exists, and evaluation prompts drawn from a
    real dataset are not handed to the oracle (it only grades the embedded world)."""
    from .data.sources import PAIR_ONLY, SOURCES, SUBSETS, did_you_mean

    data = cfg.data
    if data.source is None:
        for key in ("source_path", "source_subset"):
            check(getattr(data, key), getattr(data, key) is None, f"data.{key}", "null unless data.source names a dataset",
                  hint="add data=<dataset> (or data.source=<dataset>), or drop this key")
        return
    if data.source in PAIR_ONLY:
        check(data.source, False, "data.source", f"a dataset with training data ({', '.join(SOURCES)}); "
              f"{data.source} is a judge-pair set only", hint=f"use it with selfalign-judge pairs={data.source}")
    check(data.source, data.source in SOURCES, "data.source", f"one of {', '.join(SOURCES)}, or null for the embedded "
          f"world", hint=f"{did_you_mean(data.source, SOURCES)}pick one with data=<name> (conf/data/<name>.yaml)")
    subsets = SUBSETS.get(data.source, ())
    check(data.source_subset, data.source_subset is None or data.source_subset in subsets, "data.source_subset",
          f"null or one of {', '.join(subsets)}" if subsets else f"null ({data.source} has no subsets)")
    if ("eval_prompts" in SOURCES[data.source].provides and not data.eval_prompts_path and not data.alpaca_eval_set
            and cfg.eval.annotator == "oracle"):
        check(cfg.eval.annotator, False, "eval.annotator", f"model when the evaluation prompts come from {data.source} "
              f"(the oracle only grades the embedded world)", hint="add eval.annotator=model")
