"""Every hostile-but-fair case a new user can hit, walked in one place through the commands a user
types (`selfalign`, `selfalign-report`), each in its own subprocess.

Each case either is refused (exit 2, one paragraph, no traceback, nothing half-made left behind)
or recovers (exit 0, with a warning saying what was repaired). The cases share one private cache,
so damaging it cannot disturb other tests. The full-disk and read-only cases mount a small tmpfs
for real, and skip where mounting is not allowed (not root, or no CAP_SYS_ADMIN)."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import FAST, FAST_SELF_REWARDING, run_cli

pytestmark = pytest.mark.slow

JUDGING = ["method=self_rewarding", *FAST, *FAST_SELF_REWARDING]  # trains, judges (fills the cache), evaluates
DPO = ["method=dpo", *FAST]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """One finished judging run, and the private cache its models and judgments live in."""
    root = tmp_path_factory.mktemp("hostile")
    runs, cache = root / "runs", root / "cache"
    proc = run_cli(JUDGING, runs, cache)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return runs, cache


def _copy(base, tmp_path):
    runs, cache = base
    shutil.copytree(runs, tmp_path / "runs")
    return tmp_path / "runs", cache, next((tmp_path / "runs").rglob("metrics.json")).parent


def _refused(proc, *needles) -> str:
    assert proc.returncode == 2, proc.stderr[-3000:]
    assert "Traceback" not in proc.stderr, proc.stderr[-3000:]
    flat = " ".join(proc.stderr.split())  # the paragraph is wrapped for the terminal
    for needle in needles:
        assert needle in flat, proc.stderr[-3000:]
    return flat


def _recovered(proc, *needles) -> None:
    assert proc.returncode == 0, proc.stderr[-3000:]
    flat = " ".join(proc.stderr.split())
    for needle in needles:
        assert needle in flat, proc.stderr[-3000:]


def _write_prompts(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


@contextlib.contextmanager
def _tmpfs(folder: Path, size: str, read_only: bool = False):
    folder.mkdir(parents=True, exist_ok=True)
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(folder)], capture_output=True, text=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({mounted.stderr.strip()}); needs root with CAP_SYS_ADMIN")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


# --- silent wrong results ---------------------------------------------------------------------

def case_data_file_changed_under_the_same_path(base, tmp_path):
    """New rows in the same file make a new run directory and a new seed model."""
    _, cache = base
    ift = tmp_path / "ift.jsonl"
    runs = tmp_path / "runs"
    seeds = []
    for answer in ("one", "two"):
        _write_prompts(ift, [{"prompt": f"What is {i} plus 1?", "response": answer} for i in range(8)])
        _recovered(run_cli(["method=sft", *FAST, f"data.ift_path={ift}"], runs, cache))
        newest = max(runs.rglob("metrics.json"), key=lambda p: p.stat().st_mtime).parent
        seeds.append(json.loads((newest / "stages/seed_sft/result.json").read_text())["folder"])
    assert len(list(runs.rglob("metrics.json"))) == 2 and seeds[0] != seeds[1]


def case_duplicate_prompt_ids(base, tmp_path):
    prompts = _write_prompts(tmp_path / "prompts.jsonl", [
        {"id": "p1", "instruction": "What is 1 plus 1?", "reference": "2"},
        {"id": "p1", "instruction": "What is 2 plus 2?", "reference": "4"}])
    _refused(run_cli([*JUDGING, f"data.train_prompts_path={prompts}"], tmp_path / "runs", base[1]),
             "rows 1 and 2 share the id 'p1'")


def case_records_cut_to_half(base, tmp_path):
    runs, cache, run_dir = _copy(base, tmp_path)
    records = run_dir / "stages/eval/M2/outputs/records.jsonl"
    lines = records.read_text().splitlines(keepends=True)
    records.write_text("".join(lines[: len(lines) // 2]))  # every remaining line still parses
    _refused(run_cli(JUDGING, runs, cache), "Stage 'eval/M2/outputs' finished", "has changed since",
             f"rm -r {records.parent}")


def case_cached_judgments_edited(base, tmp_path):
    """Edited values in a valid judgments.sqlite are recomputed, and the run equals the original."""
    runs, cache = base
    private = tmp_path / "cache"
    shutil.copytree(cache, private)
    with sqlite3.connect(private / "judgments.sqlite") as db:
        db.execute("UPDATE judgments SET value = '0'")
    fresh = tmp_path / "runs"
    _recovered(run_cli(JUDGING, fresh, private), "failed their checksum")
    original = json.loads(next(runs.rglob("metrics.json")).read_text())["summary"]
    again = json.loads(next(fresh.rglob("metrics.json")).read_text())["summary"]
    assert again["win_rate"] == original["win_rate"] and again["judge"] == original["judge"]


def case_checkpoint_deleted(base, tmp_path):
    runs, cache, run_dir = _copy(base, tmp_path)
    (checkpoint,) = run_dir.rglob("checkpoint/model.safetensors")
    checkpoint.unlink()
    _refused(run_cli(JUDGING, runs, cache), "finished, but its file", "model.safetensors is missing")


def case_misspelt_key_added_with_plus(base, tmp_path):
    _refused(run_cli([*DPO, "+eval.bootstrapp=3"], tmp_path / "runs", base[1]),
             "Unknown config key eval.bootstrapp", "Did you mean eval.bootstrap?")
    assert not (tmp_path / "runs" / "dpo").exists()


# --- concurrent runs --------------------------------------------------------------------------

def case_same_command_twice_into_one_run_directory(base, tmp_path):
    """The second start is refused while the first holds the run; the first then finishes."""
    runs, cache = tmp_path / "runs", base[1]
    env = {**os.environ, "SELFALIGN_RUNS": str(runs), "SELFALIGN_CACHE": str(cache), "OMP_NUM_THREADS": "1"}
    first = subprocess.Popen([sys.executable, "-m", "harness.cli", *DPO], env=env, cwd=tmp_path,
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.time() + 300
        while not list(runs.rglob(".lock")) and first.poll() is None and time.time() < deadline:
            time.sleep(0.05)
        assert first.poll() is None, "the first run ended before it was seen holding its run directory"
        first.send_signal(signal.SIGSTOP)  # hold it mid-run, so the second start meets a live holder
        second = run_cli(DPO, runs, cache)
        first.send_signal(signal.SIGCONT)
        _refused(second, f"is in use by process {first.pid} on {socket.gethostname()}")
        _, stderr = first.communicate(timeout=600)
        assert first.returncode == 0, stderr[-3000:]
    finally:
        if first.poll() is None:
            first.send_signal(signal.SIGCONT)
            first.kill()
    assert not list(runs.rglob(".lock"))


# --- one paragraph instead of a traceback -----------------------------------------------------

def case_empty_data_file(base, tmp_path):
    (tmp_path / "prompts.jsonl").write_bytes(b"")
    _refused(run_cli([*JUDGING, f"data.train_prompts_path={tmp_path / 'prompts.jsonl'}"], tmp_path / "runs", base[1]),
             "prompts.jsonl' is empty")


def case_data_file_not_utf8(base, tmp_path):
    (tmp_path / "prompts.jsonl").write_bytes(b'{"instruction": "caf\xe9 au lait"}\n')
    _refused(run_cli([*JUDGING, f"data.train_prompts_path={tmp_path / 'prompts.jsonl'}"], tmp_path / "runs", base[1]),
             "line 1 is not UTF-8 text", "Re-save the file as UTF-8")


def case_half_written_line_in_stage_records(base, tmp_path):
    runs, cache, run_dir = _copy(base, tmp_path)
    records = run_dir / "stages/eval/M2/outputs/records.jsonl"
    with open(records, "a") as f:
        f.write('{"id": "p0", "tex')
    _refused(run_cli(JUDGING, runs, cache), "Stage 'eval/M2/outputs' finished", "has changed since")


def case_garbage_done_marker(base, tmp_path):
    runs, cache, run_dir = _copy(base, tmp_path)
    (run_dir / "stages/eval/M2/outputs/_done.json").write_text("{not json")
    _refused(run_cli(JUDGING, runs, cache), "of stage 'eval/M2/outputs' is not valid JSON")


def case_judgment_cache_not_a_database(base, tmp_path):
    runs, cache = base
    private = tmp_path / "cache"
    shutil.copytree(cache, private, ignore=shutil.ignore_patterns("judgments.sqlite*"))
    (private / "judgments.sqlite").write_bytes(b"this is not sqlite" * 100)
    _recovered(run_cli(JUDGING, tmp_path / "runs", private), "is unreadable", "starting an empty one")
    assert list(private.glob("judgments.sqlite.corrupt-*"))


def case_runs_folder_is_a_file(base, tmp_path):
    runs = tmp_path / "runs"
    runs.write_text("not a folder")
    _refused(run_cli(DPO, runs, base[1]), f"store.root is '{runs}' (from SELFALIGN_RUNS)", "is a file, not a folder")


def case_runs_folder_read_only(base, tmp_path):
    with _tmpfs(tmp_path / "ro", "1m", read_only=True) as ro:
        _refused(run_cli(DPO, ro / "runs", base[1]), "cannot be written (permission denied or read-only)")


def case_disk_full(base, tmp_path):
    """A runs folder with room for the run's small files, not for its checkpoint."""
    with _tmpfs(tmp_path / "small", "96k") as small:
        _refused(run_cli(DPO, small / "runs", base[1]), "the disk is full", "the same command resumes")
        left = [p for p in (small / "runs").rglob(".*") if p.name != ".hydra"]
        assert not left, f"the failed write left {left} behind"  # temp files, temp folders and the run lock


