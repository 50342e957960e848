"""Reading the splits of a real dataset, from the Hugging Face hub or from a local mirror.

A dataset's `path` is either a hub id (`owner/name`, needs network) or a local folder that holds
one file per split, named after the split: `<folder>/<split>.jsonl`, `.json` or `.parquet` (for a
dataset read with a hub `data_dir`, such as an HH-RLHF subset, the files sit in
`<folder>/<subset>/`). The folder form is how a machine without network access uses the real
datasets: export each split once (e.g. `load_dataset(id, split=s).to_json(f"{s}.jsonl")`) and point
`data.source_path` at the folder.

Splits are memoised per process: every record kind drawn from one split reads it once. The rows
stay a `datasets.Dataset` (arrow, memory-mapped), so a capped read of a large split does not pull
all of it into Python objects.

`DatasetSource` is the base of the per-dataset adapters: it binds a path, a seed and the knobs the
adapters share, and reads their splits.
"""

from __future__ import annotations

import logging
import random
from collections import Counter
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional

from ..errors import DataError
from ..records import LabelledPair

log = logging.getLogger("selfalign")

SPLIT_SUFFIXES = (".jsonl", ".json", ".parquet")
_FORMATS = {".jsonl": "json", ".json": "json", ".parquet": "parquet"}
_SPLITS: dict[tuple, Any] = {}  # memo: (where, split, subset, file stamp) -> rows


def looks_local(path: str) -> bool:
    """A folder or file that exists, or anything written like a filesystem path, is local; the
    rest is taken for a hub id. (`data/hh` that does not exist reads as a hub id, and the hub then
    says it does not know it.)"""
    return Path(path).expanduser().exists() or path.startswith(("/", ".", "~"))


def _check_utf8(file: Path) -> None:
    """JSON must be UTF-8: name the first line that is not, rather than fail somewhere inside `datasets`."""
    with open(file, "rb") as f:
        for i, line in enumerate(f):
            try:
                line.decode("utf-8")
            except UnicodeDecodeError as e:
                raise DataError(f"Data file {str(file)!r} line {i + 1} is not UTF-8 text (byte {line[e.start]:#04x} at "
                                f"column {e.start + 1}). Re-save the file as UTF-8.") from None


def read_file(file: Path) -> Any:
    """One local .jsonl / .json / .parquet file as a `datasets.Dataset`, memoised."""
    file = Path(file).expanduser()
    if not file.is_file():
        raise DataError(f"Data file {str(file)!r} does not exist. Check the path.")
    fmt = _FORMATS.get(file.suffix)
    if fmt is None:
        raise DataError(f"Data file {str(file)!r} has suffix {file.suffix!r}; expected one of {', '.join(SPLIT_SUFFIXES)}.")
    stat = file.stat()
    key = (str(file.resolve()), "file", None, stat.st_mtime_ns, stat.st_size)  # a rewritten file is read again
    if key not in _SPLITS:
        from datasets import load_dataset

        if stat.st_size == 0:
            raise DataError(f"Data file {str(file)!r} is empty. Fill it, or drop the option that names it.")
        if fmt == "json":
            _check_utf8(file)

        try:
            _SPLITS[key] = load_dataset(fmt, data_files=str(file), split="train")
        except Exception as e:  # datasets raises many types for unreadable files
            raise DataError(f"Could not read {str(file)!r} as {fmt}: {str(e).splitlines()[0]}") from None
    return _SPLITS[key]


def split_file(folder: Path, split: str, name: str) -> Path:
    """The one file of `split` in a local mirror folder."""
    if not folder.is_dir():
        raise DataError(f"{name}: the local folder {str(folder)!r} does not exist. data.source_path (or the path after "
                        f"`<set>:` in pairs=) must be a hub id or a folder with one file per split.")
    found = [folder / f"{split}{s}" for s in SPLIT_SUFFIXES if (folder / f"{split}{s}").is_file()]
    expected = ", ".join(f"{split}{s}" for s in SPLIT_SUFFIXES)
    if not found:
        raise DataError(f"{name}: the folder {str(folder)!r} has no file for the split {split!r}; expected one of "
                        f"{expected}. Export that split of the dataset there, or point the path at another folder.")
    if len(found) > 1:
        raise DataError(f"{name}: the folder {str(folder)!r} has several files for the split {split!r} "
                        f"({', '.join(f.name for f in found)}); keep one.")
    return found[0]


