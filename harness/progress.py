"""Progress of long loops: tqdm's bar on a terminal; in a log file (a SLURM job's stderr, a
redirected run) periodic plain lines instead, since carriage-return frames pile up in a file."""

from __future__ import annotations

import logging
import sys
import time

log = logging.getLogger("selfalign")

LINE_EVERY_S = 30.0  # a plain progress line at most this often...
LINE_EVERY_SHARE = 0.1  # ...or each time another tenth of the work is done, whichever comes first


def interactive() -> bool:
    return sys.stderr.isatty()


class LogLines:
    """The part of tqdm's interface the harness uses, written as log lines."""

    def __init__(self, total: int, desc: str):
        self.total, self.desc, self.n = total, desc, 0
        self.start = self.last_time = time.monotonic()
        self.last_n, self.postfix = 0, ""

    def update(self, n: int = 1) -> None:
        self.n += n
        now = time.monotonic()
        share_step = max(1, int(self.total * LINE_EVERY_SHARE)) if self.total else 0
        if now - self.last_time >= LINE_EVERY_S or (share_step and self.n - self.last_n >= share_step):
            self._line(now)

    def set_postfix(self, **values) -> None:
        self.postfix = ", ".join(f"{k}={v}" for k, v in values.items())

    def _line(self, now: float) -> None:
        elapsed = now - self.start
        share = f" ({100 * self.n / self.total:.0f}%)" if self.total else ""
        rate = self.n / elapsed if elapsed > 0 else 0.0
        extra = f", {self.postfix}" if self.postfix else ""
        log.info("%s: %d/%d%s in %.0fs, %.2f/s%s", self.desc, self.n, self.total, share, elapsed, rate, extra)
        self.last_time, self.last_n = now, self.n

    def close(self) -> None:
        if self.n > self.last_n:
            self._line(time.monotonic())


class _Silent:
    def update(self, n: int = 1) -> None: ...
    def set_postfix(self, **values) -> None: ...
    def close(self) -> None: ...


def bar(total: int, desc: str, enabled: bool = True):
    """A progress bar for `total` steps: tqdm on a terminal, log lines otherwise, nothing when off."""
    if not enabled:
        return _Silent()
    if interactive():
        from tqdm.auto import tqdm

        return tqdm(total=total, desc=desc, leave=False)
    return LogLines(total, desc)


def quiet_library_bars() -> None:
    """transformers' and datasets' own bars (weights loading, map) are frames too: off in a log file."""
    if interactive():
        return
    from transformers.utils import logging as hf_logging

    hf_logging.disable_progress_bar()
    try:
        import datasets

        datasets.disable_progress_bars()
    except ImportError:
        pass
