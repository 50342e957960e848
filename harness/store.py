"""The run directory: one folder per resolved config, every stage's output persisted atomically.

Same command → same folder, so re-running a killed command finds the stages already done and
resumes at the first unfinished one. A stage is done once its `_done.json` marker exists; the
marker is written last, after every output file has been renamed into place.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any, Iterable

from .errors import StateError, as_os_error

# Keys that change where or how a run is shown or logged, or how many processes train it, not what
# it computes (a data-parallel run matches one process to float rounding: tests/test_distributed.py;
# provenance.json records the strategy and world size of each invocation).
_NOT_IN_IDENTITY = ("store", "progress", "threads", "logger", "dist")


def canonical_json(obj: Any) -> str:
    return json.dumps(obj, sort_keys=True, separators=(",", ":"), default=str)


def config_hash(cfg_dict: dict, length: int = 10) -> str:
    identity = {k: v for k, v in cfg_dict.items() if k not in _NOT_IN_IDENTITY}
    return hashlib.sha256(canonical_json(identity).encode()).hexdigest()[:length]


# Keys that also leave a run's leaderboard row unchanged: its seed (rows average over seeds) and
# the device it ran on.
_NOT_IN_VARIANT = _NOT_IN_IDENTITY + ("seed", "device")


def _same_number(obj: Any) -> Any:
    """1.0 and 1 are one value (`method.judge_accuracy=1` and `=1.0` are the same knob)."""
    if isinstance(obj, float) and obj.is_integer():
        return int(obj)
    if isinstance(obj, dict):
        return {k: _same_number(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_same_number(v) for v in obj]
    return obj


def variant_hash(cfg_dict: dict, length: int = 10) -> str:
    """Hash of the resolved config less seed, device and display keys: runs that share it differ
    only in their seed, so the leaderboard may average them into one row."""
    identity = {k: v for k, v in cfg_dict.items() if k not in _NOT_IN_VARIANT}
    return hashlib.sha256(canonical_json(_same_number(identity)).encode()).hexdigest()[:length]


def run_dir_for(cfg_dict: dict, root: str | os.PathLike) -> Path:
    method = cfg_dict["method"]["name"]
    model = cfg_dict["model"]["name"]
    return Path(root).expanduser() / method / model / f"seed{cfg_dict['seed']}-{config_hash(cfg_dict)}"


def follow_umask(path: str | os.PathLike) -> None:
    """mkstemp and mkdtemp make private (0600 / 0700) files and folders; what the harness writes
    gets the permissions the user's umask gives anything else, so a group can share a cache."""
    mask = os.umask(0)
    os.umask(mask)
    os.chmod(path, (0o777 if os.path.isdir(path) else 0o666) & ~mask)


def follow_umask_tree(folder: Path) -> None:
    """follow_umask for a finished folder and everything in it: libraries that write weights
    (safetensors among them) make their files private too."""
    follow_umask(folder)
    for path in Path(folder).rglob("*"):
        if not path.is_symlink():
            follow_umask(path)


def temp_dir_beside(parent: Path, name: str) -> Path:
    """A fresh temporary folder beside its final place `parent/name`, with the umask's permissions."""
    tmp = Path(tempfile.mkdtemp(dir=parent, prefix=f".{name}."))
    follow_umask(tmp)
    return tmp


