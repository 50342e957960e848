"""Local inputs by content: rewriting a data file's rows under the same path makes a new run and a
new seed model; an unchanged file keeps both, and is not hashed again (the digest cache)."""

from __future__ import annotations

import json

from conftest import FAST, run_cli

from harness.inputs import DIGESTS, input_digests


def _ift(path, answer: str) -> None:
    rows = [{"prompt": f"What is {i} plus 1?", "response": answer} for i in range(8)]
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def test_same_path_new_rows_is_a_new_run_and_a_new_seed_model(tmp_path, cache_dir):
    ift = tmp_path / "ift.jsonl"
    runs = tmp_path / "runs"
    args = ["method=sft", *FAST, f"data.ift_path={ift}"]
    dirs, seeds = [], []
    for answer in ("one", "one", "two"):  # the same rows twice, then new rows under the same path
        _ift(ift, answer)
        proc = run_cli(args, runs, cache_dir)
        assert proc.returncode == 0, proc.stderr[-2000:]
        metrics = max(runs.rglob("metrics.json"), key=lambda p: p.stat().st_mtime)
        dirs.append(metrics.parent.name)
        seeds.append(json.loads((metrics.parent / "stages/seed_sft/result.json").read_text())["folder"])
        provenance = json.loads((metrics.parent / "provenance.json").read_text())
        assert set(provenance["inputs"]) == {"data.ift_path"}
    assert dirs[0] == dirs[1] != dirs[2]
    assert seeds[0] == seeds[1] != seeds[2]


def test_an_unchanged_file_is_hashed_once(tmp_path, monkeypatch):
    from harness import store

    data = tmp_path / "pairs.jsonl"
    data.write_text('{"prompt": "p", "chosen": "a", "rejected": "b"}\n')
    resolved = {"store": {"cache": str(tmp_path / "cache")}, "data": {"preference_pairs_path": str(data)}}
    first = input_digests(resolved)
    assert (tmp_path / "cache" / DIGESTS).exists()
    store._DIGESTS.clear()  # a new process: only the digest cache remembers
    hashed = []
    monkeypatch.setattr("harness.inputs.file_digest", lambda p: hashed.append(p) or "x")
    assert input_digests(resolved) == first and hashed == []
    data.write_text('{"prompt": "p", "chosen": "b", "rejected": "a"}\n')
    input_digests(resolved)
    assert hashed == [data]
