"""One writer per run directory: `.lock` names the process that holds it (pid, host, when it
started). A second process on the same run directory is refused with that holder named; a lock
left by a process that died on this host is taken over with a log line. Refusing rather than
waiting: two live processes on one run directory means the same command was launched twice
(e.g. a sweep listing a job twice), and waiting would only hide that."""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path

from .errors import SelfAlignError

log = logging.getLogger("selfalign")
LOCK = ".lock"


def _process_start(pid: int) -> str | None:
    """The kernel's start time of `pid` (Linux), so a recycled pid is not mistaken for the holder."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def pid_alive(pid: int, process_start: str | None = None) -> bool:
    """Whether `pid` runs on this host (and, given its recorded start, is still that process)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    except (OverflowError, ValueError):
        return False
    return process_start in (None, _process_start(pid))


def _alive(holder: dict) -> bool:
    return pid_alive(int(holder.get("pid", -1)), holder.get("process_start"))


class RunLock:
    def __init__(self, run_dir: Path):
        self.path = Path(run_dir) / LOCK
        self.held = False

    def acquire(self) -> None:
        me = {"pid": os.getpid(), "host": socket.gethostname(), "process_start": _process_start(os.getpid()),
              "since": time.strftime("%Y-%m-%d %H:%M:%S")}
        for _ in range(2):  # the second try follows the removal of a stale lock
            try:
                fd = os.open(self.path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
            except FileExistsError:
                holder = self._holder()
                if holder.get("host") == me["host"] and not _alive(holder):
                    log.info("taking over %s: its holder (pid %s, since %s) is no longer running",
                             self.path, holder.get("pid"), holder.get("since"))
                    self.path.unlink(missing_ok=True)
                    continue
                raise SelfAlignError(
                    f"The run directory {self.path.parent} is in use by process {holder.get('pid')} on "
                    f"{holder.get('host')} (since {holder.get('since')}): the same run was started twice. To fix: "
                    f"let that process finish (this command then resumes from where it got to); if it is gone "
                    f"(e.g. its node died), delete {self.path} and run again.") from None
            with os.fdopen(fd, "w") as f:
                json.dump(me, f)
            self.held = True
            return

    def _holder(self) -> dict:
        try:
            return json.loads(self.path.read_text())
        except (OSError, ValueError):  # half-written by a holder killed mid-write: treat as dead
            return {"host": socket.gethostname(), "pid": -1}

    def release(self) -> None:
        if self.held:
            self.path.unlink(missing_ok=True)
            self.held = False

    def __enter__(self) -> "RunLock":
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.acquire()
        return self

    def __exit__(self, *exc) -> None:
        self.release()
