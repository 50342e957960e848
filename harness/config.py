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

from .distributed.config import STRATEGIES, DistConfig
from .errors import ConfigError
from .tracking.config import BACKENDS, LoggerConfig
from .training.optimiser import check_optimiser
from .world.config import WorldConfig


@dataclass
class LoraConfig:
    enabled: bool = False  # LoRA adapters instead of a full fine-tune; the reference is then the adapter-disabled network
    r: int = 8  # adapter rank
    alpha: int = 16  # adapter scaling (alpha / r)
    dropout: float = 0.0  # dropout on the adapter input
    # adapted layers: module names, or [all-linear] (every linear layer but the output head)
    target_modules: list = field(default_factory=lambda: ["q_proj", "k_proj", "v_proj", "o_proj"])


@dataclass
class TinyConfig:
    """Shape of the locally built Llama (byte-level BPE tokenizer trained on the world: single-token
    digits and A/B letters) and its pre-training on the world's IFT data; cached by these knobs."""

    vocab_size: int = 1024  # BPE vocabulary trained on the world's text
    hidden_size: int = 128  # model width
    num_layers: int = 4  # decoder layers
    num_heads: int = 4  # attention heads
    intermediate_size: int = 384  # MLP width
    max_position: int = 512  # longest sequence the model is built for
    # World IFT examples for pre-training (loss on every token), sized so that M1 is neither at
    # chance nor at ceiling (`selfalign-world` prints how it does).
    pretrain_examples: int = 12000
    pretrain_epochs: int = 2  # passes over those examples
    pretrain_lr: float = 3e-3  # peak learning rate of pre-training
    pretrain_batch_size: int = 32  # examples per pre-training step


@dataclass
class ModelConfig:
    name: str = "tiny"
    source: str = "tiny"  # tiny | gguf_package | hf
    path: Optional[str] = None  # hub id or local folder (hf); PyPI distribution name (gguf_package)
    gguf_file: Optional[str] = None  # file inside the distribution (gguf_package); None = the only .gguf
    dtype: str = "float32"  # float32 | bfloat16 | float16 | auto
    max_length: int = 512  # prompt + response tokens kept in training
    # recompute each decoder layer's activations in the backward pass: activation memory of one layer
    # instead of all of them, for about a third more training compute
    gradient_checkpointing: bool = False
    lora: LoraConfig = field(default_factory=LoraConfig)
    tiny: TinyConfig = field(default_factory=TinyConfig)


@dataclass
class SamplerConfig:
    backend: str = "hf"  # hf (transformers generate, batched and length-sorted) | vllm (one engine per run)
    batch_size: int = 64  # hf: sequences per generate call, prompts x n (vllm batches continuously and ignores it)
    # vllm only. New weights reach the engine after each training phase, in place where the backend
    # can, else by restarting it from a saved copy (vLLM-CPU); a probe verifies each sync.
    prefix_caching: bool = True  # judge prompts sharing a template reuse its KV cache (reset on every weight update)
    max_model_len: Optional[int] = None  # engine context length; None = model.max_length
    gpu_memory_utilization: float = 0.5  # GPU share for weights + KV cache; leaves room for the training copy
    tensor_parallel_size: int = 1  # GPUs the engine shards each layer across (launch one process; vLLM spawns the rest)
    # Colocated with training on a GPU: before each training stage the engine sleeps (level 2: KV cache and
    # weights freed), and wakes with the new weights after it. Needs a CUDA GPU.
    sleep_mode: bool = False
    enforce_eager: bool = False  # true skips CUDA-graph / compile warm-up (faster start, slower decode)
    cpu_kv_cache_gb: int = 2  # CPU backend: KV cache size (VLLM_CPU_KVCACHE_SPACE)
    sync_tolerance: float = 0.05  # max |log p| gap between engine and policy on the probe prompt after a sync
    sync_timeout_s: int = 900  # a start or sync that takes longer stops the run instead of hanging


