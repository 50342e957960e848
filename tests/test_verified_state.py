"""A resumed run serves a finished stage only if the files it finished with are unchanged: a
truncated record file, a deleted checkpoint and a damaged marker are each reported with the stage
named and how to redo it, never served."""

from __future__ import annotations

import shutil

import pytest

from conftest import FAST, run_cli

ARGS = ["method=dpo", *FAST]


@pytest.fixture(scope="module")
def finished(tmp_path_factory, cache_dir):
    runs = tmp_path_factory.mktemp("verified") / "runs"
    proc = run_cli(ARGS, runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return runs


def _copy(finished, tmp_path):
    runs = tmp_path / "runs"
    shutil.copytree(finished, runs)
    return runs, next(runs.rglob("metrics.json")).parent


def _rerun(runs, cache_dir):
    proc = run_cli(ARGS, runs, cache_dir)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr[-2000:]
    return " ".join(proc.stderr.split())


def test_an_untouched_run_resumes(finished, tmp_path, cache_dir):
    runs, _ = _copy(finished, tmp_path)
    assert run_cli(ARGS, runs, cache_dir).returncode == 0


def test_a_truncated_record_file_is_reported_not_served(finished, tmp_path, cache_dir):
    runs, run_dir = _copy(finished, tmp_path)
    records = run_dir / "stages/eval/final/outputs/records.jsonl"
    lines = records.read_text().splitlines(keepends=True)
    records.write_text("".join(lines[: len(lines) // 2]))  # cut cleanly: every line still parses
    err = _rerun(runs, cache_dir)
    assert "Stage 'eval/final/outputs' finished, but its file" in err and "has changed since" in err
    assert f"rm -r {records.parent}" in err


def test_a_deleted_checkpoint_is_reported(finished, tmp_path, cache_dir):
    runs, run_dir = _copy(finished, tmp_path)
    (run_dir / "stages/train/checkpoint/model.safetensors").unlink()
    err = _rerun(runs, cache_dir)
    assert "Stage 'train' finished, but its file" in err and "model.safetensors is missing" in err


def test_a_damaged_marker_is_reported(finished, tmp_path, cache_dir):
    runs, run_dir = _copy(finished, tmp_path)
    (run_dir / "stages/train/_done.json").write_text("{not json")
    err = _rerun(runs, cache_dir)
    assert "of stage 'train' is not valid JSON" in err
