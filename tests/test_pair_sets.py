"""Labelled judge-pair sets for selfalign-judge: files recognised by their columns, `<name>:<path>`
mirrors, clear errors, and the real CLI scoring a file of every schema."""

from __future__ import annotations

import json

import pytest

from conftest import FAST, run_cli
from dataset_fixtures import HH, MT, OASST, RB, UFB, write_split
from harness.data.pair_sets import load_labelled_pairs
from harness.errors import DataError

JUDGE_FAST = [o for o in FAST if o.startswith(("model.", "data.", "eval.bootstrap", "progress"))]


def better(pair) -> str:
    return pair.response_a if pair.label == 0 else pair.response_b


@pytest.fixture
def files(tmp_path):
    """One pairs file per schema, each the split a named set would read."""
    return {"ufb": write_split(tmp_path, "ufb", UFB["test_prefs"]), "hh": write_split(tmp_path, "hh", HH["test"]),
            "mt": write_split(tmp_path, "mt", MT), "oasst": write_split(tmp_path, "oasst", OASST["validation"]),
            "rb": write_split(tmp_path, "rb", RB)}


def test_pair_files_are_recognised_by_their_columns(files, tmp_path):
    expected = {"ufb": ["4", "An apple.", "d-o-g"], "hh": ["Yes, the sun is a star.", "Joyful."],
                "mt": ["Tea: calm in a cup.", "Brew for two, feel new."], "oasst": ["Mars.", "Mars.", "The Moon."],
                "rb": ["4", "a b c"]}
    for key, file in files.items():
        pairs = load_labelled_pairs(str(file), seed=0)
        assert [better(p) for p in pairs] == expected[key], key
    assert load_labelled_pairs(str(files["rb"]), seed=0)[0].subset == "alpacaeval-easy"  # RewardBench keeps subsets
    assert all(p.scores for p in load_labelled_pairs(str(files["ufb"]), seed=0))
    own = tmp_path / "own.jsonl"
    own.write_text(json.dumps({"prompt": "p", "response_a": "x", "response_b": "y", "label": 1}) + "\n")
    assert [better(p) for p in load_labelled_pairs(str(own), seed=0)] == ["y"]
    odd = tmp_path / "odd.jsonl"
    odd.write_text(json.dumps({"question": "q", "answer": "a"}) + "\n")
    with pytest.raises(DataError, match=r"columns answer, question, which match no pair-set schema.*HH-RLHF: "):
        load_labelled_pairs(str(odd), seed=0)


def test_named_sets_read_local_mirrors_and_unknown_names_are_refused(files, tmp_path):
    folder = tmp_path / "hh_mirror"
    write_split(folder, "test", HH["test"])
    by_folder = load_labelled_pairs(f"hh_rlhf:{folder}", seed=3)
    assert [better(p) for p in by_folder] == ["Yes, the sun is a star.", "Joyful."]
    assert [p.label for p in by_folder] == [p.label for p in load_labelled_pairs(f"hh_rlhf:{folder}", seed=3)]
    write_split(tmp_path / "oa_mirror", "validation", OASST["validation"])
    assert len(load_labelled_pairs(f"oasst1:{tmp_path / 'oa_mirror'}", seed=0)) == 3
    assert len(load_labelled_pairs(f"mt_bench_human:{files['mt']}", seed=0)) == 2  # a file stands for the split
    write_split(tmp_path / "rb_mirror", "filtered", RB)
    assert [p.subset for p in load_labelled_pairs(f"rewardbench:{tmp_path / 'rb_mirror'}", seed=0)] == [
        "alpacaeval-easy", "mt-bench-med"]
    with pytest.raises(DataError, match="no file for the split 'validation'"):
        load_labelled_pairs(f"oasst1:{folder}", seed=0)
    with pytest.raises(DataError, match="did you mean 'hh_rlhf'"):
        load_labelled_pairs("hh_rlfh", seed=0)
    with pytest.raises(DataError, match="names no path after 'hh_rlhf:'"):
        load_labelled_pairs("hh_rlhf:", seed=0)


def test_selfalign_judge_scores_a_file_of_every_schema(files, tmp_path, cache_dir):
    runs = tmp_path / "runs"
    sets = [str(files[k]) for k in ("ufb", "hh", "mt", "oasst", "rb")] + [f"hh_rlhf:{tmp_path}"]
    (tmp_path / "test.jsonl").write_text("".join(json.dumps(r) + "\n" for r in HH["test"]))
    proc = run_cli(["-m", "judge=oracle", f"pairs={','.join(sets)}", *JUDGE_FAST], runs, cache_dir,
                   module="harness.judge_app")
    assert proc.returncode == 0, proc.stderr[-3000:]
    (sweep,) = (runs / "judge_sweeps").iterdir()
    results = {r["pairs"]: r for r in (json.loads(f.read_text()) for f in sweep.glob("*/judge_result.json"))}
    assert {k: results[v]["n"] for k, v in zip(("ufb", "hh", "mt", "oasst", "rb", "named"), sets)} == {
        "ufb": 3, "hh": 2, "mt": 2, "oasst": 3, "rb": 2, "named": 2}
    for scored in (sets[0], sets[3]):  # reference scores exist: the oracle orders every pair right
        assert results[scored]["accuracy"] == 100.0 and results[scored]["failure_rate"] == 0.0
    for unscored in (sets[1], sets[2], sets[5]):  # binary labels only: nothing for the oracle to read
        assert results[unscored]["failure_rate"] == 1.0
    assert "rewardbench" in results[sets[4]] and "rewardbench" not in results[sets[1]]
    assert len([line for line in (sweep / "judge_table.md").read_text().splitlines() if line.startswith("| oracle")]) == 6
