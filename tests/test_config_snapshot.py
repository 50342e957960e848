"""Every default, as composed with no overrides, against the committed snapshot: a changed default
(in a YAML file or a method's dataclass) fails here until the snapshot is regenerated, so the change
is seen in review."""

from __future__ import annotations

import difflib
from pathlib import Path

from harness.config_snapshot import flatten, snapshot

SNAPSHOT = Path(__file__).parent / "snapshots" / "configs.txt"


def test_flatten_writes_one_knob_per_line_and_keeps_lists_whole():
    assert flatten({"b": {"y": [0.0, 0.3], "x": None}, "a": "s"}) == ['a = "s"', "b.x = null", "b.y = [0.0, 0.3]"]


def test_every_default_matches_the_committed_snapshot():
    now, committed = snapshot(), SNAPSHOT.read_text()
    diff = "".join(difflib.unified_diff(committed.splitlines(True), now.splitlines(True), "committed", "composed now"))
    assert now == committed, (
        f"A default changed:\n{diff}\nIf the change is intended, regenerate the snapshot and commit it with the "
        "change: python -m harness.config_snapshot > tests/snapshots/configs.txt")
