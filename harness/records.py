"""The typed records that flow between stages.

Everything that enters the harness (the embedded world, local files, hub datasets) is turned into
these few records, and every stage persists them as JSON lines. They are plain dataclasses so that
they round-trip through `to_dict` / `from_dict` without surprises.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any, Optional


class Record:
    """JSON round-trip shared by every record: unknown keys in a row are ignored."""

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in row.items() if k in names})


@dataclass
class PromptRecord(Record):
    """An instruction to answer. `reference` is a reference output (for win rates), `gold` the
    programmatically correct answer when the source has one (the embedded world)."""

    id: str
    instruction: str
    family: str = "generic"
    reference: Optional[str] = None
    gold: Optional[str] = None
    meta: dict = field(default_factory=dict)


@dataclass
class SFTExample(Record):
    """A supervised example: the prompt (user turn) and the target (assistant turn).
    `kind` tells IFT (instruction following) from EFT (evaluation fine-tuning) data."""

    prompt: str
    response: str
    kind: str = "ift"


@dataclass
class Sample(Record):
    """One sampled completion for a prompt."""

    prompt_id: str
    index: int
    text: str
    n_tokens: int
    finish_reason: str  # "stop" (end of turn) or "length" (hit max_new_tokens)


@dataclass
class Judgment(Record):
    """A pointwise judgment of one response. `score` is None when the judge failed (parse failure
    or no valid sample); `raw` keeps every judge output so failures can be inspected."""

    prompt_id: str
    index: int
    score: Optional[float]
    raw: list = field(default_factory=list)
    valid_scores: list = field(default_factory=list)

    @property
    def parsed(self) -> bool:
        return self.score is not None


@dataclass
class PreferencePair(Record):
    """A preference pair (x, y_w, y_l) ready for a DAA loss."""

    prompt_id: str
    prompt: str
    chosen: str
    rejected: str
    chosen_score: Optional[float] = None
    rejected_score: Optional[float] = None
    source: str = "offline"
    meta: dict = field(default_factory=dict)


@dataclass
class LabelledPair(Record):
    """A judge test pair: two responses to one prompt and which is better (0 = first, 1 = second).
    `scores` holds reference quality scores when the source has them. For a meta-judge the two
    "responses" are two judgments of the response `judged`, and the label names the correct one."""

    prompt_id: str
    prompt: str
    response_a: str
    response_b: str
    label: int
    scores: Optional[list] = None
    subset: Optional[str] = None  # the source's subset name, e.g. a RewardBench subset
    judged: Optional[str] = None  # judgment pairs: the response both judgments (response_a/b) are about


def records_to_rows(records) -> list[dict[str, Any]]:
    return [r.to_dict() for r in records]
