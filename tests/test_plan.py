"""`selfalign plan`, the compute bill (harness/planning/): a second seed's real run against the bill
calibrated on the first, the table a user reads, the pool check that stops a run before it
spends anything, and a bill for every paper overlay. (Every method's bill is also held against
its end-to-end run: tests/test_end_to_end.py, tests/plan_checks.py.)"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from conftest import FAST, FAST_SELF_REWARDING, REPO, compose, run_cli
from harness.judges.judgment_cache import JudgmentCache
from harness.planning.bill import COUNTERS, measured, price, totals
from harness.planning.cli import iterations_within

OVERLAYS = sorted(p.stem for p in (REPO / "conf" / "experiment").glob("*.yaml"))


def _runs(root: Path) -> dict[int, Path]:
    return {json.loads(f.read_text())["seed"]: f.parent for f in root.rglob("metrics.json")}


def test_the_bill_calibrated_on_one_seed_predicts_another_within_ten_percent(tmp_path, cache_dir):
    # the session's models without its judgments: both seeds run cold, as the bill assumes
    cache = tmp_path / "cache"
    shutil.copytree(cache_dir, cache, ignore=shutil.ignore_patterns(f"{JudgmentCache.FILE}*"))
    runs = tmp_path / "runs"
    knobs = [*FAST, *FAST_SELF_REWARDING, "method.prompts_per_iteration=12"]
    proc = run_cli(["-m", "experiment=self_rewarding_tiny", "seed=0,1", *knobs], runs, cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    by_seed = _runs(runs)
    rates = measured([by_seed[0]], "self_rewarding", "tiny")
    assert rates  # the first seed's stages give rates
    cfg = compose(["experiment=self_rewarding_tiny", "seed=1", *knobs], runs, cache)
    lines = price(cfg, rates)
    real = json.loads((by_seed[1] / "metrics.json").read_text())
    for part, evaluation in (("cost", False), ("eval_cost", True)):
        planned = totals(lines, evaluation)
        for k in COUNTERS:
            assert planned[k] == pytest.approx(real[part][k], rel=0.10, abs=0.5), (part, k, planned[k], real[part][k])
    # the recipe fixes the calls exactly: the cold bill needs no calibration for them
    cold = price(cfg)
    for part, evaluation in (("cost", False), ("eval_cost", True)):
        assert totals(cold, evaluation, "bound")["judge_calls"] == real[part]["judge_calls"]
        assert totals(cold, evaluation, "bound")["sampler_calls"] == real[part]["sampler_calls"]


def test_plan_prints_one_row_per_method_and_the_iterations_a_budget_buys(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["plan", "method=sft,self_rewarding", *FAST, "--judge-budget", "100",
                    "--gen-tok-s", "1000", "--train-tok-s", "1000", "--phases"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    summary = proc.stdout.split("\n\n")[0]  # the first table; the phase and budget tables follow
    rows = {line.split("|")[1].strip(): line for line in summary.splitlines() if line.startswith("| ")}
    assert {"sft", "self_rewarding"} <= set(rows)
    assert not runs.exists() or not any(runs.rglob("metrics.json"))  # nothing ran
    cfg = compose(["method=self_rewarding", *FAST], runs, cache_dir)
    lines = price(cfg)
    # self_rewarding's defaults: 2 iterations of 128 prompts x 4 samples x k = 3 judgments
    assert totals(lines, False)["judge_calls"] == 2 * 128 * 4 * 3
    assert rows["self_rewarding"].split("|")[2].strip() == "256"  # pool prompts
    assert "| iter1/judge | method | 1,536 |" in proc.stdout
    assert "| self_rewarding | 0 |" in proc.stdout  # one iteration costs 1,536 judge calls > 100
    gpu_h = float(rows["sft"].split("|")[12])
    assert gpu_h == pytest.approx((totals(price(compose(["method=sft", *FAST], runs, cache_dir)), False)["train_tokens"]
                                   + 12 * 12) / 1000 / 3600, abs=0.01)


def test_the_iterations_within_a_budget_count_the_seed_phases_first():
    cfg = compose(["method=self_rewarding", *FAST, "method.iterations=3"], Path("/tmp/r"), Path("/tmp/c"))
    lines = price(cfg)
    per = 128 * 4 * 3
    assert iterations_within(lines, 2 * per) == 2 and iterations_within(lines, per - 1) == 0
    assert iterations_within(lines, 10 * per) == 10  # beyond the planned ones, at the mean iteration's price


def test_a_pool_too_small_for_the_recipe_stops_before_any_work(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=self_rewarding", *FAST, "method.iterations=2", "method.prompts_per_iteration=30"],
                   runs, cache_dir)
    assert proc.returncode == 2
    assert "draws 60 fresh training prompts" in proc.stderr and "data.n_train_prompts=40" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert not list(runs.rglob("_done.json"))  # no stage ran, M1 included


@pytest.mark.parametrize("name", OVERLAYS)
def test_every_paper_overlay_has_a_bill_and_a_big_enough_pool(name, tmp_path, cache_dir):
    from harness.planning.bill import check_prompt_pool, pool_needed

    cfg = compose([f"experiment={name}"], tmp_path, cache_dir)
    lines = price(cfg)
    check_prompt_pool(cfg)
    assert totals(lines, False, "bound")["train_tokens"] > 0
    assert pool_needed(lines) <= int(cfg.data.n_train_prompts) or cfg.data.train_prompts_path


def test_plan_refuses_bad_input_with_a_message(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    runs.mkdir()
    cases = [(["method=no_such_method"], "method=no_such_method"),
             (["method=sft", "data.n_eval_prompts=-5"], "data.n_eval_prompts"),
             (["method=sft", "--runs", str(tmp_path / "nowhere")], "is not a folder"),
             (["method=sft", "--judge-budget", "0"], "must be a positive number")]
    for args, message in cases:
        proc = run_cli(["plan", *args], runs, cache_dir)
        said = " ".join(proc.stderr.split())  # the message is wrapped to the terminal's width
        assert proc.returncode == 2 and message in said and "Traceback" not in said, (args, said)
    garbage = runs / "sft" / "tiny" / "seed0-x"
    garbage.mkdir(parents=True)
    (garbage / "metrics.json").write_text("{not json")
    (garbage / "config.yaml").write_text("seed: 0\n")
    proc = run_cli(["plan", "method=sft", "--runs", str(runs)], runs, cache_dir)
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "metrics.json is not readable JSON" in said and "Traceback" not in said


def test_measured_rates_never_price_past_the_bounds(tmp_path, cache_dir):
    """Rates from runs with longer outputs cannot push a shorter config's bill past its bounds."""
    cfg = compose(["method=self_rewarding", *FAST, "method.sampling.max_new_tokens=4"], tmp_path, cache_dir)
    rates = {"iter*/sample": {"tokens_generated": 30.0}, "iter*/train": {"train_tokens": 10_000.0}}
    for line in price(cfg, rates):
        assert all(line.expected[k] <= line.bound[k] for k in COUNTERS), line.phase.stage
