"""Progress in a log file is plain lines (every tenth of the work or 30 s), never carriage-return
frames; on a terminal it is tqdm's bar."""

from __future__ import annotations

import logging
import re

from conftest import FAST, run_cli

from harness import progress


def test_log_lines_report_each_tenth_and_the_end(caplog, monkeypatch):
    monkeypatch.setattr(progress, "interactive", lambda: False)
    logger = logging.getLogger("selfalign")
    monkeypatch.setattr(logger, "propagate", True)  # let caplog see the harness's logger
    with caplog.at_level(logging.INFO, logger="selfalign"):
        bar = progress.bar(95, "sampling")
        for _ in range(95):
            bar.update(1)
            bar.set_postfix(loss="0.5")
        bar.close()
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("sampling:")]
    assert len(lines) == 11  # at 9, 18, ..., 90 (a tenth of 95 is 9 steps), then the remaining 5 at close
    assert lines[0].startswith("sampling: 9/95 (9%)") and lines[-1].startswith("sampling: 95/95 (100%)")
    assert "loss=0.5" in lines[-1]


def test_disabled_progress_writes_nothing(caplog):
    with caplog.at_level(logging.INFO, logger="selfalign"):
        bar = progress.bar(10, "quiet", enabled=False)
        bar.update(10)
        bar.close()
    assert not [r for r in caplog.records if "quiet" in r.getMessage()]


def test_a_run_logged_to_a_file_has_no_carriage_return_frames(tmp_path, cache_dir):
    proc = run_cli(["method=dpo", *[o for o in FAST if o != "progress=false"], "progress=true"], tmp_path / "runs", cache_dir)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "\r" not in proc.stderr
    assert re.search(r"\[selfalign\] .+: \d+/\d+ \(100%\) in \d+s", proc.stderr)  # progress came as lines
