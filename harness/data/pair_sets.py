"""Labelled judge-pair sets for selfalign-judge (`pairs=`), by name, by name with a local mirror or
hub id, or as a single file whose schema is recognised from its columns.

- `hh_rlhf`, `ultrafeedback_binarized`, `oasst1`, `mt_bench_human`, `rewardbench`: the set's
  held-out split from the hub (HH-RLHF test, test_prefs, oasst1 validation, MT-Bench `human`,
  RewardBench `filtered`).
- `<name>:<path>`: the same set read from a local folder (one file per split, e.g.
  `/data/hh/test.jsonl`), another hub id, or, for a data file, that file as the set's split.
- a .json/.jsonl/.parquet file: its schema is recognised from its columns (SCHEMAS below).

Every set's A/B order is drawn from a coin seeded by (seed, pair id).
"""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from ..records import LabelledPair
from . import hh_rlhf, mt_bench, oasst1, ultrafeedback_binarized
from .hub import SPLIT_SUFFIXES, read_file, read_split
from .sources import PAIR_ONLY, SOURCES, did_you_mean

REWARDBENCH = "rewardbench"
NAMED = {name: SOURCES.get(name) or PAIR_ONLY.get(name)
         for name in ("hh_rlhf", "ultrafeedback_binarized", "oasst1", "mt_bench_human")}
ALL_NAMES = (*NAMED, REWARDBENCH)


def _rewardbench_rows(rows, seed, where):
    from ..evaluation.rewardbench import pairs_from_rows

    return pairs_from_rows(list(rows), seed=seed, source=where)


def _local_rows(rows, seed, where):
    from .local import load_local

    return load_local(where, LabelledPair)


# (schema, the columns it is known by, the test on a file's columns and first row, the pair builder).
# Checked in this order: the first match wins.
SCHEMAS = [
    ("harness LabelledPair", "prompt, response_a, response_b, label",
     lambda cols, row: {"prompt", "response_a", "response_b", "label"} <= cols, _local_rows),
    ("MT-Bench human judgments", "conversation_a, conversation_b, winner",
     lambda cols, row: {"conversation_a", "winner"} <= cols,
     lambda rows, seed, where: mt_bench.labelled_pairs(rows, seed, where)),
    ("oasst1 messages", "message_id, parent_id, text, role, rank",
     lambda cols, row: {"message_id", "parent_id", "rank"} <= cols,
     lambda rows, seed, where: oasst1.labelled_pairs(rows, seed, where)),
    ("UltraFeedback binarized", "prompt, chosen and rejected as lists of {role, content} messages",
     lambda cols, row: {"chosen", "rejected"} <= cols and isinstance(row.get("chosen"), list),
     lambda rows, seed, where: ultrafeedback_binarized.labelled_pairs(rows, seed, where)),
    ("RewardBench", "prompt, chosen, rejected as text (subset optional)",
     lambda cols, row: {"prompt", "chosen", "rejected"} <= cols, _rewardbench_rows),
    ("HH-RLHF", "chosen, rejected as whole Human/Assistant transcripts, no prompt column",
     lambda cols, row: {"chosen", "rejected"} <= cols and "prompt" not in cols,
     lambda rows, seed, where: hh_rlhf.labelled_pairs(rows, seed, where, id_prefix=Path(where).stem)),
]


def pairs_from_file(file: Path, seed: int) -> list[LabelledPair]:
    """A single pairs file, its schema recognised from its columns."""
    rows = read_file(file)
    cols = set(rows.column_names)
    first = rows[0] if len(rows) else {}
    for name, _, matches, build in SCHEMAS:
        if matches(cols, first):
            pairs = build(rows, seed, str(file))
            if not pairs:
                raise DataError(f"{str(file)!r} (read as {name}) gives no labelled pairs: every row was skipped or "
                                f"the file is empty.")
            return pairs
    listed = "; ".join(f"{name}: {fields}" for name, fields, _, _ in SCHEMAS)
    raise DataError(f"{str(file)!r} has columns {', '.join(sorted(cols)) or '(none)'}, which match no pair-set schema. "
                    f"Recognised schemas: {listed}.")


def _named(name: str, path: str, seed: int) -> list[LabelledPair]:
    if name == REWARDBENCH:
        from ..evaluation.rewardbench import HUB_ID, load_rewardbench

        if path and Path(path).expanduser().is_dir():  # a local mirror: its `filtered` split, as on the hub
            return _rewardbench_rows(read_split(path, "filtered", name="rewardbench"), seed, path)
        return load_rewardbench(path or HUB_ID, seed=seed)
    cls = NAMED[name]
    if path and Path(path).expanduser().suffix in SPLIT_SUFFIXES:  # one file standing for the set's split
        return pairs_from_file(Path(path).expanduser(), seed)
    pairs = cls(path=path or None, seed=seed).judge_pairs()
    if not pairs:
        raise DataError(f"The {name} pair set ({path or cls.hub_id}) gives no labelled pairs.")
    return pairs


def load_labelled_pairs(name_or_path: str, seed: int) -> list[LabelledPair]:
    """`name`, `name:path`, a known hub id (e.g. allenai/reward-bench), or a pairs file."""
    spec = str(name_or_path).strip()
    hub_ids = {cls.hub_id: name for name, cls in NAMED.items()}
    from ..evaluation.rewardbench import HUB_ID as REWARDBENCH_HUB

    hub_ids[REWARDBENCH_HUB] = REWARDBENCH
    if spec in ALL_NAMES:
        return _named(spec, "", seed)
    if spec in hub_ids:
        return _named(hub_ids[spec], spec, seed)
    head, sep, rest = spec.partition(":")
    if sep and head in ALL_NAMES:
        if not rest.strip():
            raise DataError(f"pairs={spec!r} names no path after {head + ':'!r}; write {head}:<folder, file or hub id>.")
        return _named(head, rest.strip(), seed)
    file = Path(spec).expanduser()
    if file.suffix in SPLIT_SUFFIXES:
        if not file.is_file():
            raise DataError(f"Pairs file {str(file)!r} does not exist.")
        return pairs_from_file(file, seed)
    raise DataError(f"Unknown pair set {spec!r}: {did_you_mean(head, ALL_NAMES)}expected world, one of "
                    f"{', '.join(ALL_NAMES)}, `<name>:<local folder or hub id>`, or a .json/.jsonl/.parquet file "
                    f"of labelled pairs.")
