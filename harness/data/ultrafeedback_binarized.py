"""UltraFeedback binarised by Hugging Face H4 (`HuggingFaceH4/ultrafeedback_binarized`).

Rows carry `prompt`, `prompt_id`, `chosen` and `rejected` (chat messages, [{role, content}, ...],
whose last assistant message is the response), `messages` and the GPT-4 ratings `score_chosen`,
`score_rejected`. Splits used: train_prefs, test_prefs (preference rows) and train_sft (`messages`
= prompt + the chosen reply).

Provides preference pairs with their scores and training prompts (train_prefs), IFT examples
(train_sft: the prompt and the first assistant reply), judge pairs with scores and evaluation
prompts whose reference is the chosen response (test_prefs). Judge pairs whose two scores are
equal are left out (and counted): neither response is the better one there.
"""

from __future__ import annotations

from collections import Counter
from typing import Iterator, Optional

from ..records import LabelledPair, PreferencePair, PromptRecord, SFTExample
from .hub import DatasetSource, ordered_pair, require, take, unique_prompts

HUB_ID = "HuggingFaceH4/ultrafeedback_binarized"
NEEDS = "UltraFeedback-binarized rows need prompt, chosen and rejected (lists of {role, content} messages)"


def assistant_text(messages, which: str = "last") -> Optional[str]:
    """The content of the last (or first) assistant message, None when there is none."""
    replies = [m.get("content") for m in messages or [] if isinstance(m, dict) and m.get("role") == "assistant"]
    if not replies:
        return None
    return (replies[-1] if which == "last" else replies[0]) or None


def preference_rows(rows, where: str, skipped: Counter) -> Iterator[tuple[str, str, str, str, Optional[float], Optional[float]]]:
    """(prompt id, prompt, chosen response, rejected response, chosen score, rejected score)."""
    for i, row in enumerate(rows):
        require(row, ("prompt", "chosen", "rejected"), where, i, NEEDS)
        chosen, rejected = assistant_text(row["chosen"]), assistant_text(row["rejected"])
        if not chosen or not rejected:
            skipped["rows without an assistant response"] += 1
        elif chosen == rejected:
            skipped["rows with identical responses"] += 1
        else:
            yield (str(row.get("prompt_id") or f"ultrafeedback_binarized-{i}"), row["prompt"], chosen, rejected,
                   row.get("score_chosen"), row.get("score_rejected"))


def labelled_pairs(rows, seed: int, where: str = "ultrafeedback_binarized", limit: Optional[int] = None,
                   skipped: Optional[Counter] = None) -> list[LabelledPair]:
    skipped = Counter() if skipped is None else skipped

    def pairs():
        for pid, prompt, chosen, rejected, sc, sr in preference_rows(rows, where, skipped):
            if sc is not None and sc == sr:
                skipped["pairs with tied scores"] += 1
                continue
            yield ordered_pair(pid, prompt, chosen, rejected, seed, sc, sr)

    return take(pairs(), limit)


class UltraFeedbackBinarized(DatasetSource):
    name = "ultrafeedback_binarized"
    hub_id = HUB_ID
    provides = frozenset({"preference_pairs", "train_prompts", "ift", "judge_pairs", "eval_prompts"})

    def preference_pairs(self, limit: Optional[int] = None) -> list[PreferencePair]:
        skipped: Counter = Counter()
        out = take((PreferencePair(prompt_id=pid, prompt=p, chosen=c, rejected=r, chosen_score=sc, rejected_score=sr,
                                   source=self.name)
                    for pid, p, c, r, sc, sr in preference_rows(self.rows("train_prefs"), self.where("train_prefs"),
                                                                skipped)), limit)
        self.report("preference pairs", "train_prefs", len(out), skipped)
        return out

    def train_prompts(self, limit: Optional[int] = None) -> list[PromptRecord]:
        skipped: Counter = Counter()
        out = take(unique_prompts(PromptRecord(id=pid, instruction=p, family=self.name) for pid, p, *_ in
                                  preference_rows(self.rows("train_prefs"), self.where("train_prefs"), skipped)), limit)
        self.report("training prompts", "train_prefs", len(out), skipped)
        return out

    def eval_prompts(self, limit: Optional[int] = None) -> list[PromptRecord]:
        skipped: Counter = Counter()
        out = take(unique_prompts(PromptRecord(id=pid, instruction=p, family=self.name, reference=c) for pid, p, c, *_ in
                                  preference_rows(self.rows("test_prefs"), self.where("test_prefs"), skipped)), limit)
        self.report("evaluation prompts", "test_prefs", len(out), skipped)
        return out

    def judge_pairs(self, limit: Optional[int] = None) -> list[LabelledPair]:
        skipped: Counter = Counter()
        out = labelled_pairs(self.rows("test_prefs"), self.seed, self.where("test_prefs"), limit, skipped)
        self.report("judge pairs", "test_prefs", len(out), skipped)
        return out

    def ift(self, limit: Optional[int] = None) -> list[SFTExample]:
        where, skipped = self.where("train_sft"), Counter()

        def examples():
            for i, row in enumerate(self.rows("train_sft")):
                require(row, ("prompt", "messages"), where, i, "train_sft rows need prompt and messages")
                reply = assistant_text(row["messages"], which="first")
                if reply:
                    yield SFTExample(prompt=row["prompt"], response=reply, kind="ift")
                else:
                    skipped["rows without an assistant reply"] += 1

        out = take(examples(), limit)
        self.report("IFT examples", "train_sft", len(out), skipped)
        return out
