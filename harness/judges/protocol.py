"""The judge contract. A judge holds weights and a template, nothing that changes per call: each
call takes its sampling seed as an argument and reports the judge calls it made to the stage's
`JudgeCalls`, so one judge object can serve several stages without carrying state between them.

    pointwise  score(instructions, responses, *, seed, calls, ids, desc, references) -> [Judgment]
    pairwise   order_logprobs(instructions, first, second, calls) -> [(log P(A), log P(B))]
               compare(instructions, responses_1, responses_2, calls) -> [(score_1, score_2)]
    meta       verdicts(requests, *, seed, calls, desc) -> [(1 | 2 | None, raw text)]

`seed` only matters to judges that sample (the rubric judge, the meta-judge, the random judge);
the others accept it so every pointwise judge is called the same way. A judge call is one
judged input that was computed, not served from the judgment cache (judges/judgment_cache.py)."""

from __future__ import annotations


class JudgeCalls:
    """The judge calls of one stage, reported by the judges it called."""

    def __init__(self) -> None:
        self.n = 0

    def add(self, n: int) -> None:
        self.n += int(n)


def report(calls: JudgeCalls | None, n: int) -> None:
    """Add n judge calls to `calls`; a call made outside any stage (a test, a benchmark) passes None."""
    if calls is not None:
        calls.add(n)

