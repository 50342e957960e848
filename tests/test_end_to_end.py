"""CPU end-to-end runs of every method on the fast tiny model, through the real CLI."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import FAST, FAST_SELF_REWARDING, run_cli
from plan_checks import assert_bill_holds


def _metrics(runs: Path) -> list[dict]:
    return [json.loads(p.read_text()) for p in sorted(runs.rglob("metrics.json"))]


def test_multirun_writes_one_directory_per_job_and_a_leaderboard(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["-m", "method=sft,dpo", "seed=0,1", *FAST], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics = _metrics(runs)
    assert sorted((m["method"], m["seed"]) for m in metrics) == [("dpo", 0), ("dpo", 1), ("sft", 0), ("sft", 1)]
    for m in metrics:
        assert_bill_holds(Path(m["run_dir"]))
    assert len({m["run_dir"] for m in metrics}) == 4
    for m in metrics:
        run = Path(m["run_dir"])
        assert (run / "config.yaml").exists() and (run / "provenance.json").exists()
        prov = json.loads((run / "provenance.json").read_text())
        assert prov["seed"] == m["seed"] and "torch" in prov["packages"] and prov["judge_prompt_hashes"]
        s = m["summary"]
        assert 0 <= s["win_rate"] <= 100 and s["n"] == 12
        assert s["win_rate_ci"][0] <= s["win_rate"] <= s["win_rate_ci"][1]
        assert m["cost"]["wall_s"] > 0 and m["cost"]["train_tokens"] > 0
    board = (runs / "leaderboard.md").read_text()
    assert "| dpo | tiny | 2 |" in board and "| sft | tiny | 2 |" in board
    assert "Regenerate:" in board
    assert "| dpo | tiny | 2 |" in proc.stdout  # printed at the end of the sweep
    csv_lines = (runs / "leaderboard.csv").read_text().splitlines()
    assert csv_lines[0].startswith("method,model,seeds,decoding,win_rate") and len(csv_lines) == 3
    # the report of the same runs, as the README builds it
    report = tmp_path / "report"
    proc = run_cli([str(runs), "--out", str(report)], runs, cache_dir, module="harness.reporting.cli")
    assert proc.returncode == 0, proc.stderr[-3000:]
    data = json.loads((report / "report.json").read_text())
    (dpo,) = data["paired"]
    assert dpo["arm"] == "dpo" and dpo["vs_sft"]["n_prompts"] == 12 and dpo["vs_sft"]["n_seeds"] == 2
    assert data["annotators"][0]["annotator"] == "oracle" and data["annotators"][0]["comparisons"] == 4 * 12
    assert "| dpo | 2 |" in proc.stdout and "report.html" in proc.stdout
    assert (report / "report.html").exists() and (report / "report.md").exists()


def test_self_rewarding_logs_every_iteration_metric(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=self_rewarding", *FAST, *FAST_SELF_REWARDING], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(runs)
    assert_bill_holds(Path(m["run_dir"]))  # the compute bill against what the run recorded
    assert m["has_judge"] and [it["iteration"] for it in m["iterations"]] == [0, 1]
    it = m["iterations"][1]
    for key in ("pairs_kept", "dropped_tie", "dropped_invalid", "parse_failure_rate", "score_histogram",
                "mean_chosen_chars", "mean_rejected_chars", "train", "eval"):
        assert key in it
    assert it["pairs_kept"] + it["dropped_tie"] + it["dropped_invalid"] == 6
    assert 0 <= it["parse_failure_rate"] <= 1
    judge = m["iterations"][0]["eval"]["judge"]
    assert judge["n"] == 6 and 0 <= judge["accuracy"] <= 100
    # 6 prompts x 4 samples x 2 judgments in training, plus 2 x 6 pairs x 2 responses x 2 in evaluation;
    # a response judged before (same text, same weights) comes from the judgment cache instead
    k = 2
    assert m["cost"]["judge_calls"] + k * m["cost"]["judge_cache_hits"] == 6 * 4 * k
    assert m["eval_cost"]["judge_calls"] + k * m["eval_cost"]["judge_cache_hits"] == 2 * 6 * 2 * k
    run = Path(m["run_dir"])
    samples = [json.loads(l) for l in (run / "stages/iter1/sample/records.jsonl").read_text().splitlines()]
    assert len(samples) == 24 and {s["finish_reason"] for s in samples} <= {"stop", "length"}


def test_online_dpo_uses_the_fixed_oracle_judge(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=online_dpo", *FAST, *FAST_SELF_REWARDING], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(runs)
    assert_bill_holds(Path(m["run_dir"]))  # the compute bill against what the run recorded
    assert m["method"] == "online_dpo" and not m["has_judge"]
    it = m["iterations"][1]
    assert it["parse_failure_rate"] == 0.0  # the oracle grades every world prompt
    assert m["cost"]["judge_calls"] == 6 * 4  # one oracle call per response
    assert "judge" not in m["summary"]


def test_oracle_judge_scores_world_prompts_and_fails_on_others():
    from harness.judges.oracle import OracleJudge
    from harness.judges.protocol import JudgeCalls
    from harness.world import WorldConfig, make_prompts

    prompts = make_prompts(WorldConfig(seed=1), "prompts", 3)
    judge = OracleJudge(prompts)
    calls = JudgeCalls()
    out = judge.score([prompts[0].instruction, prompts[1].instruction, "an unknown task"],
                      [prompts[0].gold, "", "x"], calls=calls, ids=[("a", 0), ("b", 0), ("c", 0)])
    assert [j.score for j in out] == [5.0, 0.0, None]
    assert calls.n == 3


FAST_META = ["method.iterations=1", "method.prompts_per_iteration=6", "method.n_samples=3", "method.judge.k=3",
             "method.judge.max_new_tokens=16", "method.sampling.max_new_tokens=12", "method.rho=[0.32]",
             "method.train_judge=[1]", "method.meta_judge.max_new_tokens=12"]


def test_meta_rewarding_logs_actor_and_judge_pairs(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=meta_rewarding", *FAST, *FAST_META], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(runs)
    assert_bill_holds(Path(m["run_dir"]))  # the compute bill against what the run recorded
    it = m["iterations"][1]
    assert it["rho"] == 0.32 and it["train_judge"]
    assert it["pairs_kept"] + it["dropped_tie"] + it["dropped_invalid"] + it["dropped_same_response"] == 6
    for key in ("judge_pairs_candidates", "judge_pairs_kept", "meta_position_bias", "meta_score_bias",
                "unique_samples", "mean_sample_tokens"):
        assert key in it
    assert it["unique_samples"] <= 6 * 3
    run = Path(m["run_dir"])
    verdicts = json.loads((run / "stages/iter1/meta_judge/result.json").read_text())["verdicts"]
    assert len(verdicts) == it["judge_pairs_candidates"]
    # every judgment pair was meta-judged in both orders: n(n-1) verdicts for n judgments
    for v in verdicts:
        n = round((1 + (1 + 4 * len(v)) ** 0.5) / 2)
        assert n * (n - 1) == len(v)
    assert it["train"]["pairs"] == it["pairs_kept"] + it["judge_pairs_kept"]


FAST_SELECTION = ["method.inference.best_of=2", "method.inference.report_n=[1,2,3]",
                  "method.inference.sampling.max_new_tokens=8"]


def test_self_judge_trains_on_policy_and_selects_by_tournament(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=self_judge", *FAST, *FAST_SELECTION, "method.prompts=8", "method.daa.train.epochs=1",
                    "method.daa.train.batch_size=4", "method.sampling.max_new_tokens=8"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(runs)
    assert_bill_holds(Path(m["run_dir"]))  # the compute bill against what the run recorded
    s = m["summary"]
    assert s["decoding"] == "tournament@2" and set(s["win_rate_vs_n"]) == {"1", "2", "3"}
    assert s["win_rate"] == s["win_rate_vs_n"]["2"]["win_rate"] and "greedy" in s
    assert 0 <= s["judge"]["order_consistency"] <= 1  # a pairwise judge, read in both orders
    it = m["iterations"][1]
    assert it["train"]["refreshes"] == 2 and it["train"]["pairs"] == 8  # refresh=step: new pairs every step
    assert it["tournament_comparisons"] == {"1": 0, "2": 12, "3": 24}  # N - 1 per prompt, 12 prompts
    # stage B: 2 orders per pair; evaluation: 2 orders per tournament match and per judge-accuracy pair
    assert m["cost"]["judge_calls"] == 2 * 8
    # the N=3 tournaments replay the N=2 ones' first matches: those come from the judgment cache
    requested = 2 * (12 + 24) + 2 * (2 * 6)
    assert m["eval_cost"]["judge_calls"] + m["eval_cost"]["judge_cache_hits"] == requested
    assert m["eval_cost"]["judge_cache_hits"] > 0
    run = Path(m["run_dir"])
    assert (run / "stages/eval/M2/select/candidates/records.jsonl").read_text().count("\n") == 12 * 3


def test_sera_reviews_selects_and_bootstraps_with_label_noise(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=sera", *FAST, "method.iterations=2", "method.bootstrap_prompts=6",
                    "method.sampling.max_new_tokens=8", "data.world.label_noise=0.25", "method.daa.loss=ipo"],
                   runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(runs)
    assert_bill_holds(Path(m["run_dir"]))  # the compute bill against what the run recorded
    first, second = m["iterations"][1], m["iterations"][2]
    assert first["warmup_rule"] and first["selected"] == 16 and first["bootstrapped"] == 0  # π_1 = π_ref
    assert not second["warmup_rule"] and second["selected"] == round(0.7 * 16)
    assert second["flipped_pairs"] > 0 and 0 <= second["flipped_removed_fraction"] <= 1
    assert second["train"]["pairs"] == second["selected"] + second["bootstrapped"]
    assert second["bootstrapped"] <= int(0.5 * second["selected"])
    assert "judge" in m["summary"]  # the implicit reward as a judge


def test_self_j_labels_trains_two_views_and_reports_selection(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=self_j", *FAST, *FAST_SELECTION, "method.label_prompts=6", "method.train.epochs=1",
                    "method.sampling.max_new_tokens=8"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(runs)
    assert_bill_holds(Path(m["run_dir"]))  # the compute bill against what the run recorded
    s = m["summary"]
    assert s["decoding"] == "best_of@2"
    assert set(s["score_correlations"]) == {"with_reference", "without_reference"}
    assert [p["threshold"] for p in s["selective_answering"]] == list(range(10))
    assert s["selective_answering"][0]["coverage"] == 1.0
    it = m["iterations"][1]
    assert it["answers"] == 12 and it["labelled"] + it["self_grade_failures"] == 12
    run = Path(m["run_dir"])
    cos = json.loads((run / "stages/labels/cosine/result.json").read_text())["cosine"]
    assert len(cos) == 12 and all(-1.0001 <= c <= 1.0001 for c in cos)
    # 12 x 3 candidates judged once per view
    assert m["eval_cost"]["judge_calls"] >= 2 * 12 * 3


def test_a_local_model_can_annotate_win_rates(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    assert run_cli(["method=sft", *FAST], runs, cache_dir).returncode == 0  # builds the tiny base
    folder = sorted(p.parent for p in cache_dir.glob("tiny/*/config.json"))[0]  # any saved model folder serves
    proc = run_cli(["method=sft", *FAST, "eval.annotator=model", f"eval.annotator_model={folder}"],
                   tmp_path / "runs2", cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(tmp_path / "runs2")
    s = m["summary"]
    assert s["annotator"] == f"model:{folder}" and s["alpaca_eval"]["annotator"] == s["annotator"]
    assert 0 <= s["win_rate"] <= 100 and 0 <= s["lc_win_rate"] <= 100
    # the report checks that annotator against the oracle on the same stored comparisons
    proc = run_cli([str(tmp_path / "runs2"), "--out", str(tmp_path / "report")], tmp_path / "runs2", cache_dir,
                   module="harness.reporting.cli")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (check,) = json.loads((tmp_path / "report" / "report.json").read_text())["annotators"]
    assert check["annotator"] == s["annotator"] and check["comparisons"] == 12
    assert 0 < check["agreement_n"] <= 12 and 0 <= check["agreement"] <= 100


def test_lm_eval_capability_of_seed_and_final_model(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    proc = run_cli(["method=dpo", *FAST, "eval.lm_eval_tasks=[selfalign_world_generate,selfalign_world_mc]",
                    "eval.lm_eval_world_n=8"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (m,) = _metrics(runs)
    assert_bill_holds(Path(m["run_dir"]))  # the compute bill against what the run recorded
    cap = m["capability"]
    for which in ("seed", "final"):
        assert cap[which]["selfalign_world_generate"]["n"] == 8 and cap[which]["selfalign_world_mc"]["n"] == 8
        assert 0 <= cap[which]["selfalign_world_mc"]["acc"] <= 1
    delta = cap["delta"]["selfalign_world_mc/acc"]
    assert delta == cap["final"]["selfalign_world_mc"]["acc"] - cap["seed"]["selfalign_world_mc"]["acc"]
    run = Path(m["run_dir"])
    mc = [json.loads(l) for l in (run / "lm_eval_tasks/world_mc.jsonl").read_text().splitlines()]
    assert len(mc) == 8 and all(r["choices"][r["label"]] and len(set(r["choices"])) == len(r["choices"]) for r in mc)
    assert "lm-eval Δ" in (runs / "leaderboard.md").read_text()