def case_api_annotator_without_network(base, tmp_path):
    with socket.socket() as s:  # a port nobody listens on: as with no network or a wrong address
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = run_cli([*DPO, "eval.annotator=api"], tmp_path / "runs", base[1],
                   extra_env={"OPENAI_API_KEY": "sk-test", "OPENAI_BASE_URL": f"http://127.0.0.1:{port}/v1"})
    _refused(proc, f"cannot reach http://127.0.0.1:{port}/v1/chat/completions", "the same command resumes")


def case_report_on_garbage_metrics(base, tmp_path):
    runs, cache, run_dir = _copy(base, tmp_path)
    (run_dir / "metrics.json").write_text("{garbage")
    proc = run_cli([str(runs), "--out", str(tmp_path / "report")], runs, cache, module="harness.reporting.cli")
    _refused(proc, "metrics.json")


# --- late or leaky ----------------------------------------------------------------------------

def case_one_megabyte_instruction(base, tmp_path):
    """Cut to the model's context by the documented rule (keep the last tokens), and counted."""
    rows = [{"id": f"p{i}", "instruction": f"Add 1 and {i}."} for i in range(5)]
    rows.append({"id": "huge", "instruction": "pad " * 250_000 + "Add 1 and 1."})  # 1 MB
    prompts = _write_prompts(tmp_path / "train.jsonl", rows)  # all six are drawn for the one iteration
    runs = tmp_path / "runs"
    _recovered(run_cli([*JUDGING, f"data.train_prompts_path={prompts}"], runs, base[1]), "each keeps its last")
    metrics = json.loads(next(runs.rglob("metrics.json")).read_text())
    assert metrics["sampler"]["truncated_prompts"] >= 1


