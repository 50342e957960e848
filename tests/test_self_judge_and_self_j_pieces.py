"""METHODS.md §3 and §5 fidelity checks for the shared Self-Judge and Self-J pieces, on hand
values: both-order JSFT examples, the both-order logit score, the tournament, expected-digit
scoring, the cosine recalibration, the two-view self-distillation loss and best-of-N."""

from __future__ import annotations

import math

import pytest
import torch

from methods.self_j.labels import recalibrated_label
from methods.self_j.two_view import self_distillation_loss
from harness.errors import ConfigError
from harness.judges.digit import expected_digit
from harness.judges.pairwise import both_order_scores, jsft_examples
from harness.records import LabelledPair
from harness.selection import best_of_n, tournament


def test_jsft_pair_gives_two_swapped_examples_with_swapped_labels():
    pair = LabelledPair("p", "What is 2 plus 2?", response_a="5", response_b="4", label=1)
    first, second = jsft_examples(pair, "pairwise_ab_v1")
    assert "Response A: 4\n" in first.prompt and "Response B: 5\n" in first.prompt
    assert first.response == "Winner: A"
    assert "Response A: 5\n" in second.prompt and "Response B: 4\n" in second.prompt
    assert second.response == "Winner: B"
    assert first.prompt.count("What is 2 plus 2?") == 1


def test_logit_judge_averages_both_orders():
    # y1 shown first: P(A)=0.8; y1 shown second: P(B)=0.7 -> score(y1) = (0.8 + 0.7) / 2
    s1, s2 = both_order_scores((math.log(0.8), math.log(0.2)), (math.log(0.3), math.log(0.7)))
    assert s1 == pytest.approx(0.75) and s2 == pytest.approx(0.25)
    # unnormalised log-probs over the whole vocabulary are renormalised over {A, B}
    s1b, _ = both_order_scores((math.log(0.4), math.log(0.1)), (math.log(0.03), math.log(0.07)))
    assert s1b == pytest.approx(0.75)


@pytest.mark.parametrize("n", [1, 2, 7, 8, 13])
def test_tournament_returns_the_unbeaten_item_in_n_minus_one_comparisons(n):
    items = list(range(n))
    winner, comparisons = tournament(items, prefer_first=lambda a, b: a > b, seed=3)
    assert winner == n - 1 and comparisons == n - 1


def test_tournament_is_seeded():
    calls = []
    prefer = lambda a, b: calls.append((a, b)) or a > b  # noqa: E731
    tournament(list(range(9)), prefer, seed=1)
    first = list(calls)
    calls.clear()
    tournament(list(range(9)), prefer, seed=1)
    assert calls == first


def test_best_of_n_returns_the_argmax_and_skips_failures():
    assert best_of_n([1.0, None, 3.0, 3.0, 2.5]) == 2
    with pytest.raises(ValueError):
        best_of_n([None, None])


def test_expected_digit_on_hand_distributions():
    assert expected_digit([math.log(0.1)] * 10) == pytest.approx(4.5)
    half = [-1e9] * 10
    half[2] = half[8] = math.log(0.5)
    assert expected_digit(half) == pytest.approx(5.0)
    peaked = [-1e9] * 10
    peaked[7] = 0.0
    assert expected_digit(peaked) == pytest.approx(7.0)


def test_cosine_recalibration_formula():
    assert recalibrated_label(6, 0.8, w=0.5) == round(9 * (0.5 * 6 / 9 + 0.5 * 0.8))  # 6.6 -> 7
    assert recalibrated_label(6, -0.2, w=0.5) == 3  # cosine clipped at 0
    assert recalibrated_label(9, 1.5, w=0.0) == 9
    assert recalibrated_label(4, 0.0, w=1.0) == 4
    with pytest.raises(ConfigError):
        recalibrated_label(4, 0.5, w=1.5)


def test_self_distillation_loss_weights_and_stop_gradient():
    t = torch.tensor([[2.0, 0.0, -1.0]], requires_grad=True)
    s = torch.tensor([[0.5, 0.5, 0.0]], requires_grad=True)
    y = torch.tensor([0])
    loss = self_distillation_loss(t, s, y, 0.3, 2.0)

    def softmax(v):
        e = [math.exp(x) for x in v]
        return [x / sum(e) for x in e]

    pt, ps = softmax([2.0, 0.0, -1.0]), softmax([0.5, 0.5, 0.0])
    ce_t, ce_s = -math.log(pt[0]), -math.log(ps[0])
    kl = sum(a * (math.log(a) - math.log(b)) for a, b in zip(pt, ps))
    assert float(loss.detach()) == pytest.approx(ce_t + 0.3 * ce_s + 2.0 * kl, rel=1e-5)

    loss.backward()
    # stop-gradient on T inside the KL: T's gradient is that of CE(T) alone
    t_only = t.detach().clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(t_only, y).backward()
    assert torch.allclose(t.grad, t_only.grad, atol=1e-6)
    assert s.grad.abs().sum() > 0


