"""Run directories: derived from the config, written atomically, resumable stage by stage."""

from __future__ import annotations

import json

import pytest

from harness.store import AtomicDir, RunStore, atomic_write_json, config_hash, read_jsonl, run_dir_for


def _cfg(**kw):
    base = {"method": {"name": "sft"}, "model": {"name": "tiny"}, "seed": 0, "store": {"root": "a"}, "progress": True}
    base.update(kw)
    return base


def test_same_config_same_directory_and_store_keys_do_not_matter(tmp_path):
    a = run_dir_for(_cfg(), tmp_path)
    b = run_dir_for(_cfg(store={"root": "elsewhere"}, progress=False), tmp_path)
    assert a == b
    assert run_dir_for(_cfg(seed=1), tmp_path) != a
    assert run_dir_for(_cfg(method={"name": "dpo"}), tmp_path) != a
    assert a.name.startswith("seed0-") and config_hash(_cfg()) in a.name


def test_a_world_change_gives_a_new_run_directory(tmp_path, monkeypatch):
    # stages stored under an older world are stale though no knob changed: never resume them
    import harness.world.generators as generators
    from harness.runner import run_identity

    before = run_dir_for(run_identity(_cfg()), tmp_path)
    assert run_dir_for(run_identity(_cfg()), tmp_path) == before
    monkeypatch.setattr(generators, "WORLD_VERSION", generators.WORLD_VERSION + 1)
    assert run_dir_for(run_identity(_cfg()), tmp_path) != before


def test_atomic_write_leaves_no_temp_files(tmp_path):
    atomic_write_json(tmp_path / "x.json", {"a": 1})
    assert json.loads((tmp_path / "x.json").read_text()) == {"a": 1}
    assert [p.name for p in tmp_path.iterdir()] == ["x.json"]


def test_atomic_dir_discards_on_error(tmp_path):
    with pytest.raises(RuntimeError):
        with AtomicDir(tmp_path / "ckpt") as d:
            (d / "w.bin").write_text("partial")
            raise RuntimeError("killed")
    assert not (tmp_path / "ckpt").exists()
    assert list(tmp_path.iterdir()) == []


def test_stage_markers_and_cleanup(tmp_path):
    store = RunStore(tmp_path / "run")
    d = store.stage_dir("iter1/sample")
    d.mkdir(parents=True)
    (d / "records.jsonl").write_text('{"half": ')  # an interrupted stage
    assert not store.is_done("iter1/sample")
    store.clear_stage("iter1/sample")
    assert not d.exists()
    store.mark_done("iter1/sample", {"order": 1})
    store.mark_done("iter1/judge", {"order": 2})
    assert store.completed_stages() == ["iter1/sample", "iter1/judge"]


def test_read_jsonl_round_trip(tmp_path):
    from harness.store import atomic_write_jsonl

    atomic_write_jsonl(tmp_path / "r.jsonl", [{"a": 1}, {"b": [1, 2]}])
    assert read_jsonl(tmp_path / "r.jsonl") == [{"a": 1}, {"b": [1, 2]}]


def test_cache_first_builder_wins_and_folder_is_never_replaced(tmp_path):
    from harness.cache import cached_folder

    def build(tag):
        def _b(out):
            (out / "w.txt").write_text(tag)
            # a second builder finishes while this one is still building
            if tag == "slow":
                cached_folder(tmp_path, "m", {"k": 1}, build("fast"))
            return {"tag": tag}
        return _b

    folder, info = cached_folder(tmp_path, "m", {"k": 1}, build("slow"))
    assert info["tag"] == "fast" and (folder / "w.txt").read_text() == "fast"
    assert [p.name for p in (tmp_path / "m").iterdir()] == [folder.name]  # no temp leftovers
    again, info2 = cached_folder(tmp_path, "m", {"k": 1}, build("never"))
    assert again == folder and info2["tag"] == "fast"


def test_written_files_and_folders_follow_the_umask(tmp_path):
    """A cache shared by a group must be readable by it: no private 0600/0700 leftovers of mkstemp."""
    import os
    import stat

    from harness.cache import cached_folder
    from harness.store import AtomicDir, atomic_write_text

    old = os.umask(0o002)
    try:
        atomic_write_text(tmp_path / "a.txt", "x")
        with AtomicDir(tmp_path / "stage") as d:
            (d / "f").write_text("y")
        folder, _ = cached_folder(tmp_path / "cache", "kind", {"k": 1}, lambda out: (out / "w").write_text("z") and None)
    finally:
        os.umask(old)
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "a.txt") == 0o664
    assert mode(tmp_path / "stage") == 0o775 and mode(folder) == 0o775
    assert mode(folder / "_build.json") == 0o664


def test_a_killed_builds_temp_folder_is_removed_by_the_next_build(tmp_path):
    import socket
    import subprocess
    import sys

    from harness.cache import cached_folder, key_hash

    dead = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True).stdout)
    name = key_hash({"k": 2})
    parent = tmp_path / "cache" / "kind"
    parent.mkdir(parents=True)
    left = parent / f".{name}.{socket.gethostname()}-{dead}.abc123"  # what a SIGKILL mid-build leaves
    live = parent / f".{name}.{socket.gethostname()}-{__import__('os').getppid()}.def456"  # a builder still running
    left.mkdir()
    live.mkdir()
    folder, _ = cached_folder(tmp_path / "cache", "kind", {"k": 2}, lambda out: (out / "w").write_text("z") and None)
    assert (folder / "w").exists() and not left.exists() and live.exists()