def case_prompt_pool_too_small(base, tmp_path):
    _refused(run_cli([*JUDGING, "method.prompts_per_iteration=100"], tmp_path / "runs", base[1]),
             "Raise data.n_train_prompts")
    assert not list((tmp_path / "runs").rglob("_done.json"))  # refused before any stage ran


def case_bad_model_path(base, tmp_path):
    _refused(run_cli(["method=sft", "model=hf", f"model.path={tmp_path}/no/such/model", *FAST], tmp_path / "runs",
                     base[1]), "does not exist", "no/such/model")
    assert not list((tmp_path / "runs").rglob("config.yaml"))


def case_killed_model_build_temp_folder(base, tmp_path):
    """A temp folder left by a seed-model build killed on this host is removed by the next build."""
    cache = tmp_path / "cache"
    shutil.copytree(base[1], cache)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = []
    for built in list((cache / "seed_sft").iterdir()):  # as if each build had been killed before its rename
        shutil.rmtree(built)
        tmp = cache / "seed_sft" / f".{built.name}.{socket.gethostname()}-{gone.stdout.strip()}.x1y2"
        tmp.mkdir()
        (tmp / "model.safetensors").write_bytes(b"half")
        left.append((built, tmp))
    _recovered(run_cli(JUDGING, tmp_path / "runs", cache))  # the recipe that built them
    rebuilt = [(built, tmp) for built, tmp in left if built.exists()]
    # rebuilt under its old name: a copied cache keeps its keys (they do not name the cache's path)
    assert rebuilt and not any(tmp.exists() for _, tmp in rebuilt)


def case_permissions_follow_the_umask(base, tmp_path):
    runs = tmp_path / "runs"
    _recovered(run_cli(DPO, runs, base[1], preexec_fn=lambda: os.umask(0o002)))
    modes = {oct(p.stat().st_mode & 0o777) for p in runs.rglob("*") if not p.is_symlink()}
    assert modes <= {"0o664", "0o775"}, modes


def case_progress_in_a_log_file(base, tmp_path):
    proc = run_cli(["method=dpo", *[o for o in FAST if o != "progress=false"], "progress=true"], tmp_path / "runs",
                   base[1])
    _recovered(proc, "(100%)")
    assert "\r" not in proc.stderr


CASES = [f for name, f in sorted(globals().items()) if name.startswith("case_")]


@pytest.mark.parametrize("case", CASES, ids=[f.__name__[len("case_"):] for f in CASES])
def test_hostile_case(case, base, tmp_path):
    case(base, tmp_path)
