"""Judge accuracy on labelled pairs, reward-bench style: 1 when the judge prefers the labelled
winner, 0.5 for a tie or a failure, 0 otherwise. Pointwise judges compare their two scores;
every response is judged once, so presenting the pair in either order gives the same verdict.
"""

from __future__ import annotations

from ..records import LabelledPair
from ..stats import estimate


def _correlations(judge_scores, reference_scores) -> dict:
    from scipy.stats import pearsonr, spearmanr

    pairs = [(j, r) for j, r in zip(judge_scores, reference_scores) if j is not None and r is not None]
    if len(pairs) < 3 or len({j for j, _ in pairs}) < 2 or len({r for _, r in pairs}) < 2:
        return {"pearson": None, "spearman": None, "n_scored": len(pairs)}
    js, rs = zip(*pairs)
    return {"pearson": float(pearsonr(js, rs)[0]), "spearman": float(spearmanr(js, rs)[0]), "n_scored": len(pairs)}


class _Tally:
    """Outcomes of pair verdicts: 1 when the judge's pick is the labelled winner, 0.5 for a tie or
    a failure, 0 otherwise; plus the rates every judge-accuracy table reports."""

    def __init__(self):
        self.outcomes: list[float] = []
        self.rows: list[dict] = []
        self.ties = self.failures = self.decided = self.picked_first = self.prefer_longer = self.length_decided = 0

    def add(self, p: LabelledPair, sa, sb, **extra) -> None:
        if sa is None or sb is None:
            self.failures += 1
            outcome = 0.5
        elif sa == sb:
            self.ties += 1
            outcome = 0.5
        else:
            picked = 0 if sa > sb else 1
            outcome = 1.0 if picked == p.label else 0.0
            self.decided += 1
            self.picked_first += picked == 0
            if len(p.response_a) != len(p.response_b):
                self.length_decided += 1
                self.prefer_longer += picked == (0 if len(p.response_a) > len(p.response_b) else 1)
        self.outcomes.append(outcome)
        self.rows.append({"prompt_id": p.prompt_id, "score_a": sa, "score_b": sb, "label": p.label,
                          "outcome": outcome, **extra})

    def summary(self, seed: int) -> dict:
        est = estimate(self.outcomes, seed=seed)
        n = len(self.outcomes)
        return {
            "accuracy": 100 * est.value,
            "accuracy_se": 100 * est.se,
            "accuracy_ci": [100 * est.ci_low, 100 * est.ci_high],
            "n": est.n,
            "p_prefer_longer": self.prefer_longer / self.length_decided if self.length_decided else None,
            "tie_rate": self.ties / n if n else None,
            "failure_rate": self.failures / n if n else None,
            "rows": self.rows,
        }


def pointwise_judge_accuracy(judge, pairs: list[LabelledPair], seed: int = 0, desc: str = "judge accuracy",
                             judge_seed: int = 0, calls=None) -> dict:
    instructions = [p.prompt for p in pairs for _ in (0, 1)]
    responses = [r for p in pairs for r in (p.response_a, p.response_b)]
    ids = [(p.prompt_id, k) for p in pairs for k in (0, 1)]
    judgments = judge.score(instructions, responses, seed=judge_seed, calls=calls, ids=ids, desc=desc)
    tally = _Tally()
    for i, p in enumerate(pairs):
        tally.add(p, judgments[2 * i].score, judgments[2 * i + 1].score)
    ref_scores = [s for p in pairs for s in (p.scores or [None, None])]
    return {
        **tally.summary(seed),
        "order_consistency": 1.0,  # pointwise: each response judged once, verdict independent of order
        "p_prefer_first": tally.picked_first / tally.decided if tally.decided else None,
        **_correlations([j.score for j in judgments], ref_scores),
    }