@dataclass
class TrainConfig:
    """One optimisation phase; the defaults are the tiny model's full fine-tune."""

    lr: float = 1e-4  # peak learning rate (AdamW), after linear warm-up, then linear decay
    epochs: int = 1  # passes over the phase's data
    batch_size: int = 16  # examples (or pairs) per optimiser step, before accumulation
    grad_accum: int = 1  # micro-batches accumulated per optimiser step
    max_grad_norm: float = 1.0  # gradient clipping norm
    warmup_ratio: float = 0.1  # share of the steps spent warming the learning rate up
    weight_decay: float = 0.0  # AdamW weight decay
    # adamw (torch) | adamw_8bit | paged_adamw_8bit (bitsandbytes, `pip install -e '.[memory]'`: 8-bit state,
    # a quarter of AdamW's 8 bytes per trained parameter; paged also spills it to CPU under GPU memory pressure)
    optimizer: str = "adamw"
    fp32_master: bool = True  # half-precision trained weights are stepped through an fp32 copy (no-op for fp32)


@dataclass
class SeedSFTConfig:
    """The seed model M1 every method starts from: the base fine-tuned on IFT (+ EFT) data, built
    once per (model, data, seed) in store.cache and shared by runs."""

    ift_examples: int = 1500  # instruction -> answer examples
    eft_examples: int = 4000  # (instruction, response) -> review ending in "Score: k" (judge training)
    # With EFT data, on the world only: (two reviews of a response) -> "Winner: Judgement A|B". The
    # papers' seeds have none (a deviation; it gives Meta-Rewarding's meta-judge a start).
    meta_judge_examples: int = 1000
    # tiny model, full fine-tune (Self-Rewarding paper, 70B: lr 5.5e-6)
    train: TrainConfig = field(default_factory=lambda: TrainConfig(lr=1e-3, epochs=2, batch_size=32))


@dataclass
class DataConfig:
    name: str = "world"
    world: WorldConfig = field(default_factory=WorldConfig)  # the embedded world (harness/world/config.py)
    # Local files (jsonl/json/parquet) replace the world's generator for that record kind.
    train_prompts_path: Optional[str] = None  # PromptRecord rows: instruction (id, reference optional)
    eval_prompts_path: Optional[str] = None  # PromptRecord rows with reference
    alpaca_eval_set: Optional[str] = None  # the AlpacaEval set: a hub repo (AlpacaEval 2's references; repo:file for another) or a local file
    ift_path: Optional[str] = None  # SFTExample rows: prompt, response
    eft_path: Optional[str] = None  # SFTExample rows: prompt (judge prompt), response (review + Score: k)
    preference_pairs_path: Optional[str] = None  # PreferencePair rows: prompt, chosen, rejected
    judge_pairs_path: Optional[str] = None  # LabelledPair rows: prompt, response_a, response_b, label (0|1)
    # A real dataset for the record kinds its adapter provides (harness/data/sources.py); the rest stay on
    # the world. Select one with data=<name>: conf/data/<name>.yaml says what it provides.
    source: Optional[str] = None  # ultrafeedback_binarized | ultrafeedback | hh_rlhf | oasst1
    source_path: Optional[str] = None  # hub id or local folder of <split>.jsonl|.json|.parquet; None = its hub id
    source_subset: Optional[str] = None  # hh_rlhf only: one hub data_dir (helpful-base, ...); None = all
    n_train_prompts: int = 2000  # the prompt pool methods draw fresh training prompts from
    n_eval_prompts: int = 200
    n_judge_pairs: int = 100  # labelled pairs the judge accuracy is scored on
    n_preference_pairs: int = 1000  # the offline preference set (dpo, sera, self_judge's JSFT)


