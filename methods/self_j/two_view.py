"""Self-J's judge training on two views of each labelled example: the teacher view T shows the
reference answer, the student view S does not; both are trained to put the label digit first,
and S is pulled towards T's distribution (T detached):
    CE(T) + student_ce_weight · CE(S) + kl_weight · KL(softmax(T) ‖ softmax(S))
over the first answer position (self_distillation_loss). With ce_covers_eos (the
official code's choice) each view's CE also covers the end-of-sequence token after the digit
(the digit teacher-forced, one more input token): the answer "k" + EOS, exactly as the seed model's
SFT examples end. The KL stays on the digit, and the digit is still read at the first answer
position, where the judge reads it at inference."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from harness.training.loop import optimise


def self_distillation_loss(teacher_logits: torch.Tensor, student_logits: torch.Tensor, target: torch.Tensor,
                           student_ce_weight: float, kl_weight: float,
                           teacher_eos_logits: torch.Tensor | None = None, student_eos_logits: torch.Tensor | None = None,
                           eos_target: torch.Tensor | None = None) -> torch.Tensor:
    """Self-J's two-view judge loss over the score-token positions ([N, V] logits, [N] targets):
    CE(T) + student_ce_weight · CE(S) + kl_weight · KL(softmax(T) ‖ softmax(S)), where T sees the
    prompt WITH the reference and S WITHOUT it. T is detached inside the KL (stop-gradient), so
    the KL term only pulls the reference-free view towards the reference-aware one.

    With `teacher_eos_logits`, `student_eos_logits` ([N, V], the position after the label digit,
    the digit teacher-forced) and `eos_target` ([N], the end-of-sequence id), each view's CE also
    covers that EOS token, as in the official code, whose causal-LM loss on "k</s>" is the mean
    over the answer tokens: CE(view) = (CE_digit + CE_eos) / 2. The KL stays on the digit position."""
    given = [x is not None for x in (teacher_eos_logits, student_eos_logits, eos_target)]
    if any(given) and not all(given):
        raise ValueError("teacher_eos_logits, student_eos_logits and eos_target go together")

    def ce(digit_logits, eos_logits):
        if eos_logits is None:
            return F.cross_entropy(digit_logits.float(), target)
        return F.cross_entropy(torch.cat([digit_logits, eos_logits]).float(), torch.cat([target, eos_target]))

    ce_t = ce(teacher_logits, teacher_eos_logits)
    ce_s = ce(student_logits, student_eos_logits)
    log_p_t = F.log_softmax(teacher_logits.detach().float(), dim=-1)
    log_p_s = F.log_softmax(student_logits.float(), dim=-1)
    kl = F.kl_div(log_p_s, log_p_t, log_target=True, reduction="batchmean")
    return ce_t + student_ce_weight * ce_s + kl_weight * kl


def answer_logits(model, policy, prompts: list[str], answer_ids: torch.Tensor | None = None):
    """[B, V] logits of the first answer token of each chat-formatted prompt (left padding). With
    `answer_ids` ([B] token ids), one forward pass with each id appended as the first answer
    token gives ([B, V] first-answer-position logits, [B, V] logits of the position after it)."""
    tok = policy.tokenizer
    enc = tok([policy.chat_prompt(p) for p in prompts], add_special_tokens=False, padding=True,
              return_tensors="pt").to(policy.device)
    ids, mask = enc["input_ids"], enc["attention_mask"]
    if answer_ids is not None:
        ids = torch.cat([ids, answer_ids.to(ids.device, ids.dtype).view(-1, 1)], dim=1)
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
    positions = (mask.cumsum(-1) - 1).clamp(min=0)
    logits = model(input_ids=ids, attention_mask=mask, position_ids=positions).logits
    return logits[:, -1] if answer_ids is None else (logits[:, -2], logits[:, -1])


def train_two_view_judge(policy, teacher_prompts: list[str], student_prompts: list[str], labels: list[int],
                         digit_ids: list[int], tcfg, seed: int, student_ce_weight: float,
                         kl_weight: float, ce_covers_eos: bool, desc: str = "two-view judge",
                         progress: bool = True) -> dict:
    """teacher_prompts[i] and student_prompts[i] are the two views of example i (label 0-9).
    ce_covers_eos: each view's CE covers the digit and the EOS token after it (official), else
    the digit only."""
    if not (len(teacher_prompts) == len(student_prompts) == len(labels)):
        raise ValueError("teacher_prompts, student_prompts and labels must have the same length")
    targets = torch.tensor([digit_ids[label] for label in labels])
    eos = policy.tokenizer.eos_token_id  # what ends every answer in training (Policy.encode_example)
    model = policy.begin_training(keep_reference=False)  # the two views need no reference network

    def batch_loss(idx):
        target = targets[idx].to(policy.device)
        if ce_covers_eos:
            teacher, teacher_eos = answer_logits(model, policy, [teacher_prompts[i] for i in idx], target)
            student, student_eos = answer_logits(model, policy, [student_prompts[i] for i in idx], target)
            loss = self_distillation_loss(teacher, student, target, student_ce_weight, kl_weight,
                                          teacher_eos, student_eos, torch.full_like(target, eos))
        else:
            teacher = answer_logits(model, policy, [teacher_prompts[i] for i in idx])
            student = answer_logits(model, policy, [student_prompts[i] for i in idx])
            loss = self_distillation_loss(teacher, student, target, student_ce_weight, kl_weight)
        agree = (student.argmax(-1) == target).float().mean()
        return loss, {"student_label_accuracy": float(agree)}

    try:
        stats = optimise(model, len(labels), batch_loss, tcfg, seed, desc, progress)
    finally:
        policy.end_training()
    tok = policy.tokenizer
    stats["examples"] = len(labels)
    stats["train_tokens"] = tcfg.epochs * sum(len(tok(policy.chat_prompt(p), add_special_tokens=False)["input_ids"])
                                              + int(ce_covers_eos) for p in teacher_prompts + student_prompts)
    stats["ce_covers_eos"] = bool(ce_covers_eos)
    return stats
