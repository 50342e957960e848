"""Paper against harness (harness/reporting/papers.py): which stored runs count as a paper
overlay's or its twin's, what the twin's reading says, and the bill shown where nothing ran."""

from __future__ import annotations

import copy

import pytest
from omegaconf import OmegaConf

from comparison_runs import make_run, wins_of
from harness.evaluation.stored_runs import load_runs
from harness.reporting import papers


@pytest.fixture(scope="module")
def twin_config():
    return papers.overlay_config("self_rewarding_tiny")


def test_a_run_belongs_to_an_overlay_when_every_shared_knob_agrees(twin_config):
    run = copy.deepcopy(twin_config)
    assert papers.belongs(run, twin_config)
    run["method"]["iterations"] = 5
    assert not papers.belongs(run, twin_config)
    older = copy.deepcopy(twin_config)
    del older["method"]["daa"]["nll_weight"]  # a knob added after the run was made: not held against it
    assert papers.belongs(older, twin_config)
    assert not papers.belongs(twin_config, papers.overlay_config("self_rewarding_llama2_70b"))


def _sr_run(root, seed, m1, last, config):
    d = make_run(root, "self_rewarding", seed, last, wins_of([1.0] * 4),
                 iterations=[{"iteration": 0, "eval": {"win_rate": m1}}, {"iteration": 2, "eval": {"win_rate": last}}])
    (d / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create({**config, "seed": seed})))
    return d


def test_the_twin_reads_the_papers_direction_and_the_overlay_shows_its_bill(tmp_path, twin_config):
    dirs = [_sr_run(tmp_path, s, 40.0, 45.0 + s, twin_config) for s in (0, 1, 2)]
    rows = papers.compare(load_runs(dirs))
    (win_rate,) = [r for r in rows if r["figure"].figure.startswith("AlpacaEval 2 win rate, M1")]
    assert win_rate["n_twin"] == 3 and win_rate["n_at_scale"] == 0 and win_rate["harness"] is None
    e = win_rate["twin"]["estimate"]
    assert e["mean"] == pytest.approx(6.0) and e["n_seeds"] == 3 and win_rate["twin"]["verdict"] == "reproduces"
    text = papers.markdown(rows, {"self_rewarding_llama2_70b": "bill: ≤ 1 judge calls"})
    assert "not run here: `selfalign experiment=self_rewarding_llama2_70b` (bill: ≤ 1 judge calls)" in text
    assert "win rate rises over the iterations: +6.0 [" in text
    assert "not run: `selfalign experiment=self_j_tiny`" in text  # no Self-J run at all
    assert "| self_judge | win rate of on-policy self-judgment and tournament selection | not retrieved |" in text


def test_every_figure_names_a_composable_overlay_and_twin():
    bills = papers.bills()
    assert set(bills) == {f.overlay for f in papers.FIGURES}
    assert all(b.startswith("bill: ≤ ") for b in bills.values())
    for f in papers.FIGURES:
        assert papers.overlay_config(f.twin)["method"]["name"] == f.method
