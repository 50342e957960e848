"""A content-addressed folder cache shared by runs (the tiny base model, converted GGUF models,
seed SFT checkpoints). A folder is built in a temporary sibling and renamed into place, so a
killed build leaves nothing half-written and concurrent builders cannot corrupt each other."""

from __future__ import annotations

import hashlib
import json
import shutil
import time
from pathlib import Path
from typing import Callable

from .store import AtomicDir, atomic_write_json, canonical_json


def key_hash(key: dict) -> str:
    return hashlib.sha256(canonical_json(key).encode()).hexdigest()[:16]


def cached_folder(root: str | Path, kind: str, key: dict, build: Callable[[Path], dict | None]) -> tuple[Path, dict]:
    """Returns (folder, build_info). `build(tmp_folder)` fills the folder and may return info
    (e.g. its cost); the info is stored beside the files as `_build.json`."""
    folder = Path(root).expanduser() / kind / key_hash(key)
    info_path = folder / "_build.json"
    if info_path.exists():
        return folder, json.loads(info_path.read_text())
    if folder.exists():  # a stale folder without its marker: rebuild
        shutil.rmtree(folder)
    start = time.perf_counter()
    with AtomicDir(folder) as tmp:
        info = dict(build(tmp) or {})
        info.setdefault("wall_s", time.perf_counter() - start)
        info["key"] = key
        atomic_write_json(tmp / "_build.json", info)
    return folder, info
