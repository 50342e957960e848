"""Committed results name the commit and command that produced them, and the README's first
command is the one CI re-runs and compares number for number."""

from __future__ import annotations

import importlib.util
import json

from harness import results_provenance as prov
from conftest import REPO


def _reproduce():
    spec = importlib.util.spec_from_file_location("reproduce_readme", REPO / "scripts" / "reproduce_readme.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_committed_results_pass_their_own_check():
    assert prov.problems() == []


def test_unlisted_files_unknown_commits_and_dirty_code_are_problems(tmp_path):
    head = prov.code_commit()["commit"]
    for name in ("a.md", "b.csv", "c.md", "d.md"):
        (tmp_path / name).write_text("x\n")
    manifest = {
        "a.md": {"commit": head, "dirty": False, "command": "python scripts/a.py"},
        "b.csv": {"commit": "0" * 40, "dirty": False, "command": "python scripts/b.py"},
        "c.md": {"commit": head, "dirty": True, "command": "python scripts/c.py"},
        "gone.md": {"commit": head, "dirty": False, "command": "python scripts/gone.py"},
    }
    (tmp_path / prov.MANIFEST).write_text(json.dumps(manifest))
    found = prov.problems(tmp_path)
    assert not any(p.startswith("a.md") for p in found)
    assert any(p.startswith("b.csv") and "not an ancestor" in p for p in found)
    assert any(p.startswith("c.md") and "uncommitted" in p for p in found)
    assert any(p.startswith("d.md") and "not in" in p for p in found)
    assert any(p.startswith("gone.md") and "missing" in p for p in found)


def test_record_names_the_current_commit_and_command(tmp_path):
    (tmp_path / "x.md").write_text("x\n")
    prov.record([tmp_path / "x.md", tmp_path.parent / "elsewhere.md"], "python scripts/x.py", results=tmp_path)
    entries = prov.load(tmp_path)
    assert set(entries) == {"x.md"}  # a file outside the results folder is not vouched for
    assert entries["x.md"]["commit"] == prov.code_commit()["commit"] and entries["x.md"]["command"] == "python scripts/x.py"


def test_files_in_subfolders_are_keyed_by_their_path_inside_results(tmp_path):
    (tmp_path / "report").mkdir()
    (tmp_path / "report" / "report.md").write_text("x\n")
    (tmp_path / "report" / "plot.png").write_text("x\n")
    prov.record([tmp_path / "report" / "report.md"], "selfalign-report runs --out results/report", results=tmp_path)
    assert set(prov.load(tmp_path)) == {"report/report.md"}
    unlisted = [p for p in prov.problems(tmp_path) if "not in" in p]
    assert unlisted == ["report/plot.png: not in PROVENANCE.json (which commit and command produced it?)"]


def test_the_reproduced_command_is_the_readmes_first():
    command = _reproduce().readme_command()
    assert command.startswith("python3 -m venv .venv") and command.endswith("&& selfalign")
    assert command in (REPO / "README.md").read_text()


def test_every_number_but_wall_time_must_match():
    module = _reproduce()
    header = "method,win_rate,judge_calls,notes,wall_s\n"
    committed = module.rows(header + "sft,61.8,0,,204\nself_rewarding,58.0,975,pairs by iteration 57/68,240\n")
    assert module.differences(committed, module.rows(header + "sft,61.8,0,,999\nself_rewarding,58.0,975,pairs by iteration 57/68,1\n")) == []
    moved = module.differences(committed, module.rows(header + "sft,61.8,0,,204\nself_rewarding,58.0,975,pairs by iteration 57/67,240\n"))
    assert moved == ["self_rewarding.notes: committed 'pairs by iteration 57/68', produced 'pairs by iteration 57/67'"]
    assert module.differences(committed, module.rows(header + "sft,61.8,0,,204\n")) == [
        "self_rewarding: in the committed leaderboard, not produced"]


def test_across_float_environments_the_shape_must_match_and_moved_values_are_listed():
    reproduce = _reproduce()
    header = "method,seeds,n_eval,win_rate,win_rate_ci,judge_acc,judge_acc_ci,config_hash\n"
    committed = reproduce.rows(header + 'sft,1,200,37.0,"[31.0, 43.0]",,,aa\nself_rewarding,1,200,45.0,"[39.0, 51.0]",60.0,"[50.0, 70.0]",bb\n')
    inside = reproduce.rows(header + 'sft,1,200,38.0,"[32.0, 44.0]",,,aa\nself_rewarding,1,200,50.5,"[44.5, 56.5]",69.0,"[59.0, 79.0]",bb\n')
    assert reproduce.across_environments(committed, inside) == ([], [])
    moved = reproduce.rows(header + 'sft,1,200,38.0,"[32.0, 44.0]",,,aa\nself_rewarding,1,200,30.0,"[24.0, 36.0]",60.0,"[50.0, 70.0]",bb\n')
    shape, outside = reproduce.across_environments(committed, moved)
    assert shape == [] and outside == ["self_rewarding.win_rate: produced '30.0', outside the committed 95% CI [39.0, 51.0]"]
    reshaped = reproduce.rows(header + 'sft,1,100,38.0,"[32.0, 44.0]",,,aa\n')
    shape, _ = reproduce.across_environments(committed, reshaped)
    assert shape == ["self_rewarding: in the committed leaderboard, not produced", "sft.n_eval: committed '200', produced '100'"]


def test_the_float_environment_names_torch_and_its_cpu_kernels():
    env = _reproduce().float_environment()
    assert set(env) == {"torch", "cpu_capability", "cpu"} and env["torch"] and env["cpu_capability"]
