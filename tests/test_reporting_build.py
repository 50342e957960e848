"""The report folder (harness/reporting/build.py) from hand-made run directories: every plot has
the CSV of its numbers, the HTML stands alone, the annotator check reads the stored comparisons,
and `selfalign-report` refuses bad input with a clear message."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest
from omegaconf import OmegaConf

from comparison_runs import make_run, wins_of
from conftest import FAST, compose, run_cli
from harness.evaluation.stored_runs import load_runs
from harness.reporting import annotator_check
from harness.reporting.build import build


def _iterations(win_rates, judge=None, lengths=None):
    out = []
    for i, wr in enumerate(win_rates):
        ev = {"win_rate": wr, "lc_win_rate": wr + 1, "mean_length_tokens": (lengths or [10.0] * len(win_rates))[i]}
        if judge:
            ev["judge"] = {"accuracy": judge[i]}
        out.append({"iteration": i, "eval": ev})
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    dirs = []
    for seed in (0, 1):
        dirs.append(make_run(root, "sft", seed, 40.0, wins_of([0.0] * 6 + [1.0] * 4)))
        dirs.append(make_run(root, "self_rewarding", seed, 60.0 + seed, wins_of([1.0] * 6 + [0.0] * 4),
                             iterations=_iterations([40.0, 50.0, 60.0 + seed], judge=[55.0, 60.0, 65.0]),
                             cost={"tokens_generated": 5000, "judge_calls": 300, "wall_s": 60.0}))
        d = make_run(root, "self_j", seed, 50.0, wins_of([1.0] * 5 + [0.0] * 5), decoding="best_of@4",
                     cost={"tokens_generated": 800, "judge_calls": 40, "wall_s": 60.0})
        metrics = json.loads((d / "metrics.json").read_text())
        metrics["summary"]["win_rate_vs_n"] = {"1": {"win_rate": 30.0 + seed}, "4": {"win_rate": 50.0 + seed}}
        metrics["summary"]["selective_answering"] = [
            {"threshold": 0, "answered": 10, "coverage": 1.0, "win_rate": 50.0},
            {"threshold": 5, "answered": 4, "coverage": 0.4, "win_rate": 75.0 + seed},
            {"threshold": 9, "answered": 0, "coverage": 0.0, "win_rate": None}]
        (d / "metrics.json").write_text(json.dumps(metrics))
        dirs.append(d)
    out = tmp_path_factory.mktemp("report")
    return out, build(dirs, out, "selfalign-report runs --out report", title="test report")


def _csv(path):
    return list(csv.DictReader(io.StringIO(path.read_text())))


def test_every_plot_comes_with_the_csv_of_its_numbers(folder):
    out, result = folder
    pngs = sorted(p.stem for p in out.glob("*.png"))
    assert pngs == ["gain-vs-cost", "iterations", "selective-answering", "win-rate-vs-n"]
    for stem in pngs:
        assert (out / f"{stem}.png").read_bytes()[:4] == b"\x89PNG"
        assert _csv(out / f"{stem}.csv"), stem
        assert "![" in result["markdown"] and f"({stem}.png)" in result["markdown"]


def test_plotted_numbers_are_the_runs_numbers(folder):
    out, _ = folder
    it = [r for r in _csv(out / "iterations.csv") if r["arm"] == "self_rewarding" and r["metric"] == "win_rate"]
    assert [(int(r["x"]), float(r["mean"])) for r in it] == [(0, 40.0), (1, 50.0), (2, 60.5)]
    judge = [float(r["mean"]) for r in _csv(out / "iterations.csv") if r["metric"] == "judge_accuracy"]
    assert judge == [55.0, 60.0, 65.0]
    by_n = {int(r["x"]): float(r["mean"]) for r in _csv(out / "win-rate-vs-n.csv")}
    assert by_n == {1: 30.5, 4: 50.5}
    selective = {float(r["x"]): float(r["mean"]) for r in _csv(out / "selective-answering.csv")}
    assert selective == {100.0: 50.0, 40.0: 75.5}  # a threshold nothing passes is not a point
    cost = {r["arm"]: (float(r["judge_calls"]), float(r["mean"])) for r in _csv(out / "gain-vs-cost.csv")}
    assert cost == {"self_rewarding": (300.0, 20.0), "self_j": (40.0, 10.0)}


def test_the_leaderboard_pairs_every_method_with_sft_and_its_closest_rival(folder):
    out, result = folder
    data = json.loads((out / "report.json").read_text())
    rows = {r["arm"]: r for r in data["paired"]}
    assert rows["self_rewarding"]["rival"] == "self_j" and rows["self_j"]["rival"] == "self_rewarding"
    assert rows["self_rewarding"]["vs_sft"]["diff"] == pytest.approx(20.0)
    assert rows["self_rewarding"]["vs_rival"]["diff"] == pytest.approx(10.0)
    assert all("q" in r["vs_sft"] and "q" in r["vs_rival"] for r in rows.values())
    # self_rewarding and self_j are each other's rival: that pair is one hypothesis, with one q
    assert rows["self_j"]["vs_rival"]["q"] == rows["self_rewarding"]["vs_rival"]["q"]
    assert rows["self_j"]["vs_rival"]["diff"] == pytest.approx(-rows["self_rewarding"]["vs_rival"]["diff"])
    assert "The table holds 3 distinct hypotheses" in result["markdown"]
    assert "| self_rewarding | 2 | 60.5 [" in result["markdown"]


def test_the_html_page_stands_alone(folder):
    out, _ = folder
    page = (out / "report.html").read_text()
    sources = re.findall(r'<img src="([^"]+)"', page)
    assert len(sources) == 4 and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r'(src|href)="https?://', page) and "<script" not in page
    assert page.count("<table>") == len(re.findall(r"^\|---", (out / "report.md").read_text(), re.MULTILINE))


def test_files_outside_results_are_not_vouched_for(folder):
    out, result = folder
    assert set(result["files"]) == {p.name for p in out.iterdir()}


def test_the_annotator_check_measures_position_bias_and_agreement_with_the_oracle(tmp_path, cache_dir):
    """A model annotator that always prefers the first-shown output, on real world prompts: its
    position bias is 100% and flagged, and its agreement with the oracle is what the oracle says."""
    from harness.data.provider import DataProvider
    from harness.world import oracle_prefers

    cfg = compose(list(FAST), tmp_path / "runs", cache_dir)
    prompts = DataProvider(cfg.data).eval_prompts
    run = tmp_path / "run"
    stage = run / "stages" / "eval" / "M1"
    (stage / "win_rate").mkdir(parents=True)
    (stage / "outputs").mkdir()
    outputs = [p.gold if i % 2 else "no" for i, p in enumerate(prompts)]
    (stage / "outputs" / "records.jsonl").write_text(
        "".join(json.dumps({"prompt_id": p.id, "text": o}) + "\n" for p, o in zip(prompts, outputs)))
    rows = [{"prompt_id": p.id, "model_first": i % 3 == 0, "preference": 1.0, "win": 1.0 if i % 3 == 0 else 0.0}
            for i, p in enumerate(prompts)]
    (stage / "win_rate" / "result.json").write_text(json.dumps({"rows": rows}))
    (run / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.to_container(cfg, resolve=False)))
    (run / "metrics.json").write_text(json.dumps({
        "method": "sft", "model": "tiny", "seed": 0, "variant": {"label": "", "config_hash": "h"},
        "summary": {"win_rate": 0.0, "win_rate_stage": "eval/M1/win_rate", "annotator": "model:x"}, "cost": {}}))
    (row,) = annotator_check.check(load_runs([run]))
    assert row["annotator"] == "model:x" and row["picks_first"] == 100.0 and row["flagged"]
    truth = [oracle_prefers(p, *((o, p.reference) if r["model_first"] else (p.reference, o)))
             for p, o, r in zip(prompts, outputs, rows)]
    decided = [t for t in truth if t != 1.5]
    assert row["agreement_n"] == len(decided) > 0
    assert row["agreement"] == pytest.approx(100 * sum(t == 1.0 for t in decided) / len(decided))
    assert "**100.0 [100.0, 100.0]**" in annotator_check.markdown([row])


def test_selfalign_report_refuses_a_missing_folder_and_an_empty_one(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    runs.mkdir()
    proc = run_cli([str(tmp_path / "nowhere")], runs, cache_dir, module="harness.reporting.cli")
    assert proc.returncode != 0 and "does not exist" in proc.stderr and "Traceback" not in proc.stderr
    proc = run_cli([str(runs)], runs, cache_dir, module="harness.reporting.cli")
    assert proc.returncode != 0 and "no metrics.json under" in proc.stderr and "Traceback" not in proc.stderr


def test_selfalign_report_names_a_broken_metrics_file(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    make_run(runs, "sft", 0, 40.0, wins_of([0.0] * 4))
    broken = make_run(runs, "dpo", 0, 40.0, wins_of([0.0] * 4))
    (broken / "metrics.json").write_text("{truncated")
    proc = run_cli([str(runs)], runs, cache_dir, module="harness.reporting.cli")
    said = " ".join(proc.stderr.split())  # the message is wrapped to the terminal's width
    assert proc.returncode == 2 and f"{broken / 'metrics.json'} is not readable JSON" in said
    (broken / "metrics.json").write_text(json.dumps({"method": "dpo", "summary": {}}))
    proc = run_cli([str(runs)], runs, cache_dir, module="harness.reporting.cli")
    said = " ".join(proc.stderr.split())
    assert proc.returncode == 2 and "lacks model, seed, cost" in said and "Traceback" not in said