def read_split(path: str, split: str, subset: Optional[str] = None, name: str = "dataset") -> Any:
    """The rows of one split: from `<path>[/<subset>]/<split>.*` when `path` is local, else from the
    hub (`load_dataset(path, data_dir=subset, split=split)`)."""
    if looks_local(path):
        folder = Path(path).expanduser() / subset if subset else Path(path).expanduser()
        return read_file(split_file(folder, split, name))
    key = (path, split, subset, None, None)
    if key not in _SPLITS:
        import datasets

        try:
            _SPLITS[key] = datasets.load_dataset(path, data_dir=subset or None, split=split)
        except Exception as e:  # offline, a wrong id, or a gated dataset: say which and what to do
            first = str(e).splitlines()[0] if str(e) else ""
            raise DataError(
                f"{name}: could not load split {split!r} of {path!r}{f' (data_dir {subset!r})' if subset else ''} from "
                f"the hub ({type(e).__name__}: {first}). Offline, mirror the dataset in a local folder with one file "
                f"per split ({split}.jsonl, .json or .parquet) and pass that folder as data.source_path.") from None
    return _SPLITS[key]


# -- small shared helpers ----------------------------------------------------------------------

def require(row: dict, keys: Iterable[str], where: str, i: int, needs: str) -> None:
    """Stop at a row without a field the adapter reads, naming the row and the schema expected."""
    for k in keys:
        if row.get(k) is None:
            raise DataError(f"{where} row {i} has no field {k!r}; {needs}. Is the path a copy of that dataset?")


def ordered_pair(pid: str, prompt: str, better: str, worse: str, seed: int,
                 better_score: Optional[float] = None, worse_score: Optional[float] = None) -> LabelledPair:
    """A judge test pair whose A/B order comes from a coin seeded by (seed, pair id), for every
    labelled pair set (RewardBench's too): the better response sits first about half the time,
    and the same pair lands the same way on every run."""
    better_first = random.Random(f"{seed}:{pid}").random() < 0.5
    a, b = (better, worse) if better_first else (worse, better)
    scores = None
    if better_score is not None and worse_score is not None:
        scores = [better_score, worse_score] if better_first else [worse_score, better_score]
    return LabelledPair(prompt_id=pid, prompt=prompt, response_a=a, response_b=b, label=0 if better_first else 1,
                        scores=scores)


def unique_prompts(records: Iterable) -> Iterator:
    """Prompt records with an instruction not seen before (datasets repeat popular prompts; a
    repeat would be sampled or scored twice)."""
    seen: set[str] = set()
    for r in records:
        if r.instruction not in seen:
            seen.add(r.instruction)
            yield r


def take(records: Iterable, limit: Optional[int]) -> list:
    out = []
    for r in records:
        if limit is not None and len(out) >= limit:
            break
        out.append(r)
    return out


class DatasetSource:
    """One real dataset bound to a path (hub id or local folder) and the knobs its adapter needs.

    Subclasses set `name`, `hub_id` and `provides` (the record kinds they map: train_prompts,
    eval_prompts, ift, eft, preference_pairs, judge_pairs) and implement one method per kind,
    each taking `limit` (at most that many records, in dataset order; None = all)."""

    name = ""
    hub_id = ""
    provides: frozenset = frozenset()

    def __init__(self, path: Optional[str] = None, subset: Optional[str] = None, seed: int = 0,
                 render_judge_prompt: Optional[Callable[[str, str], str]] = None, n_judge_pairs: int = 100):
        self.path = path or self.hub_id
        self.subset = subset
        self.seed = int(seed)
        self.render_judge_prompt = render_judge_prompt
        self.n_judge_pairs = int(n_judge_pairs)

    def rows(self, split: str):
        return read_split(self.path, split, self.subset, name=f"{self.name} ({self.path})")

    def where(self, split: str) -> str:
        return f"{self.name} ({self.path}) split {split!r}"

    def judge_prompt(self, instruction: str, response: str) -> str:
        if self.render_judge_prompt is None:
            raise DataError(f"{self.name}: EFT examples need a judge prompt renderer (a DataProvider supplies one).")
        return self.render_judge_prompt(instruction, response)

    def report(self, kind: str, split: str, kept: int, skipped: Counter) -> None:
        """One log line per record kind read, with the rows skipped and why."""
        why = ", ".join(f"{reason}: {n}" for reason, n in sorted(skipped.items()))
        log.info("%s %s from split %s: %d kept%s", self.name, kind, split, kept, f"; skipped {why}" if why else "")