@dataclass
class EvalConfig:
    # Who compares model output vs reference: oracle (the world's checker) | model (a local LM read by A/B
    # log-probs, like alpaca_eval's weighted annotators) | api (alpaca_eval's own API annotator; needs
    # OPENAI_API_KEY or OPENAI_CLIENT_CONFIG_PATH)
    annotator: str = "oracle"
    temperature: float = 0.0  # greedy outputs for the win rate
    max_new_tokens: int = 32  # longest evaluated output
    judge_accuracy: bool = True  # score the method's judge on the labelled judge pairs
    bootstrap: int = 2000  # bootstrap resamples for confidence intervals
    # also the raw and length-controlled win rate from alpaca_eval's own functions (offline: its GLM gets
    # gamed references judged by the same annotator)
    alpaca_eval: bool = True
    annotator_model: Optional[str] = None  # annotator=model: hub id or folder; None = SmolLM2-135M-Instruct (offline)
    annotator_both_orders: bool = False  # annotator=model: both orders averaged (cancels position bias; 2x passes)
    # annotator=api: an alpaca_eval evaluators_configs name; this one is the public AlpacaEval 2 leaderboard's
    api_annotator_config: str = "weighted_alpaca_eval_gpt4_turbo"
    # The LC GLM's gamed references: built (judged by this annotator, offline) | hub (alpaca_eval's published
    # df_gamed.csv; online, data=alpaca_eval only; with annotator=api and the official config, LC then
    # matches the public leaderboard's recipe)
    lc_gamed: str = "built"
    # lm-eval capability check of the seed and final model, e.g. [selfalign_world_generate,selfalign_world_mc]
    # (local, offline) or hub task names
    lm_eval_tasks: list = field(default_factory=list)
    lm_eval_limit: Optional[int] = None  # at most this many examples per lm-eval task (None = all)
    lm_eval_world_n: int = 200  # problems in each of the world's local lm-eval tasks


@dataclass
class StoreConfig:
    root: str = "${oc.env:SELFALIGN_RUNS,runs}"  # run directories live under here
    cache: str = "${oc.env:SELFALIGN_CACHE,'~/.cache/selfalign'}"  # shared models (tiny base, GGUF, seed SFT)
    # Judge outputs already computed by the same weights, template and params are read from
    # <cache>/judgments.sqlite instead of recomputed (hits and misses in metrics.json's cost).
    judgment_cache: bool = True


@dataclass
class RuntimeConfig:
    """What every console script's config shares: seed, device, model, data, sampler, evaluation
    and where runs and shared models go."""

    seed: int = 0  # run seed: training order, sampling; the world's data has its own seed (data.world.seed)
    device: str = "auto"  # auto | cpu | cuda | cuda:N | mps
    threads: int = 0  # torch intra-op threads; 0 = leave torch's default
    progress: bool = True  # progress bars on long loops
    model: ModelConfig = field(default_factory=ModelConfig)
    data: DataConfig = field(default_factory=DataConfig)
    sampler: SamplerConfig = field(default_factory=SamplerConfig)
    eval: EvalConfig = field(default_factory=EvalConfig)
    store: StoreConfig = field(default_factory=StoreConfig)


@dataclass
class Config(RuntimeConfig):
    """`selfalign`: one method run per job. `method` is typed at compose time by the method's own
    dataclass (each conf/method/<name>.yaml starts from `<name>_schema`, see register_schemas)."""

    method: Any = None
    seed_sft: SeedSFTConfig = field(default_factory=SeedSFTConfig)
    logger: LoggerConfig = field(default_factory=LoggerConfig)  # experiment tracking: logger=<name> (conf/logger/)
    dist: DistConfig = field(default_factory=DistConfig)  # data-parallel training: dist=single|ddp|fsdp (conf/dist/)


def register_schemas() -> None:
    """The top-level schema, plus every registered method's dataclass as `method/<name>_schema`: a
    method's YAML lists it first in its defaults, so `method=<name>` composes to that dataclass and a
    misspelt or mistyped method knob fails at compose time, in Hydra's own words."""
    from .registry import available_methods, get_method

    store = ConfigStore.instance()
    store.store(name="schema", node=Config)
    for name in available_methods():
        entry = get_method(name)
        if entry.config is not None:
            store.store(group="method", name=f"{name}_schema", node=entry.config)


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
    ("logger.backend", lambda v: v is None or v in BACKENDS, " | ".join(BACKENDS) + " (logger=<name>, conf/logger/)"),
    ("logger.wandb_mode", lambda v: v is None or v in ("online", "offline"), "online or offline"),
    ("dist.strategy", lambda v: v is None or v in STRATEGIES, " | ".join(STRATEGIES) + " (dist=<name>, conf/dist/)"),
    ("sampler.sync_tolerance", _positive, "a positive log-prob tolerance"),
    ("sampler.sync_timeout_s", _positive, "a positive number of seconds"),
    ("sampler.tensor_parallel_size", _positive, "a positive number of GPUs"),
    ("sampler.gpu_memory_utilization", lambda v: v is not None and 0 < v <= 1, "a fraction in (0, 1]"),
]