def atomic_write_text(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        follow_umask(tmp)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write_json(path: Path, obj: Any) -> None:
    atomic_write_text(path, json.dumps(obj, indent=2, sort_keys=True, default=str) + "\n")


def atomic_write_jsonl(path: Path, rows: Iterable[dict]) -> None:
    atomic_write_text(path, "".join(json.dumps(r, sort_keys=True, default=str) + "\n" for r in rows))


def read_jsonl(path: Path) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


_DIGESTS: dict[tuple, str] = {}  # (path, size, mtime) -> sha256: each file hashed once per process


def file_digest(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _DIGESTS:
        h = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                h.update(block)
        _DIGESTS[key] = h.hexdigest()
    return _DIGESTS[key]


def stage_digests(folder: Path) -> dict[str, str]:
    """sha256 of every file a stage wrote, by path inside its folder; folders of nested stages
    (which have their own marker) and the marker itself are not part of it."""
    out: dict[str, str] = {}
    if not folder.exists():
        return out
    for path in sorted(folder.iterdir()):
        if path.is_dir():
            if not (path / "_done.json").exists():
                out.update({f"{path.name}/{k}": v for k, v in stage_digests(path).items()})
        elif path.name != "_done.json":
            out[path.name] = file_digest(path)
    return out


def _redo(stage_dir: Path) -> str:
    return (f"To redo that stage: rm -r {stage_dir} and run the same command again (the stage is recomputed from "
            f"the same seeds; finished stages after it are checked the same way).")


class AtomicDir:
    """Context manager yielding a temporary folder that is renamed to `final` on success."""

    def __init__(self, final: Path):
        self.final = Path(final)

    def __enter__(self) -> Path:
        self.final.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = temp_dir_beside(self.final.parent, self.final.name)
        return self.tmp

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            shutil.rmtree(self.tmp, ignore_errors=True)
            os_error = as_os_error(exc, self.final)
            if os_error is not None:
                raise os_error from exc
            return False
        follow_umask_tree(self.tmp)
        if self.final.exists():
            shutil.rmtree(self.final)
        os.replace(self.tmp, self.final)
        return False


class RunStore:
    """Files of one run. Stage names may contain '/' (e.g. 'iter1/sample')."""

    def __init__(self, run_dir: Path):
        self.run_dir = Path(run_dir)
        self.run_dir.mkdir(parents=True, exist_ok=True)

    def stage_dir(self, stage: str) -> Path:
        return self.run_dir / "stages" / stage

    def is_done(self, stage: str) -> bool:
        """Finished, and its files are still the ones it finished with (else StateError)."""
        if not (self.stage_dir(stage) / "_done.json").exists():
            return False
        self.verify(stage)
        return True

    def done_info(self, stage: str) -> dict:
        marker = self.stage_dir(stage) / "_done.json"
        try:
            return json.loads(marker.read_text())
        except (ValueError, UnicodeDecodeError):
            raise StateError(f"The marker {marker} of stage {stage!r} is not valid JSON (it is written atomically, so the "
                             f"file was damaged or edited). {_redo(self.stage_dir(stage))}") from None

    def mark_done(self, stage: str, info: dict) -> None:
        atomic_write_json(self.stage_dir(stage) / "_done.json", {**info, "files": stage_digests(self.stage_dir(stage))})

    def verify(self, stage: str) -> None:
        """A resumed run reads a finished stage only if every file it wrote is unchanged (markers
        from before digests were recorded carry none and are trusted)."""
        recorded = self.done_info(stage).get("files")
        if recorded is None:
            return
        folder = self.stage_dir(stage)
        for rel, digest in recorded.items():
            path = folder / rel
            found = file_digest(path) if path.is_file() else None
            if found != digest:
                what = "is missing" if found is None else "has changed since (truncated or edited)"
                raise StateError(f"Stage {stage!r} finished, but its file {path} {what}; it will not be served. "
                                 f"{_redo(folder)}")

    def clear_stage(self, stage: str) -> None:
        """Remove the leftovers of a stage that was interrupted before its marker was written."""
        d = self.stage_dir(stage)
        if d.exists() and not self.is_done(stage):
            shutil.rmtree(d)

    def completed_stages(self) -> list[str]:
        root = self.run_dir / "stages"
        if not root.exists():
            return []
        found = [p.parent.relative_to(root).as_posix() for p in root.rglob("_done.json")]
        return sorted(found, key=lambda s: self.done_info(s).get("order", 0))

    # files at the run's top level (config, provenance, metrics)
    def write_json(self, name: str, obj: Any) -> None:
        atomic_write_json(self.run_dir / name, obj)

    def read_json(self, name: str) -> Any:
        return json.loads((self.run_dir / name).read_text())
