"""Open Assistant conversations (`OpenAssistant/oasst1`; splits train, validation), used the way
the Self-Rewarding paper builds its seed data.

The dataset is a flat table of messages (`message_id`, `parent_id`, `text`, `role` = prompter |
assistant, `lang`, `rank`, `deleted`, `review_result`, ...); conversation trees are rebuilt from
`parent_id`. Only first turns are used: an English root prompt and the assistant replies directly
under it. A message is usable when it is English, not deleted, and not rejected in review
(`review_result` false; a missing review is accepted). Sibling replies carry a human `rank`
(0 = best) when they were ranked.

- IFT: each usable root prompt with its rank-0 reply (the paper's high-quality first turns).
- EFT: each root prompt with at least two ranked replies gives one example per ranked reply: the
  judge prompt rendered for (prompt, reply) and the target "Score: k", with k mapped from the
  human rank so the scores keep the human order (best rank -> 5, worst -> 0, linear in between,
  halves rounded up; ranks are taken in order among the usable replies, so a removed reply leaves
  no gap). The paper's EFT targets also carry a written justification, produced by its seed model
  and kept only where its score ordering agreed with the human ranking; no model is called here,
  so these targets carry the rank-derived score only.
- Judge pairs (validation): every pair of ranked first-turn replies with different ranks, the
  better-ranked one the winner, A/B order from a seeded coin, scores from the same rank mapping:
  the "held-out Open Assistant rankings" on which the paper reports judge accuracy.
- Evaluation prompts: validation root prompts with their rank-0 reply as the reference.
- Training prompts: train root prompts.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from itertools import combinations
from typing import Optional

from ..records import LabelledPair, PromptRecord, SFTExample
from ..rounding import round_half_up
from .hub import DatasetSource, ordered_pair, require, take, unique_prompts

HUB_ID = "OpenAssistant/oasst1"
NEEDS = "oasst1 rows are messages with message_id, parent_id, text, role, lang and rank"
COLUMNS = ("message_id", "parent_id", "text", "role", "lang", "rank", "deleted", "review_result")


def usable(message: dict, lang: str = "en") -> bool:
    return (message.get("lang") == lang and not message.get("deleted")
            and message.get("review_result") is not False and bool((message.get("text") or "").strip()))


def first_turns(rows, where: str = "oasst1", lang: str = "en") -> list[tuple[dict, list[dict]]]:
    """(root prompt, its usable assistant replies) for every usable root prompt, in file order."""
    if hasattr(rows, "select_columns"):  # an arrow table: skip the columns not read here (toxicity, labels, ...)
        rows = rows.select_columns([c for c in COLUMNS if c in rows.column_names])
    roots, replies = [], defaultdict(list)
    for i, m in enumerate(rows):
        require(m, ("message_id", "text", "role"), where, i, NEEDS)
        if m.get("parent_id") is None:
            if m["role"] == "prompter" and usable(m, lang):
                roots.append(m)
        elif m["role"] == "assistant" and usable(m, lang):
            replies[m["parent_id"]].append(m)
    return [(root, replies.get(root["message_id"], [])) for root in roots]


def rank_scores(replies: list[dict]) -> dict[str, int]:
    """message_id -> 0-5 score of each ranked reply; empty unless at least two ranks differ."""
    ranks = sorted({r["rank"] for r in replies if r.get("rank") is not None})
    if len(ranks) < 2:
        return {}
    position = {rank: k for k, rank in enumerate(ranks)}
    last = len(ranks) - 1
    return {r["message_id"]: round_half_up(5 * (1 - position[r["rank"]] / last))
            for r in replies if r.get("rank") is not None}


def best_reply(replies: list[dict]) -> Optional[dict]:
    return next((r for r in replies if r.get("rank") == 0), None)


def labelled_pairs(rows, seed: int, where: str = "oasst1", limit: Optional[int] = None) -> list[LabelledPair]:
    def pairs():
        for root, replies in first_turns(rows, where):
            scores = rank_scores(replies)
            ranked = sorted((r for r in replies if r["message_id"] in scores), key=lambda r: r["rank"])
            for better, worse in combinations(ranked, 2):
                if better["rank"] == worse["rank"]:
                    continue
                yield ordered_pair(f"{root['message_id']}:{better['message_id']}>{worse['message_id']}", root["text"],
                                   better["text"], worse["text"], seed,
                                   scores[better["message_id"]], scores[worse["message_id"]])

    return take(pairs(), limit)


class OASST1(DatasetSource):
    name = "oasst1"
    hub_id = HUB_ID
    provides = frozenset({"ift", "eft", "judge_pairs", "eval_prompts", "train_prompts"})

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._first_turns: dict[str, list] = {}

    def _turns(self, split: str):
        """The split's first turns, rebuilt once per split (several record kinds read them)."""
        if split not in self._first_turns:
            self._first_turns[split] = first_turns(self.rows(split), self.where(split))
        return self._first_turns[split]

    def _best_replies(self, split: str, skipped: Counter):
        """(root prompt, its rank-0 reply) for each first turn of the split that has one."""
        for root, replies in self._turns(split):
            best = best_reply(replies)
            if best is None:
                skipped["prompts without a usable rank-0 reply"] += 1
                continue
            yield root, best

    def ift(self, limit: Optional[int] = None) -> list[SFTExample]:
        skipped: Counter = Counter()
        out = take((SFTExample(prompt=root["text"], response=best["text"], kind="ift")
                    for root, best in self._best_replies("train", skipped)), limit)
        self.report("IFT examples", "train", len(out), skipped)
        return out

    def eft(self, limit: Optional[int] = None) -> list[SFTExample]:
        skipped: Counter = Counter()

        def examples():
            for root, replies in self._turns("train"):
                scores = rank_scores(replies)
                if not scores:
                    skipped["prompts with fewer than two ranked replies"] += 1
                    continue
                for r in sorted((r for r in replies if r["message_id"] in scores), key=lambda r: r["rank"]):
                    yield SFTExample(prompt=self.judge_prompt(root["text"], r["text"]),
                                     response=f"Score: {scores[r['message_id']]}", kind="eft")

        out = take(examples(), limit)
        self.report("EFT examples", "train", len(out), skipped)
        return out

    def judge_pairs(self, limit: Optional[int] = None) -> list[LabelledPair]:
        out = labelled_pairs(self.rows("validation"), self.seed, self.where("validation"), limit)
        self.report("judge pairs", "validation", len(out), Counter())
        return out

    def eval_prompts(self, limit: Optional[int] = None) -> list[PromptRecord]:
        skipped: Counter = Counter()
        prompts = (PromptRecord(id=root["message_id"], instruction=root["text"], family=self.name, reference=best["text"])
                   for root, best in self._best_replies("validation", skipped))
        out = take(unique_prompts(prompts), limit)
        self.report("evaluation prompts", "validation", len(out), skipped)
        return out

    def train_prompts(self, limit: Optional[int] = None) -> list[PromptRecord]:
        out = take(unique_prompts(PromptRecord(id=root["message_id"], instruction=root["text"], family=self.name)
                                  for root, _ in self._turns("train")), limit)
        self.report("training prompts", "train", len(out), Counter())
        return out
