"""`selfalign-world` end to end on the fast tiny model: a world of the opt-in one-symbol families,
its numbers written as JSON for scripts/world_probes.py, and a bad flag refused."""

from __future__ import annotations

import json

import pytest

from conftest import FAST, run_cli
from harness.evaluation.world_diagnostics import TARGETS

pytestmark = pytest.mark.slow  # builds a tiny model and its seed model


def test_world_diagnostics_of_an_opt_in_world_as_json(tmp_path, cache_dir):
    runs, out = tmp_path / "runs", tmp_path / "diag.json"
    proc = run_cli(["--prompts", "6", "--json", str(out), *FAST, "data.world.families=[repeat,missing]"],
                   runs, cache_dir, module="harness.world_app")
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = json.loads(out.read_text())
    assert set(result["families"]) == {"repeat", "missing"}  # only the families asked for
    assert set(result["targets_met"]) == {*TARGETS, "no_family_at_zero"}
    overall = result["overall"]
    assert overall["greedy_em_eval"]["n"] == 6 and overall["pass1"]["n"] == 6 * result["k"]
    assert "| repeat |" in proc.stdout and "| missing |" in proc.stdout
    # a second run reuses every stored stage and prints the same numbers
    again = run_cli(["--prompts", "6", "--json", str(out), *FAST, "data.world.families=[repeat,missing]"],
                    runs, cache_dir, module="harness.world_app")
    assert again.returncode == 0 and json.loads(out.read_text()) == result


def test_unknown_family_is_refused_naming_the_opt_in_ones(tmp_path, cache_dir):
    proc = run_cli(["--prompts", "6", *FAST, "data.world.families=[repeats]"], tmp_path / "runs", cache_dir,
                   module="harness.world_app")
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert "repeats" in proc.stderr and "missing" in proc.stderr
