"""Experiment tracking (logger=...), read back from what each tracker wrote, without a network:
every optimiser step's loss, reward accuracy, margin, learning rate and grad norm; each stage's
cost; each iteration's evaluation; the resolved config once. Only rank 0 logs, and the default
logs nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from conftest import FAST, FAST_SELF_REWARDING, run_cli

ARGS = ["method=online_dpo", *FAST, *FAST_SELF_REWARDING]


def _run(tmp_path, cache_dir, *extra, env=None) -> tuple[Path, dict]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    runs = tmp_path / "runs"
    proc = run_cli([*ARGS, *extra], runs, cache_dir, extra_env=env)
    assert proc.returncode == 0, proc.stderr[-3000:]
    metrics_file = next(runs.rglob("metrics.json"))
    return metrics_file.parent, json.loads(metrics_file.read_text())


def _train_steps(run_dir: Path) -> int:
    """Optimiser steps of the run's DAA stages (the seed model comes from the shared cache)."""
    return sum(json.loads((d / "result.json").read_text())["steps"] for d in (run_dir / "stages").glob("iter*/train"))


def test_tensorboard_event_files_hold_steps_stages_and_evaluations(tmp_path, cache_dir):
    event_accumulator = pytest.importorskip("tensorboard.backend.event_processing.event_accumulator")
    run_dir, metrics = _run(tmp_path, cache_dir, "logger=tensorboard")
    ea = event_accumulator.EventAccumulator(str(run_dir / "tracking"))
    ea.Reload()
    tags = set(ea.Tags()["scalars"])
    assert {"train/loss", "train/reward_accuracy", "train/margin", "train/lr", "train/grad_norm"} <= tags
    assert len(ea.Scalars("train/reward_accuracy")) == _train_steps(run_dir) > 0
    assert {"stage/iter1/judge/judge_calls", "iteration/pairs_kept", "iteration/dropped_tie", "iteration/parse_failure_rate"} <= tags
    win = ea.Scalars("eval/win_rate")
    assert [e.step for e in win] == [0, 1] and win[-1].value == pytest.approx(metrics["summary"]["win_rate"])
    assert ea.Scalars("final/cost/judge_calls")[0].value == metrics["cost"]["judge_calls"]
    assert {"config/text_summary", "provenance/text_summary"} <= set(ea.Tags()["tensors"])


def _wandb_records(path: Path):
    """The protobuf Records of a .wandb file: a 7-byte header (":W&B", magic, version), then
    LevelDB-style log blocks of 32 KiB whose records have a 7-byte header (CRC, length, type) and
    may be split across blocks (types 2-4: first, middle, last)."""
    from wandb.proto import wandb_internal_pb2

    data, block, pos, pending = path.read_bytes(), 32768, 7, b""
    while pos + 7 <= len(data):
        left = block - pos % block
        if left < 7:  # a block's tail too short for a header is padding
            pos += left
            continue
        length, kind = int.from_bytes(data[pos + 4:pos + 6], "little"), data[pos + 6]
        chunk, pos = data[pos + 7:pos + 7 + length], pos + 7 + length
        if kind == 0 and length == 0:
            continue
        pending = chunk if kind in (1, 2) else pending + chunk
        if kind in (1, 4):
            rec = wandb_internal_pb2.Record()
            rec.ParseFromString(pending)
            yield rec


def test_wandb_offline_writes_a_local_run_and_sends_nothing(tmp_path, cache_dir):
    pytest.importorskip("wandb")
    run_dir, _ = _run(tmp_path, cache_dir, "logger=wandb", "logger.wandb_mode=offline", env={"WANDB_SILENT": "true"})
    (offline,) = (run_dir / "tracking" / "wandb").glob("offline-run-*")
    (record,) = offline.glob("run-*.wandb")
    assert record.stat().st_size > 0
    keys = {item.key or "/".join(item.nested_key) for rec in _wandb_records(record)
            if rec.WhichOneof("record_type") == "history" for item in rec.history.item}
    assert {"train/loss", "train/reward_accuracy", "eval/win_rate"} <= keys


def test_mlflow_file_store_holds_the_metric_history(tmp_path, cache_dir, monkeypatch):
    mlflow = pytest.importorskip("mlflow")
    run_dir, _ = _run(tmp_path, cache_dir, "logger=mlflow")
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # reading the run's file store back
    client = mlflow.MlflowClient(tracking_uri=(run_dir / "tracking").resolve().as_uri())
    (run,) = client.search_runs([client.get_experiment_by_name("selfalign").experiment_id])
    assert len(client.get_metric_history(run.info.run_id, "train/loss")) == _train_steps(run_dir)
    wins = client.get_metric_history(run.info.run_id, "eval/win_rate")
    assert sorted(m.step for m in wins) == [0, 1]


def test_the_default_and_ranks_other_than_zero_log_nothing(tmp_path, cache_dir):
    run_dir, _ = _run(tmp_path / "none", cache_dir)
    assert not (run_dir / "tracking").exists()
    run_dir, _ = _run(tmp_path / "rank1", cache_dir, "logger=tensorboard", env={"RANK": "1"})
    assert not (run_dir / "tracking").exists()


def test_an_unknown_tracker_is_refused(tmp_path, cache_dir):
    proc = run_cli([*ARGS, "logger.backend=neptune"], tmp_path / "runs", cache_dir)
    assert proc.returncode == 2 and "logger.backend" in proc.stderr and "tensorboard" in proc.stderr
