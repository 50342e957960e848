"""The AlpacaEval instruction set as evaluation prompts (local file in the hub file's schema),
end to end with a model annotator; the oracle is refused for it before any work."""

from __future__ import annotations

import json

import pytest

from conftest import FAST, run_cli
from harness.data.alpaca_set import load_alpaca_eval_set
from harness.errors import DataError

ROWS = [
    {"dataset": "helpful_base", "instruction": "What are the names of some famous actors?",
     "output": "Some famous actors include Meryl Streep and Denzel Washington.", "generator": "gpt4_1106_preview"},
    {"dataset": "koala", "instruction": "Give me a haiku about rain.", "output": "Soft rain on the roof",
     "generator": "gpt4_1106_preview"},
    {"dataset": "oasst", "instruction": "What is 2 + 2?", "output": "2 + 2 = 4.", "generator": "gpt4_1106_preview"},
    {"dataset": "vicuna", "instruction": "Name a prime number.", "output": "7 is prime.", "generator": "gpt4_1106_preview"},
]


def test_local_alpaca_eval_file_becomes_prompts_with_references(tmp_path):
    path = tmp_path / "alpaca_eval.json"
    path.write_text(json.dumps(ROWS))
    prompts = load_alpaca_eval_set(str(path))
    assert [p.reference for p in prompts] == [r["output"] for r in ROWS]
    assert prompts[0].family == "helpful_base" and prompts[0].id == "alpaca_eval-0"
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps({"instruction": "x"}) + "\n")
    with pytest.raises(DataError, match="row 0 needs text fields `instruction` and `output`"):
        load_alpaca_eval_set(str(bad))


def test_the_hub_set_is_alpaca_eval_2_unless_another_file_is_named(tmp_path, monkeypatch):
    """The hub download is the network boundary: it is replaced by a local file and records what
    was asked for."""
    import huggingface_hub

    path = tmp_path / "rows.json"
    path.write_text(json.dumps(ROWS))
    asked = []
    monkeypatch.setattr(huggingface_hub, "hf_hub_download",
                        lambda repo, name, repo_type: asked.append((repo, name, repo_type)) or str(path))
    assert len(load_alpaca_eval_set("tatsu-lab/alpaca_eval")) == len(ROWS)
    load_alpaca_eval_set("tatsu-lab/alpaca_eval:alpaca_eval.json")
    assert asked == [("tatsu-lab/alpaca_eval", "alpaca_eval_gpt4_baseline.json", "dataset"),
                     ("tatsu-lab/alpaca_eval", "alpaca_eval.json", "dataset")]

    def offline(*a, **k):
        raise OSError("no network")

    monkeypatch.setattr(huggingface_hub, "hf_hub_download", offline)
    with pytest.raises(DataError, match="Could not fetch alpaca_eval_gpt4_baseline.json from 'tatsu-lab/alpaca_eval'"):
        load_alpaca_eval_set("tatsu-lab/alpaca_eval")


def test_a_run_evaluated_on_the_alpaca_eval_set_with_a_model_annotator(tmp_path, cache_dir):
    path = tmp_path / "alpaca_eval.json"
    path.write_text(json.dumps(ROWS))
    runs = tmp_path / "runs"
    args = ["method=sft", *FAST, "data=alpaca_eval", f"data.alpaca_eval_set={path}", "data.n_eval_prompts=4"]
    proc = run_cli(args, runs, cache_dir)
    assert proc.returncode == 2 and "add eval.annotator=model" in proc.stderr  # refused before any work
    assert run_cli(["method=sft", *FAST], tmp_path / "warm", cache_dir).returncode == 0  # builds the tiny base
    folder = sorted(p.parent for p in cache_dir.glob("tiny/*/config.json"))[0]
    proc = run_cli([*args, "eval.annotator=model", f"eval.annotator_model={folder}"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (metrics_file,) = runs.rglob("metrics.json")
    s = json.loads(metrics_file.read_text())["summary"]
    assert s["n"] == 4 and s["alpaca_eval"]["n"] == 4 and 0 <= s["lc_win_rate"] <= 100
