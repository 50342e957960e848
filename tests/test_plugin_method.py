"""A method added from outside the repository with one Python file and one YAML file (the README's
"Adding a method"), and method-knob typos failing at compose time with Hydra's message plus a hint."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

from conftest import FAST, run_cli

PLUGIN_PY = '''
from dataclasses import dataclass

from harness import stages
from harness.config import check
from harness.registry import register_method


@dataclass
class EchoConfig:
    name: str = "echo"
    rounds: int = 1  # how many times the seed model is evaluated

    def validate(self):
        check(self.rounds, self.rounds >= 1, "method.rounds", "at least 1 round")
        return self


@register_method("echo", config=EchoConfig)
def run(ctx):
    stages.seed_model(ctx)
    for r in range(ctx.method_cfg.rounds):
        result = stages.evaluate(ctx, f"eval/round{r}")
        ctx.log_iteration({"iteration": r, "model": "M1", "eval": result})
    return result
'''

PLUGIN_YAML = '''
# Echo: the seed model, evaluated `rounds` times (a plugin's YAML keeps only what differs).
defaults:
  - echo_schema
  - _self_
rounds: 2
'''


def _plugin(tmp_path: Path) -> Path:
    folder = tmp_path / "my_methods"
    (folder / "method").mkdir(parents=True)
    (folder / "echo.py").write_text(textwrap.dedent(PLUGIN_PY))
    (folder / "method" / "echo.yaml").write_text(textwrap.dedent(PLUGIN_YAML))
    return folder


def test_a_method_from_outside_the_package_runs_end_to_end(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("SELFALIGN_PLUGINS", str(_plugin(tmp_path)))
    runs = tmp_path / "runs"
    proc = run_cli(["method=echo", *FAST], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (metrics_path,) = runs.glob("echo/tiny/*/metrics.json")
    metrics = json.loads(metrics_path.read_text())
    assert metrics["method"] == "echo"
    assert [it["iteration"] for it in metrics["iterations"]] == [0, 1]  # rounds: 2, from the plugin's YAML
    assert 0 <= metrics["summary"]["win_rate"] <= 100


def test_a_plugin_knob_typo_fails_at_compose_time_with_a_hint(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("SELFALIGN_PLUGINS", str(_plugin(tmp_path)))
    proc = run_cli(["method=echo", "method.roundz=3", *FAST], tmp_path / "runs", cache_dir)
    assert proc.returncode != 0
    assert "Key 'roundz' not in 'EchoConfig'" in proc.stderr  # Hydra's own message
    assert "Did you mean method.rounds?" in proc.stderr and "echo.py (EchoConfig)" in proc.stderr
    assert not (tmp_path / "runs" / "echo").exists()  # nothing ran


def test_a_builtin_method_knob_typo_fails_before_any_work(tmp_path, cache_dir):
    proc = run_cli(["method=self_rewarding", "method.judge.kk=5", *FAST], tmp_path / "runs", cache_dir)
    assert proc.returncode != 0
    assert "Key 'kk' not in 'RubricJudgeConfig'" in proc.stderr
    assert "Did you mean method.judge.k?" in proc.stderr and "SelfRewardingConfig" in proc.stderr
    bad_type = run_cli(["method=sera", "method.daa.beta=high", *FAST], tmp_path / "runs", cache_dir)
    assert bad_type.returncode != 0 and "method.daa.beta" in bad_type.stderr
    assert not (tmp_path / "runs" / "self_rewarding").exists() and not (tmp_path / "runs" / "sera").exists()


def test_a_missing_plugin_folder_is_a_clear_error(tmp_path, cache_dir, monkeypatch):
    monkeypatch.setenv("SELFALIGN_PLUGINS", str(tmp_path / "nowhere"))
    proc = run_cli(["method=sft", *FAST], tmp_path / "runs", cache_dir)
    assert proc.returncode == 2
    message = " ".join(proc.stderr.split())  # the error is wrapped for the terminal
    assert "SELFALIGN_PLUGINS names" in message and "not a folder" in message
