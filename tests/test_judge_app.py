"""selfalign-judge: judges x checkpoints x pair sets through the real CLI, RewardBench-format files
scored per subset and section, and clear errors for bad inputs."""

from __future__ import annotations

import json

import pytest

from conftest import FAST, run_cli
from harness.errors import DataError
from harness.evaluation.rewardbench import pairs_from_rows, section_scores

JUDGE_FAST = [o for o in FAST if o.startswith(("model.", "data.", "eval.bootstrap", "progress"))]

ROWS = [
    {"id": 0, "prompt": "What is 2 plus 2?", "chosen": "4", "rejected": "5", "subset": "alpacaeval-easy"},
    {"id": 1, "prompt": "Reverse the word cat.", "chosen": "tac", "rejected": "cat", "subset": "alpacaeval-easy"},
    {"id": 2, "prompt": "Sort: b a c", "chosen": "a b c", "rejected": "c b a", "subset": "mt-bench-med"},
    {"id": 3, "prompt": "Upper-case: hi", "chosen": "HI", "rejected": "hi", "subset": "math-prm"},
    {"id": 4, "prompt": "What is 3 minus 1?", "chosen": "2", "rejected": "4", "subset": "hep-go"},
    {"id": 5, "prompt": "Largest of 3 9 4?", "chosen": "9", "rejected": "4", "subset": "my-own-set"},
]


def test_rewardbench_rows_become_balanced_labelled_pairs():
    pairs = pairs_from_rows(ROWS * 20, seed=0)  # repeated ids share their coin
    better = [p.response_a if p.label == 0 else p.response_b for p in pairs]
    assert better == [r["chosen"] for r in ROWS * 20]
    assert {p.label for p in pairs[:6]} <= {0, 1} and pairs[6].label == pairs[0].label
    many = pairs_from_rows([{**ROWS[0], "id": i} for i in range(200)], seed=0)
    assert 70 < sum(p.label == 0 for p in many) < 130  # the chosen response is first about half the time
    with pytest.raises(DataError, match="row 1 has no text field 'rejected'"):
        pairs_from_rows([ROWS[0], {"prompt": "x", "chosen": "y"}])


def test_sections_weight_subsets_by_reward_bench_counts():
    pairs = pairs_from_rows(ROWS, seed=0)
    out = section_scores(pairs, [1.0, 0.0, 1.0, 1.0, 0.0, 0.5])
    assert out["subsets"]["alpacaeval-easy"] == {"accuracy": 50.0, "n": 2}
    # Chat: alpacaeval-easy (weight 100) at 50 %, mt-bench-med (weight 40) at 100 %
    assert out["sections"]["Chat"] == pytest.approx((50 * 100 + 100 * 40) / 140)
    # Reasoning: math-prm (984) at 100 %, hep-go (164) at 0 %
    assert out["sections"]["Reasoning"] == pytest.approx(100 * 984 / (984 + 164))
    assert out["sections"]["other"] == 50.0 and "Safety" not in out["sections"]
    assert out["score"] == pytest.approx(sum(out["sections"].values()) / 3)


def test_judge_sweep_over_judges_on_world_and_rewardbench_pairs(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    rb = tmp_path / "rb.jsonl"
    rb.write_text("".join(json.dumps(r) + "\n" for r in ROWS))
    proc = run_cli(["-m", "judge=pairwise,digit,oracle", f"pairs=world,{rb}", *JUDGE_FAST], runs, cache_dir,
                   module="harness.judge_app")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (sweep,) = (runs / "judge_sweeps").iterdir()
    results = [json.loads(f.read_text()) for f in sorted(sweep.glob("*/judge_result.json"))]
    assert sorted((r["judge"], r["pairs"] == "world") for r in results) == sorted(
        (j, w) for j in ("pairwise", "digit", "oracle") for w in (True, False))
    for r in results:
        assert r["n"] == (6 if r["pairs"] == "world" else len(ROWS))
        assert r["accuracy_ci"][0] <= r["accuracy"] <= r["accuracy_ci"][1]
    by = {(r["judge"], r["pairs"] == "world"): r for r in results}
    assert by[("oracle", True)]["accuracy"] == 100.0  # the world's scores order every pair correctly
    assert by[("oracle", False)]["failure_rate"] == 1.0  # RewardBench rows carry no scores
    assert 0 <= by[("pairwise", True)]["order_consistency"] <= 1
    assert set(by[("digit", False)]["rewardbench"]["sections"]) == {"Chat", "Reasoning", "other"}
    table = (sweep / "judge_table.md").read_text()
    body = [line for line in table.splitlines() if line.startswith("| ") and not line.startswith("| judge |")]
    assert len(body) == 6 and "Regenerate: `selfalign-judge" in table
    assert "| oracle | – (no model) | world | 100.0" in proc.stdout


def test_a_run_directory_as_checkpoint_lists_its_checkpoints(tmp_path, cache_dir):
    run = tmp_path / "runs" / "sera" / "tiny" / "seed0-abc"
    (run / "stages" / "iter1" / "train" / "checkpoint").mkdir(parents=True)
    (run / "stages" / "iter1" / "train" / "checkpoint" / "config.json").write_text("{}")
    proc = run_cli(["judge=pairwise", f"checkpoint={run}", *JUDGE_FAST], tmp_path / "runs", cache_dir,
                   module="harness.judge_app")
    assert proc.returncode == 2
    assert "is not a saved model folder" in proc.stderr and "stages/iter1/train/checkpoint" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli(["judge=nope", *JUDGE_FAST], tmp_path / "runs", cache_dir, module="harness.judge_app")
    assert proc.returncode == 2 and "Invalid config value judge='nope'" in proc.stderr


def test_meta_judge_is_scored_on_the_worlds_judgment_pairs(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["judge=meta", "n_pairs=4", "meta_judge.max_new_tokens=8", *JUDGE_FAST], runs, cache_dir,
                   module="harness.judge_app")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = [json.loads(f.read_text()) for f in runs.rglob("judge_result.json")]
    assert result["judge"] == "meta" and result["n"] == 4 and result["judge_calls"] + result["judge_cache_hits"] == 8  # both orders
    assert 0 <= result["accuracy"] <= 100 and result["failure_rate"] is not None
    proc = run_cli(["judge=meta", f"pairs={tmp_path / 'x.jsonl'}", *JUDGE_FAST], runs, cache_dir,
                   module="harness.judge_app")
    assert proc.returncode == 2 and "pairs" in proc.stderr and "judge=meta" in proc.stderr
