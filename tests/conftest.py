"""Shared test fixtures: a very small `tiny` model config, composed configs, a CLI runner.

Test workers run torch on one thread: with two workers on two cores, more threads only fight."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

torch.set_num_threads(1)
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")

REPO = Path(__file__).resolve().parent.parent

# Small enough to build in seconds; big enough to exercise every stage for real.
FAST = [
    "model.tiny.vocab_size=512", "model.tiny.hidden_size=64", "model.tiny.intermediate_size=128",
    "model.tiny.num_layers=2", "model.tiny.num_heads=2", "model.tiny.pretrain_examples=400",
    "model.tiny.pretrain_epochs=1", "model.tiny.pretrain_batch_size=32",
    "seed_sft.ift_examples=48", "seed_sft.eft_examples=48", "seed_sft.meta_judge_examples=16", "seed_sft.train.epochs=1",
    "data.n_eval_prompts=12", "data.n_judge_pairs=6", "data.n_train_prompts=40",
    "data.n_preference_pairs=16", "eval.bootstrap=200", "eval.max_new_tokens=12", "progress=false",
]
FAST_SELF_REWARDING = [
    "method.iterations=1", "method.prompts_per_iteration=6", "method.judge.k=2",
    "method.judge.max_new_tokens=16", "method.sampling.max_new_tokens=12",
]


@pytest.fixture(scope="session")
def cache_dir(tmp_path_factory) -> Path:
    # Shared by xdist workers (the parent of each worker's base temp); content-addressed, so
    # concurrent builds of the same model are safe.
    d = tmp_path_factory.getbasetemp().parent / "selfalign-cache"
    d.mkdir(exist_ok=True)
    return d


def compose(overrides: list[str], runs: Path, cache: Path):
    from hydra import compose as hydra_compose, initialize_config_dir

    from harness.config import register_schemas
    from harness.registry import plugin_searchpath

    register_schemas()
    with initialize_config_dir(config_dir=str(REPO / "conf"), version_base="1.3"):
        return hydra_compose("config", overrides=[*overrides, f"store.root={runs}", f"store.cache={cache}",
                                                  *plugin_searchpath()])


@pytest.fixture
def make_cfg(tmp_path, cache_dir):
    def _make(*overrides: str, runs: Path | None = None):
        return compose(list(FAST) + list(overrides), runs or tmp_path / "runs", cache_dir)

    return _make


def run_cli(args: list[str], runs: Path, cache: Path, timeout: int = 600, module: str = "harness.cli",
            extra_env: dict | None = None, **kw) -> subprocess.CompletedProcess:
    """Runs a console script's module (selfalign by default) as a user would, in a subprocess."""
    env = {**os.environ, "SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache), "OMP_NUM_THREADS": "1",
           "HYDRA_FULL_ERROR": "0", **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", module, *args], capture_output=True, text=True,
                          env=env, timeout=timeout, cwd=runs.parent, **kw)


@pytest.fixture(scope="session")
def tiny_policy(tmp_path_factory, cache_dir):
    """The fast tiny model as a Policy (its seed is the pre-trained base)."""
    from harness.data.provider import DataProvider
    from harness.models.loading import load_policy

    cfg = compose(list(FAST), tmp_path_factory.mktemp("runs"), cache_dir)
    data = DataProvider(cfg.data)
    return load_policy(cfg.model, str(cache_dir), torch.device("cpu"), data, progress=False)


@pytest.fixture(scope="session")
def lowercase_tokenizer():
    """Byte-level BPE trained on lowercase text only: " A" stays two tokens ("Ġ", "A"), so logit
    judges must refuse it."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import PreTrainedTokenizerFast

    raw = Tokenizer(models.BPE())
    raw.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    raw.decoder = decoders.ByteLevel()
    raw.train_from_iterator(["winner: the first one is better"] * 20, trainers.BpeTrainer(
        vocab_size=300, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False))
    return PreTrainedTokenizerFast(tokenizer_object=raw)
