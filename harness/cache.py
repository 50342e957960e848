"""A content-addressed folder cache shared by runs (the tiny base model, converted GGUF models,
seed SFT checkpoints). A folder is built in a temporary sibling and renamed into place, so a
killed build leaves nothing half-written; when two builders race, the first rename wins and the
other's copy is discarded, so a folder is never replaced under a process reading it."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import socket
import time
from pathlib import Path
from typing import Callable

from .run_lock import pid_alive
from .errors import as_os_error
from .store import atomic_write_json, canonical_json, follow_umask_tree, temp_dir_beside


def key_hash(key: dict) -> str:
    return hashlib.sha256(canonical_json(key).encode()).hexdigest()[:16]


def _remove_dead_builds(folder: Path) -> None:
    """Temporary folders of builds whose process died on this host (killed mid-build): nobody will
    finish or remove them. Live builders' folders, and other hosts', are left alone."""
    host = socket.gethostname()
    for tmp in folder.parent.glob(f".{folder.name}.{host}-*"):
        pid = tmp.name[len(f".{folder.name}.{host}-"):].split(".", 1)[0]
        if pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(tmp, ignore_errors=True)


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
    folder.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_builds(folder)
    tmp = temp_dir_beside(folder.parent, f"{folder.name}.{socket.gethostname()}-{os.getpid()}")
    try:
        try:
            info = dict(build(tmp) or {})
        except Exception as err:
            os_error = as_os_error(err, folder)
            if os_error is None:
                raise
            raise os_error from err
        info.setdefault("wall_s", time.perf_counter() - start)
        info["key"] = key
        atomic_write_json(tmp / "_build.json", info)
        follow_umask_tree(tmp)
        try:
            os.rename(tmp, folder)  # fails if another builder finished first: theirs wins
        except OSError:
            if not info_path.exists():
                raise
            return folder, json.loads(info_path.read_text())
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return folder, info