def pairwise_judge_accuracy(judge, pairs: list[LabelledPair], seed: int = 0, desc: str = "judge accuracy",
                            judge_seed: int = 0, calls=None) -> dict:
    """For judges that read a pair at once (kind "pairwise"). Each pair is judged in both orders;
    the verdict combines them (score(a) vs score(b) from `both_order_scores`), and the
    single-order verdicts give order consistency and P(prefer position 1)."""
    from ..judges.pairwise import both_order_scores

    instructions = [p.prompt for p in pairs]
    a, b = [p.response_a for p in pairs], [p.response_b for p in pairs]
    rows_ab = judge.order_logprobs(instructions, a, b, calls=calls)  # logit judges: no sampling, no seed
    rows_ba = judge.order_logprobs(instructions, b, a, calls=calls)
    tally, consistent, position1 = _Tally(), 0, 0
    for p, ab, ba in zip(pairs, rows_ab, rows_ba):
        first_pick = 0 if ab[0] > ab[1] else 1   # order (a, b): "A" names a
        second_pick = 1 if ba[0] > ba[1] else 0  # order (b, a): "A" names b
        consistent += first_pick == second_pick
        position1 += (ab[0] > ab[1]) + (ba[0] > ba[1])
        tally.add(p, *both_order_scores(ab, ba), logp_ab=list(ab), logp_ba=list(ba))
    return {
        **tally.summary(seed),
        "order_consistency": consistent / len(pairs) if pairs else None,
        "p_prefer_first": position1 / (2 * len(pairs)) if pairs else None,
    }


def meta_judge_accuracy(judge, pairs: list[LabelledPair], seed: int = 0, desc: str = "meta-judge accuracy",
                        judge_seed: int = 0, calls=None) -> dict:
    """For a meta-judge on judgment pairs (two reviews of `pair.judged`, the label names the
    right one). Each pair is asked in both orders; a review's score is how many of the two
    verdicts named it, so split verdicts are a tie and a pair with no verdict is a failure."""
    requests = [(p.prompt, p.judged, a, b) for p in pairs for a, b in ((p.response_a, p.response_b),
                                                                       (p.response_b, p.response_a))]
    verdicts = [v for v, _ in judge.verdicts(requests, seed=judge_seed, calls=calls, desc=desc)]
    tally, consistent, both_given, position1, given = _Tally(), 0, 0, 0, 0
    for i, p in enumerate(pairs):
        v_ab, v_ba = verdicts[2 * i], verdicts[2 * i + 1]
        picks = [pick for pick in ((None if v_ab is None else v_ab - 1), (None if v_ba is None else 2 - v_ba))
                 if pick is not None]  # 0 = response_a named, 1 = response_b named
        given += len(picks)
        position1 += (v_ab == 1) + (v_ba == 1)
        if len(picks) == 2:
            both_given += 1
            consistent += picks[0] == picks[1]
        scores = (picks.count(0), picks.count(1)) if picks else (None, None)
        tally.add(p, *scores, verdict_ab=v_ab, verdict_ba=v_ba)
    return {
        **tally.summary(seed),
        "order_consistency": consistent / both_given if both_given else None,
        "p_prefer_first": position1 / given if given else None,
    }


def judge_accuracy(judge, pairs: list[LabelledPair], seed: int = 0, desc: str = "judge accuracy",
                   judge_seed: int = 0, calls=None) -> dict:
    """Dispatch on the judge's kind: pointwise judges score each response, pairwise judges a
    pair, meta-judges a pair of judgments. `seed` draws the bootstrap CI; `judge_seed` is the
    judge's own sampling seed and `calls` the stage's JudgeCalls (judges/protocol.py)."""
    by_kind = {"meta": meta_judge_accuracy, "pairwise": pairwise_judge_accuracy}
    score = by_kind.get(getattr(judge, "kind", "pointwise"), pointwise_judge_accuracy)
    return score(judge, pairs, seed=seed, desc=desc, judge_seed=judge_seed, calls=calls)