def test_self_distillation_loss_ce_covers_the_eos_after_the_digit_and_the_kl_does_not():
    """The official Self-J loss: each view's CE is the causal-LM loss on "k" + EOS, the mean over
    those two answer tokens; the KL stays on the digit position. Without EOS logits: digit only."""
    t = torch.tensor([[2.0, 0.0, -1.0], [0.0, 1.0, 0.5]], requires_grad=True)
    s = torch.tensor([[0.5, 0.5, 0.0], [1.0, -1.0, 0.0]], requires_grad=True)
    t_eos = torch.tensor([[0.0, 0.0, 3.0], [1.0, 0.0, 0.0]], requires_grad=True)
    s_eos = torch.tensor([[0.0, 1.0, 1.0], [0.0, 0.0, -2.0]], requires_grad=True)
    y, eos = torch.tensor([0, 1]), torch.tensor([2, 2])

    def softmax(v):
        e = [math.exp(x) for x in v]
        return [x / sum(e) for x in e]

    def ce(rows, targets):  # mean over the rows of -log p(target)
        return sum(-math.log(softmax(r)[k]) for r, k in zip(rows, targets)) / len(rows)

    rows = lambda x: x.detach().tolist()  # noqa: E731
    digit_t, digit_s = ce(rows(t), [0, 1]), ce(rows(s), [0, 1])
    eos_t, eos_s = ce(rows(t_eos), [2, 2]), ce(rows(s_eos), [2, 2])
    kl = sum(sum(a * (math.log(a) - math.log(b)) for a, b in zip(softmax(rt), softmax(rs)))
             for rt, rs in zip(rows(t), rows(s))) / 2  # batchmean over the digit positions only

    on = self_distillation_loss(t, s, y, 0.3, 2.0, t_eos, s_eos, eos)
    off = self_distillation_loss(t, s, y, 0.3, 2.0)
    ce_on_t, ce_on_s = (digit_t + eos_t) / 2, (digit_s + eos_s) / 2
    assert float(on.detach()) == pytest.approx(ce_on_t + 0.3 * ce_on_s + 2.0 * kl, rel=1e-6)
    assert float(off.detach()) == pytest.approx(digit_t + 0.3 * digit_s + 2.0 * kl, rel=1e-6)
    # the KL term is the same with or without the EOS in the CE
    assert float(on.detach()) - (ce_on_t + 0.3 * ce_on_s) == pytest.approx(
        float(off.detach()) - (digit_t + 0.3 * digit_s), abs=1e-6)

    on.backward()
    # T is still detached inside the KL: T's gradients are those of its CE over the two tokens alone
    t_only, t_eos_only = t.detach().clone().requires_grad_(True), t_eos.detach().clone().requires_grad_(True)
    torch.nn.functional.cross_entropy(torch.cat([t_only, t_eos_only]), torch.cat([y, eos])).backward()
    assert torch.allclose(t.grad, t_only.grad, atol=1e-6) and torch.allclose(t_eos.grad, t_eos_only.grad, atol=1e-6)
    assert t_eos.grad.abs().sum() > 0 and s_eos.grad.abs().sum() > 0  # the EOS positions are trained
    with pytest.raises(ValueError, match="go together"):
        self_distillation_loss(t, s, y, 0.3, 2.0, teacher_eos_logits=t_eos)


def test_seed_judge_data_follows_the_methods_judge_template(monkeypatch):
    """Self-Judge's JSFT data and Self-J's reference grades are rendered with the method's own
    template knob, and that template keys the cached seed model, so changing the knob can never
    reuse an M1 trained on the other wording."""
    from types import SimpleNamespace

    from harness.judges import templates
    from harness.world import WorldConfig, preference_pairs
    from methods.self_j import REFERENCE_RATINGS
    from methods.self_judge import JSFT_JUDGMENTS

    monkeypatch.setitem(templates.TEMPLATES, "pairwise_ab_alt", "ALT " + templates.TEMPLATES["pairwise_ab_v1"])
    monkeypatch.setitem(templates.TEMPLATES, "reference_rating_alt", "ALT " + templates.TEMPLATES["reference_rating_v1"])
    world = WorldConfig(seed=0)
    data = SimpleNamespace(world=world, preference_pairs=preference_pairs(world, 3), judge_template="rubric_additive_v1")
    for template in ("pairwise_ab_v1", "pairwise_ab_alt"):
        ctx = SimpleNamespace(data=data, cfg=SimpleNamespace(method=SimpleNamespace(judge_template=template)))
        examples = JSFT_JUDGMENTS.examples(ctx)
        assert len(examples) == 6 and all(e.prompt.startswith("ALT ") == template.endswith("alt") for e in examples)
        assert JSFT_JUDGMENTS.template(ctx) == template
    for template in ("reference_rating_v1", "reference_rating_alt"):
        method = SimpleNamespace(self_rating=SimpleNamespace(template=template))
        ctx = SimpleNamespace(data=data, cfg=SimpleNamespace(seed_sft=SimpleNamespace(eft_examples=4), method=method))
        examples = REFERENCE_RATINGS.examples(ctx)
        assert len(examples) == 4 and all(e.prompt.startswith("ALT ") == template.endswith("alt") for e in examples)
        assert REFERENCE_RATINGS.template(ctx) == template
