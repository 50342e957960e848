"""Local record files (jsonl / json / parquet) read through the `datasets` library and checked
row by row, so a malformed row names its file, its row number and the missing field."""

from __future__ import annotations

from pathlib import Path

from ..errors import DataError
from ..records import LabelledPair, PreferencePair, PromptRecord, SFTExample

REQUIRED = {
    PromptRecord: ("instruction",),
    SFTExample: ("prompt", "response"),
    PreferencePair: ("prompt", "chosen", "rejected"),
    LabelledPair: ("prompt", "response_a", "response_b", "label"),
}


def load_local(path: str, cls) -> list:
    from .hub import read_file

    file = Path(path).expanduser()
    ds = read_file(file)  # the shared reader: suffix check, clear errors, read once per process
    records = []
    for i, row in enumerate(ds):
        missing = [f for f in REQUIRED[cls] if row.get(f) in (None, "")]
        if missing:
            raise DataError(
                f"{str(file)!r} row {i + 1} is missing the field {missing[0]!r} "
                f"(a {cls.__name__} row needs {', '.join(REQUIRED[cls])}). Fix or remove that row."
            )
        row = dict(row)
        if cls is PromptRecord:
            row.setdefault("id", None)
            row["id"] = row["id"] or f"{file.stem}-{i}"
        if cls in (PreferencePair, LabelledPair):
            row["prompt_id"] = row.get("prompt_id") or f"{file.stem}-{i}"
        if cls is LabelledPair and row["label"] not in (0, 1):
            raise DataError(f"{str(file)!r} row {i + 1}: label must be 0 (response_a better) or 1, got {row['label']!r}.")
        records.append(cls.from_dict(row))
    if not records:
        raise DataError(f"Data file {str(file)!r} has no rows.")
    if cls is PromptRecord:
        _check_unique_ids(file, records)
    return records


def _check_unique_ids(file: Path, records: list) -> None:
    """Samples and judgments are keyed by prompt id: two rows sharing one would have every sample
    judged against whichever instruction came last."""
    first: dict[str, int] = {}
    for i, r in enumerate(records):
        if r.id in first:
            raise DataError(f"{str(file)!r} rows {first[r.id] + 1} and {i + 1} share the id {r.id!r}; prompt ids must be "
                            f"unique. Give one of them another id, or drop the id column to number rows automatically.")
        first[r.id] = i
