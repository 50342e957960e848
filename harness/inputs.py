"""Content digests of the local files a run reads. Data files and local model folders enter the
run directory's hash, the seed model's cache key and provenance by content, not by path: rewrite
the rows of `data.ift_path` in place and the next run is a new run with a new M1.

A digest is cached by (path, size, mtime) in <store.cache>/digests.json, so an unchanged file is
hashed once (a 1 GB file: benchmarks/input_hashing.py)."""

from __future__ import annotations

import json
from pathlib import Path

from .store import atomic_write_json, file_digest

# every config key that can name a local file or folder (hub ids and absent paths are left out)
INPUT_KEYS = ("data.train_prompts_path", "data.eval_prompts_path", "data.alpaca_eval_set", "data.ift_path",
              "data.eft_path", "data.preference_pairs_path", "data.judge_pairs_path", "data.source_path",
              "model.path", "eval.annotator_model")
DIGESTS = "digests.json"


class DigestCache:
    def __init__(self, cache_root: str | None):
        self.path = Path(cache_root).expanduser() / DIGESTS if cache_root else None
        try:
            self.known = json.loads(self.path.read_text()) if self.path and self.path.exists() else {}
        except (OSError, ValueError):  # a damaged digest cache only costs rehashing
            self.known = {}
        self.changed = False

    def digest(self, path: Path) -> str:
        stat = path.stat()
        key, stamp = str(path.resolve()), [stat.st_size, stat.st_mtime_ns]
        entry = self.known.get(key)
        if entry and entry[:2] == stamp:
            return entry[2]
        sha = file_digest(path)
        self.known[key] = [*stamp, sha]
        self.changed = True
        return sha

    def tree(self, folder: Path) -> str:
        """A folder's digest: its files' relative paths and digests, in order."""
        import hashlib

        h = hashlib.sha256()
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            h.update(f"{path.relative_to(folder).as_posix()}\0{self.digest(path)}\n".encode())
        return h.hexdigest()

    def save(self) -> None:
        if self.changed and self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_json(self.path, self.known)


def _get(resolved: dict, dotted: str):
    node = resolved
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def input_digests(resolved: dict) -> dict[str, str]:
    """sha256 of each local input the resolved config names, by config key."""
    cache = DigestCache((resolved.get("store") or {}).get("cache"))
    out = {}
    for key in INPUT_KEYS:
        value = _get(resolved, key)
        if not isinstance(value, str) or not value:
            continue
        path = Path(value).expanduser()  # a hub id (or repo:file) is not a local path and is skipped
        if path.is_file():
            out[key] = cache.digest(path)
        elif path.is_dir():
            out[key] = cache.tree(path)
    cache.save()
    return out
