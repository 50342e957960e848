"""Anthropic HH-RLHF (`Anthropic/hh-rlhf`): human preference pairs over assistant dialogues.

Each row has `chosen` and `rejected`, two whole transcripts ("\\n\\nHuman: ...\\n\\nAssistant: ...")
that share every turn but the last assistant reply. A transcript is cut at its LAST
"\\n\\nAssistant:": before it is the dialogue so far (the prompt), after it the reply being
compared. A single-turn prompt is the human's words alone; in a multi-turn prompt every earlier
turn stays, labelled "Human:" / "Assistant:", so the reply keeps its context.

Rows are skipped (and counted in the log) when the two transcripts do not share that prefix (the
pair would not answer the same prompt), when a reply is empty, or when both replies are the same
text (no preference to learn or to judge).

Subsets are hub `data_dir`s: helpful-base, harmless-base, helpful-online,
helpful-rejection-sampled (None = all of them). Splits: train, test.
Provides preference pairs and training prompts (train), judge pairs and evaluation prompts whose
reference output is the chosen reply (test).
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Iterator, Optional

from ..records import PreferencePair, PromptRecord
from .hub import DatasetSource, ordered_pair, require, take, unique_prompts

HUB_ID = "Anthropic/hh-rlhf"
SUBSETS = ("helpful-base", "harmless-base", "helpful-online", "helpful-rejection-sampled")
ASSISTANT = "\n\nAssistant:"
_TURN = re.compile(r"(?:^|\n\n)(Human|Assistant):")  # a transcript may or may not open with the blank line
NEEDS = "HH-RLHF rows need `chosen` and `rejected` transcripts"


def split_transcript(text: str) -> Optional[tuple[str, str]]:
    """(dialogue before the final assistant turn, the final reply), or None without one."""
    cut = text.rfind(ASSISTANT)
    if cut < 0:
        return None
    return text[:cut], text[cut + len(ASSISTANT):].strip()


def readable_prompt(prefix: str) -> str:
    """The dialogue prefix as a prompt: the human's words for one turn, labelled turns for more."""
    parts = _TURN.split(prefix)  # ["", "Human", " hi", "Assistant", " hello", ...]
    turns = [(role, text.strip()) for role, text in zip(parts[1::2], parts[2::2])]
    if not turns:
        return prefix.strip()
    if len(turns) == 1 and turns[0][0] == "Human":
        return turns[0][1]
    return "\n\n".join(f"{role}: {text}" for role, text in turns)


def dialogue_pairs(rows, where: str, id_prefix: str, skipped: Counter) -> Iterator[tuple[str, str, str, str]]:
    """(pair id, prompt, chosen reply, rejected reply) for every usable row, in row order."""
    for i, row in enumerate(rows):
        require(row, ("chosen", "rejected"), where, i, NEEDS)
        chosen, rejected = split_transcript(row["chosen"]), split_transcript(row["rejected"])
        if chosen is None or rejected is None:
            skipped["rows without an assistant turn"] += 1
        elif chosen[0].strip() != rejected[0].strip():
            skipped["rows with different dialogue prefixes"] += 1
        elif not chosen[1] or not rejected[1]:
            skipped["rows with an empty reply"] += 1
        elif chosen[1] == rejected[1]:
            skipped["rows with identical replies"] += 1
        else:
            yield f"{id_prefix}-{i}", readable_prompt(chosen[0]), chosen[1], rejected[1]


def labelled_pairs(rows, seed: int, where: str = "hh_rlhf", id_prefix: str = "hh_rlhf",
                   limit: Optional[int] = None, skipped: Optional[Counter] = None):
    """Judge test pairs (no reference scores: HH labels are binary)."""
    skipped = Counter() if skipped is None else skipped
    return take((ordered_pair(pid, prompt, c, r, seed) for pid, prompt, c, r in
                 dialogue_pairs(rows, where, id_prefix, skipped)), limit)


class HHRLHF(DatasetSource):
    name = "hh_rlhf"
    hub_id = HUB_ID
    provides = frozenset({"preference_pairs", "train_prompts", "judge_pairs", "eval_prompts"})

    def _pairs(self, split: str, skipped: Counter):
        return dialogue_pairs(self.rows(split), self.where(split), f"{self.name}-{split}", skipped)

    def preference_pairs(self, limit: Optional[int] = None) -> list[PreferencePair]:
        skipped: Counter = Counter()
        out = take((PreferencePair(prompt_id=pid, prompt=p, chosen=c, rejected=r, source=self.name)
                    for pid, p, c, r in self._pairs("train", skipped)), limit)
        self.report("preference pairs", "train", len(out), skipped)
        return out

    def train_prompts(self, limit: Optional[int] = None) -> list[PromptRecord]:
        skipped: Counter = Counter()
        out = take(unique_prompts(PromptRecord(id=pid, instruction=p, family=self.subset or self.name)
                                  for pid, p, _, _ in self._pairs("train", skipped)), limit)
        self.report("training prompts", "train", len(out), skipped)
        return out

    def eval_prompts(self, limit: Optional[int] = None) -> list[PromptRecord]:
        skipped: Counter = Counter()
        out = take(unique_prompts(PromptRecord(id=pid, instruction=p, family=self.subset or self.name, reference=c)
                                  for pid, p, c, _ in self._pairs("test", skipped)), limit)
        self.report("evaluation prompts", "test", len(out), skipped)
        return out

    def judge_pairs(self, limit: Optional[int] = None):
        skipped: Counter = Counter()
        out = labelled_pairs(self.rows("test"), self.seed, self.where("test"), f"{self.name}-test", limit, skipped)
        self.report("judge pairs", "test", len(out), skipped)
        return out
