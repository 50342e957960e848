"""MT-Bench human judgments (`lmsys/mt_bench_human_judgments`; splits human, gpt4_pair) as a
judge-pair set. It has no training records.

Each row is one vote: `question_id`, `model_a`, `model_b`, `winner` ("model_a", "model_b",
"tie" or "tie (bothbad)"), `judge`, `turn` (1 or 2) and the two two-turn conversations
`conversation_a`, `conversation_b` ([{role, content}, ...]). Ties are dropped (and counted): a
tie names no better response.

The pair's prompt is what the user had asked up to the judged turn and its responses are the two
models' replies at that turn. For turn 2 the first question is kept as context, but neither
model's first answer is: the two differ, and a labelled pair has one prompt for both responses.
(The human voters saw each model's whole conversation.)
"""

from __future__ import annotations

from collections import Counter
from typing import Optional

from ..records import LabelledPair
from .hub import DatasetSource, ordered_pair, require, take

HUB_ID = "lmsys/mt_bench_human_judgments"
NEEDS = "MT-Bench judgment rows need conversation_a, conversation_b, winner and turn"


def said(conversation, role: str) -> list[str]:
    return [m.get("content") or "" for m in conversation or [] if isinstance(m, dict) and m.get("role") == role]


def turn_prompt(questions: list[str], turn: int) -> str:
    if turn == 1:
        return questions[0]
    earlier = "\n\n".join(f"Earlier question {k + 1}: {q}" for k, q in enumerate(questions[:turn - 1]))
    return f"{earlier}\n\nFollow-up question: {questions[turn - 1]}"


def labelled_pairs(rows, seed: int, where: str = "mt_bench_human", limit: Optional[int] = None,
                   skipped: Optional[Counter] = None) -> list[LabelledPair]:
    skipped = Counter() if skipped is None else skipped

    def pairs():
        for i, row in enumerate(rows):
            require(row, ("conversation_a", "conversation_b", "winner"), where, i, NEEDS)
            winner, turn = row["winner"], int(row.get("turn") or 1)
            if winner not in ("model_a", "model_b"):
                skipped["ties" if str(winner).startswith("tie") else f"votes with winner {winner!r}"] += 1
                continue
            questions = said(row["conversation_a"], "user")
            replies_a, replies_b = said(row["conversation_a"], "assistant"), said(row["conversation_b"], "assistant")
            if len(questions) < turn or len(replies_a) < turn or len(replies_b) < turn:
                skipped[f"rows shorter than turn {turn}"] += 1
                continue
            a, b = replies_a[turn - 1], replies_b[turn - 1]
            better, worse = (a, b) if winner == "model_a" else (b, a)
            pid = f"mt_bench-{row.get('question_id', i)}-t{turn}-{i}"
            yield ordered_pair(pid, turn_prompt(questions, turn), better, worse, seed)

    return take(pairs(), limit)


class MTBenchHuman(DatasetSource):
    """Judge pairs from the `human` split (expert votes)."""

    name = "mt_bench_human"
    hub_id = HUB_ID
    provides = frozenset({"judge_pairs"})
    SPLIT = "human"

    def judge_pairs(self, limit: Optional[int] = None) -> list[LabelledPair]:
        skipped: Counter = Counter()
        out = labelled_pairs(self.rows(self.SPLIT), self.seed, self.where(self.SPLIT), limit, skipped)
        self.report("judge pairs", self.SPLIT, len(out), skipped)
        return out
