"""Win rate vs references and pointwise judge accuracy, on hand-made world prompts."""

from __future__ import annotations

import pytest

from harness.evaluation.annotators import OracleAnnotator
from harness.evaluation.judge_accuracy import pointwise_judge_accuracy
from harness.evaluation.winrate import win_rate
from harness.records import Judgment, LabelledPair
from harness.world import WorldConfig, make_prompts, oracle_quality


def _prompts(n=40):
    return make_prompts(WorldConfig(seed=3, reference_accuracy=0.5), "eval", n)


def test_gold_outputs_never_lose_and_win_where_the_reference_is_wrong():
    prompts = _prompts()
    result = win_rate(prompts, [p.gold for p in prompts], OracleAnnotator(), seed=0, n_boot=200)
    wrong_refs = sum(p.reference != p.gold for p in prompts)
    expected = 100 * (wrong_refs + 0.5 * (len(prompts) - wrong_refs)) / len(prompts)
    assert result["win_rate"] == pytest.approx(expected)
    assert result["n"] == len(prompts)
    lo, hi = result["win_rate_ci"]
    assert lo <= result["win_rate"] <= hi


def test_empty_outputs_lose_everything_and_order_is_seeded():
    prompts = _prompts()
    r1 = win_rate(prompts, [""] * len(prompts), OracleAnnotator(), seed=0, n_boot=200)
    zero_refs = sum(oracle_quality(p, p.reference) == 0 for p in prompts)  # those are draws
    assert r1["win_rate"] == pytest.approx(100 * 0.5 * zero_refs / len(prompts))
    assert r1["win_rate"] < 10
    r2 = win_rate(prompts, [""] * len(prompts), OracleAnnotator(), seed=0, n_boot=200)
    assert [r["model_first"] for r in r1["rows"]] == [r["model_first"] for r in r2["rows"]]
    firsts = sum(r["model_first"] for r in r1["rows"])
    assert 0 < firsts < len(prompts)  # both positions are used


class TableJudge:
    """A pointwise judge that looks its scores up in a table (the judge's output is the input
    of the accuracy computation under test here)."""

    def __init__(self, table):
        self.table = table

    def score(self, instructions, responses, *, seed=0, calls=None, ids=None, desc=""):
        return [Judgment(prompt_id=pid, index=k, score=self.table[r]) for (pid, k), r in zip(ids, responses)]


def test_pointwise_judge_accuracy_counts_ties_and_failures_as_half():
    pairs = [
        LabelledPair("a", "q", "good", "wrong answer", label=0, scores=[1.0, 0.0]),
        LabelledPair("b", "q", "wrong answer", "good", label=1, scores=[0.0, 1.0]),
        LabelledPair("c", "q", "good", "worse but much longer", label=0, scores=[1.0, 0.2]),
        LabelledPair("d", "q", "tie1", "tie2", label=0, scores=[0.6, 0.5]),
        LabelledPair("e", "q", "fail", "good", label=1, scores=[0.0, 1.0]),
    ]
    table = {"good": 4.0, "wrong answer": 1.0, "worse but much longer": 5.0, "tie1": 3.0, "tie2": 3.0, "fail": None}
    r = pointwise_judge_accuracy(TableJudge(table), pairs)
    assert r["accuracy"] == pytest.approx(100 * (1 + 1 + 0 + 0.5 + 0.5) / 5)
    assert r["tie_rate"] == pytest.approx(0.2) and r["failure_rate"] == pytest.approx(0.2)
    assert r["p_prefer_first"] == pytest.approx(1 / 3)  # decided pairs a, b, c: first picked in a only
    assert r["p_prefer_longer"] == pytest.approx(1 / 3)  # c picked the longer; a and b picked the shorter
    assert r["n"] == 5


class RuleMetaJudge:
    """A meta-judge that answers by a fixed rule: "oracle" names the review whose checks match
    the world's grading of the judged response, "first" always names position 1, "mute" never
    names anything."""

    kind = "meta"

    def __init__(self, rule: str, tasks: dict):
        self.rule, self.tasks = rule, tasks

    def verdicts(self, requests, *, seed=0, calls=None, desc=""):
        from harness.world import justify

        out = []
        for instruction, response, review_1, review_2 in requests:
            if self.rule == "first":
                out.append((1, "Winner: Judgement A"))
            elif self.rule == "mute":
                out.append((None, "no idea"))
            else:
                task = self.tasks[instruction]
                right = justify(task, response)
                out.append((1 if review_1 == right else 2, ""))
        return out


def test_meta_judge_accuracy_on_world_judgment_pairs():
    from harness.evaluation.judge_accuracy import judge_accuracy
    from harness.world import judgment_test_pairs
    from harness.world.generators import _tasks, judgment_pair

    cfg = WorldConfig(seed=1)
    pairs = judgment_test_pairs(cfg, 40)
    tasks = {}
    for _, task, family, rng in _tasks(cfg, "judgment_test", 40):  # the generator's own draws, replayed
        tasks[task.instruction] = task
        judgment_pair(task, task.gold if rng.random() < 0.3 else family.perturb(task, rng), rng)
    # an empty response (a one-digit answer dropped) is a response to judge too
    assert sum(p.label for p in pairs) == 20
    assert all(p.judged is not None and p.response_a != p.response_b for p in pairs)
    assert [p.prompt for p in pairs] == list(tasks)
    oracle = judge_accuracy(RuleMetaJudge("oracle", tasks), pairs)
    assert oracle["accuracy"] == 100.0 and oracle["order_consistency"] == 1.0 and oracle["p_prefer_first"] == 0.5
    first = judge_accuracy(RuleMetaJudge("first", tasks), pairs)  # both orders split: every pair a tie
    assert first["accuracy"] == 50.0 and first["tie_rate"] == 1.0
    assert first["order_consistency"] == 0.0 and first["p_prefer_first"] == 1.0
    mute = judge_accuracy(RuleMetaJudge("mute", tasks), pairs)
    assert mute["accuracy"] == 50.0 and mute["failure_rate"] == 1.0 and mute["order_consistency"] is None
