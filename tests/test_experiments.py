"""The paper overlays in conf/experiment/: each composes and validates offline (config rules, the
method's own dataclass), runs the method it names, cites its paper and marks what the paper leaves
open; each paper has a tiny-scale twin on the embedded world."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir

from harness.compose import CONF_DIR
from harness.config import register_schemas, validate_config
from harness.registry import get_method
from harness.runner import method_config

EXPERIMENTS = sorted(p.stem for p in (Path(CONF_DIR) / "experiment").glob("*.yaml"))
PAPER = [e for e in EXPERIMENTS if not e.endswith("_tiny")]
TWINS = [e for e in EXPERIMENTS if e.endswith("_tiny")]


def composed(name: str):
    register_schemas()
    with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
        return compose(config_name="config", overrides=[f"experiment={name}"], return_hydra_config=True)


def test_every_method_with_a_paper_has_overlays_and_a_twin():
    methods = {composed(e).method.name for e in PAPER}
    assert methods == {"self_rewarding", "meta_rewarding", "self_judge", "sera", "self_j"}
    assert {composed(e).method.name for e in TWINS} == methods
    assert len(PAPER) == 7  # Self-Judge on two datasets, SeRA on two models


@pytest.mark.parametrize("name", EXPERIMENTS)
def test_overlay_composes_validates_and_sweeps_its_own_method(name):
    cfg = composed(name)
    validate_config(cfg)
    mcfg = method_config(get_method(cfg.method.name), cfg.method)  # the method's dataclass and its checks
    assert mcfg.name == cfg.method.name
    sweep = cfg.hydra.sweeper.params
    assert sweep.method == cfg.method.name  # a plain `selfalign experiment=...` runs this method, not all eight
    if "method.daa.loss" in sweep:
        assert sweep["method.daa.loss"].split(",") == ["dpo", "ipo", "hinge", "simpo"]


@pytest.mark.parametrize("name", PAPER)
def test_paper_overlays_cite_and_run_a_real_model_on_alpaca_eval(name):
    text = (Path(CONF_DIR) / "experiment" / f"{name}.yaml").read_text()
    cfg = composed(name)
    assert text.startswith("# @package _global_\n")
    assert "arXiv 24" in text  # the paper it reproduces
    assert cfg.model.source == "hf" and cfg.model.path and cfg.sampler.backend == "vllm"
    assert cfg.data.alpaca_eval_set == "tatsu-lab/alpaca_eval" and cfg.data.n_eval_prompts == 805
    assert cfg.eval.annotator == "api"
    assert cfg.eval.max_new_tokens >= 768 and cfg.method.sampling.max_new_tokens >= 768  # not the tiny 32
    # the AlpacaEval 2 leaderboard's length control, and room in vLLM's context for every generation
    assert cfg.eval.lc_gamed == "hub"
    context = cfg.sampler.max_model_len or cfg.model.max_length
    lengths = [cfg.eval.max_new_tokens, cfg.method.sampling.max_new_tokens]
    lengths += [cfg.method.inference.sampling.max_new_tokens] if "inference" in cfg.method else []
    assert all(n < context for n in lengths), (context, lengths)
    header = "".join(line for line in text.splitlines(keepends=True) if line.startswith("#"))
    assert "Open" in header or "open" in header  # what the paper leaves open is named, with its knob


@pytest.mark.parametrize("name", TWINS)
def test_twins_run_on_the_embedded_world_with_the_tiny_model(name):
    cfg = composed(name)
    assert cfg.model.name == "tiny" and cfg.data.name == "world" and cfg.eval.annotator == "oracle"


def test_the_overlays_set_the_papers_values():
    sr = composed("self_rewarding_llama2_70b")
    assert (sr.method.iterations, sr.method.n_samples, sr.method.judge.k) == (2, 4, 3)
    assert (sr.method.daa.train.lr, sr.method.daa.train.batch_size, sr.seed_sft.train.lr) == (1e-6, 16, 5.5e-6)
    assert sr.model.lora.enabled is False and sr.method.new_prompts == "self_instruct"
    mr = composed("meta_rewarding_llama3_8b")
    assert list(mr.method.rho) == [0.0, 0.32, 0.32, 0.4] and list(mr.method.train_judge) == [1, 2]
    assert (mr.method.n_samples, mr.method.judge.k, mr.seed_sft.ift_examples, mr.seed_sft.meta_judge_examples) == (7, 11, 0, 0)
    for name, data in (("self_judge_llama2_7b_ultrafeedback", "ultrafeedback_binarized"), ("self_judge_llama2_7b_hh", "hh_rlhf")):
        sj = composed(name)
        assert sj.data.name == data and sj.model.path == "meta-llama/Llama-2-7b-hf"
        assert (sj.model.lora.r, sj.model.lora.alpha, sj.method.daa.train.lr, sj.method.daa.train.epochs) == (8, 16, 5e-6, 3)
        assert (sj.seed_sft.train.lr, sj.seed_sft.train.epochs, sj.method.sampling.max_new_tokens) == (2e-5, 1, 768)
    sj13 = composed("self_j_13b_best_of_32")
    assert sj13.method.inference.best_of == 32 and (sj13.model.lora.r, sj13.model.lora.alpha) == (16, 16)
    assert (sj13.method.train.lr, sj13.method.train.epochs, sj13.method.student_ce_weight, sj13.method.kl_weight) == (3e-4, 2, 0.3, 2.0)
    assert composed("sera_mistral_7b").model.path == "mistralai/Mistral-7B-v0.1"
    assert composed("sera_tinyllama_1b").data.name == "ultrafeedback_binarized"


def test_selfalign_experiment_runs_the_overlays_method_only(tmp_path, cache_dir):
    """`selfalign experiment=<twin>` is a one-method multirun: the overlay's sweep replaces the
    default eight-method one, and command-line overrides still apply on top of it."""
    from conftest import FAST, FAST_SELF_REWARDING, run_cli

    runs = tmp_path / "runs"
    proc = run_cli(["experiment=self_rewarding_tiny", *FAST, *FAST_SELF_REWARDING], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    methods = sorted(p.name for p in runs.iterdir() if p.is_dir() and p.name != "sweeps")
    assert methods == ["self_rewarding"]
    (metrics,) = runs.glob("self_rewarding/*/*/metrics.json")
    assert '"iterations": [' in metrics.read_text() and "leaderboard" in proc.stdout.lower()
