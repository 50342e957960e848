"""Bad input gets a one-paragraph error and exit code 2, never a traceback."""

from __future__ import annotations

import json

import pytest

from conftest import FAST, run_cli


def _assert_clean_error(proc, *needles):
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr
    flat = " ".join(proc.stderr.split())  # the message is wrapped for the terminal
    for n in needles:
        assert n in flat, proc.stderr[-2000:]


def test_unknown_method_lists_methods_and_suggests(tmp_path, cache_dir):
    proc = run_cli(["method=self_rewardin"], tmp_path / "runs", cache_dir, timeout=120)
    _assert_clean_error(proc, "Unknown method 'self_rewardin'", "Did you mean 'self_rewarding'", "dpo, meta_rewarding, online_dpo, self_j, self_judge, self_rewarding, sera, sft")


def test_unknown_method_in_a_sweep_list(tmp_path, cache_dir):
    proc = run_cli(["-m", "method=sft,dpoo"], tmp_path / "runs", cache_dir, timeout=120)
    _assert_clean_error(proc, "Unknown method 'dpoo'", "Did you mean 'dpo'")


def test_missing_model_path(tmp_path, cache_dir):
    proc = run_cli(["method=sft", "model=hf", f"model.path={tmp_path}/no/such/model", *FAST], tmp_path / "runs",
                   cache_dir, timeout=120)
    _assert_clean_error(proc, "does not exist", "no/such/model")
    assert not list((tmp_path / "runs").rglob("config.yaml"))  # the failed start left no run directory behind


@pytest.mark.parametrize("override, key", [
    ("method.n_samples=-4", "method.n_samples=-4"),
    ("method.daa.beta=0", "method.daa.beta=0"),
    ("method.sampling.temperature=-1", "method.sampling.temperature=-1"),
])
def test_out_of_range_values(tmp_path, cache_dir, override, key):
    proc = run_cli(["method=self_rewarding", override, *FAST], tmp_path / "runs", cache_dir, timeout=120)
    _assert_clean_error(proc, key, "expected")


def test_malformed_local_dataset_row(tmp_path, cache_dir):
    bad = tmp_path / "pairs.jsonl"
    rows = [{"prompt": "What is 1 plus 1?", "chosen": "2", "rejected": "3"},
            {"prompt": "What is 2 plus 2?", "chosen": "4"}]
    bad.write_text("".join(json.dumps(r) + "\n" for r in rows))
    proc = run_cli(["method=dpo", f"data.preference_pairs_path={bad}", *FAST], tmp_path / "runs", cache_dir,
                   timeout=300)
    _assert_clean_error(proc, "pairs.jsonl", "row 2", "'rejected'")


@pytest.mark.parametrize("override, expect", [
    ("+eval.bootstrapp=3", "Unknown config key eval.bootstrapp (set to '3' with +): eval has no such knob"),
    ("+model.lora.rank=4", "Unknown config key model.lora.rank"),
    ("+method.judge.kk=2", "Unknown config key method.judge.kk"),
])
def test_a_misspelt_key_added_with_plus_is_refused(tmp_path, cache_dir, override, expect):
    """Hydra suggests `+key=value` for a key it does not know; that must not silently add a no-op knob."""
    proc = run_cli(["method=self_rewarding", override, *FAST], tmp_path / "runs", cache_dir, timeout=120)
    _assert_clean_error(proc, expect, "with + must still be one of them")
    assert not (tmp_path / "runs" / "self_rewarding").exists()  # refused before a run directory was made


@pytest.mark.parametrize("content, expect", [
    (b"", ["prompts.jsonl' is empty"]),
    (b'{"instruction": "caf\xe9 au lait"}\n', ["prompts.jsonl' line 1 is not UTF-8 text", "Re-save the file as UTF-8"]),
    (b'{"id": "p1", "instruction": "What is 1 plus 1?", "reference": "2"}\n'
     b'{"id": "p1", "instruction": "What is 2 plus 2?", "reference": "4"}\n', ["rows 1 and 2 share the id 'p1'"]),
], ids=["empty", "not-utf8", "duplicate-ids"])
def test_bad_prompt_files_are_refused_before_any_compute(tmp_path, cache_dir, content, expect):
    bad = tmp_path / "prompts.jsonl"
    bad.write_bytes(content)
    proc = run_cli(["method=self_rewarding", f"data.train_prompts_path={bad}", *FAST], tmp_path / "runs", cache_dir,
                   timeout=300)
    _assert_clean_error(proc, *expect)
    assert not list((tmp_path / "runs").rglob("config.yaml"))


def test_a_runs_folder_that_is_a_file_is_refused_before_hydra_writes(tmp_path, cache_dir):
    runs = tmp_path / "runs"
    runs.write_text("not a folder")
    proc = run_cli(["method=dpo", *FAST], runs, cache_dir, timeout=120)
    _assert_clean_error(proc, f"store.root is '{runs}' (from SELFALIGN_RUNS)", "is a file, not a folder")


@pytest.mark.parametrize("code, words", [("ENOSPC", "the disk is full"), ("EROFS", "read-only"),
                                         ("EACCES", "permission is denied")])
def test_storage_failures_become_one_paragraph(code, words):
    import errno

    from harness.errors import storage_error

    err = storage_error(OSError(getattr(errno, code), "os message", "/data/runs/x/records.jsonl"))
    assert err is not None and "Cannot write /data/runs/x/records.jsonl" in str(err) and words in str(err)
    assert storage_error(OSError(errno.EINTR, "interrupted")) is None  # not the user's storage: a bug's traceback