def _get(cfg, dotted: str):
    node = cfg
    for part in dotted.split("."):  # None where an app's config has no such section (e.g. no logger)
        node = node.get(part) if isinstance(node, dict) else getattr(node, part, None)
    return node


def check(value, ok: bool, key: str, expected: str, hint: str = "") -> None:
    """Raise a ConfigError that names the key, the bad value and what was expected."""
    if not ok:
        fix = hint or f"pass a valid value on the command line, e.g. `{key}=...`, or fix it in conf/"
        raise ConfigError(f"Invalid config value {key}={value!r}: expected {expected}. To fix: {fix}.")


def validate_config(cfg) -> None:
    check_known_keys(cfg)
    for key, predicate, expected in _RULES:
        value = _get(cfg, key)
        check(value, predicate(value), key, expected)
    from omegaconf import OmegaConf

    WorldConfig(**OmegaConf.to_container(cfg.data.world))  # its own range checks
    if cfg.sampler.sleep_mode:
        import torch

        check(cfg.sampler.sleep_mode, cfg.sampler.backend == "vllm" and torch.cuda.is_available(), "sampler.sleep_mode",
              "false unless sampler=vllm runs on a CUDA GPU (sleep mode frees the engine's GPU memory for training)",
              hint="drop sampler.sleep_mode")
    if cfg.get("seed_sft") is not None:
        check_optimiser(cfg.seed_sft.train.optimizer, "seed_sft.train.optimizer")
    if cfg.data.alpaca_eval_set and cfg.eval.annotator == "oracle":
        check(cfg.eval.annotator, False, "eval.annotator", "model when evaluating on the AlpacaEval set (the oracle "
              "only grades the embedded world)", hint="add eval.annotator=model")
    _check_data_source(cfg)
    check(cfg.eval.annotator_both_orders, not cfg.eval.annotator_both_orders or cfg.eval.annotator == "model",
          "eval.annotator_both_orders", "false unless eval.annotator=model (the oracle has no position to prefer; an "
          "API annotator's order is alpaca_eval's own)", hint="drop it, or add eval.annotator=model")
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


def check_known_keys(cfg, where: str = "") -> None:
    """Every key is a knob of its dataclass. Hydra checks names at compose time, except those added
    with `+key=value` (the form its own error suggests for a misspelt key), which would otherwise be
    silently ignored."""
    import dataclasses
    import difflib

    from omegaconf import DictConfig, OmegaConf

    schema = OmegaConf.get_type(cfg)
    known = {f.name for f in dataclasses.fields(schema)} if dataclasses.is_dataclass(schema) else None
    for key in cfg.keys():
        if key == "hydra" and not where:  # Hydra's own node, when composed with it
            continue
        dotted = f"{where}.{key}" if where else str(key)
        if known is not None and key not in known:
            close = difflib.get_close_matches(str(key), sorted(known), n=1)
            hint = f"Did you mean {where + '.' if where else ''}{close[0]}? " if close else ""
            raise ConfigError(f"Unknown config key {dotted} (set to {str(cfg[key])[:60]!r} with +): {where or 'the config'} has no "
                              f"such knob; its knobs are {', '.join(sorted(known))}. To fix: {hint}a key added with + "
                              f"must still be one of them; drop it or fix its name.")
        node = cfg._get_node(key)
        if isinstance(node, DictConfig) and not node._is_none():
            check_known_keys(node, dotted)
