"""Judge prompt templates: plain data, written for this project. Their hashes go into every run's
provenance so a number can be tied to the exact prompt that produced it."""

from __future__ import annotations

# Additive five-point rubric (the structure of the Self-Rewarding judge, in our own words):
# one point per criterion met, a short review, then the score on its own at the end.
RUBRIC_ADDITIVE_V1 = (
    "Check the response to the instruction below. Start at 0 and add one point for each check "
    "it passes, in this order, stopping at the first one it fails:\n"
    "reply: it gives an answer;\n"
    "form: the answer has the form asked for;\n"
    "size: the answer has the right number of parts;\n"
    "items: the answer has the right parts, in any order;\n"
    "exact: the answer is exactly right.\n"
    "Instruction: {instruction}\n"
    "Response: {response}\n"
    "Go through the checks one by one, then finish with \"Score: <0-5>\"."
)

# Pairwise choice (Self-Judge's JSFT task): two responses, the answer is one letter after "Winner:".
PAIRWISE_AB_V1 = (
    "Two responses answer the same instruction. Decide which one is better.\n"
    "Instruction: {instruction}\n"
    "Response A: {response_a}\n"
    "Response B: {response_b}\n"
    "Reply with \"Winner: A\" or \"Winner: B\"."
)

# Meta-judge (Meta-Rewarding): two judgments of the same response under the rubric; the answer
# names the better judgment.
META_JUDGE_V1 = (
    "Two reviews rate the same response with this rubric: one point each, in order and stopping at the "
    "first check it fails, for giving an answer, the right form, the right number of parts, the right "
    "parts in any order, exactly right.\n"
    "Instruction: {instruction}\n"
    "Response: {response}\n"
    "Judgement A: {judgment_a}\n"
    "Judgement B: {judgment_b}\n"
    "Which review applies the rubric more accurately? Finish with \"Winner: Judgement A\" or "
    "\"Winner: Judgement B\"."
)

# Self-J's labelling step: the model grades its own answer with the gold answer in view, 0-9.
REFERENCE_RATING_V1 = (
    "Compare the response with the reference answer and grade it from 0 (no use) to 9 (as good as "
    "the reference).\n"
    "Instruction: {instruction}\n"
    "Reference answer: {reference}\n"
    "Response: {response}\n"
    "Finish with \"Score: <0-9>\"."
)

# Self-J's trained judge, two views of one example: the teacher view sees the reference, the
# student view does not. The answer is a single digit, read from the first answer token.
DIGIT_JUDGE_REF_V1 = (
    "Grade the response from 0 (no use) to 9 (perfect). Answer with one digit.\n"
    "Instruction: {instruction}\n"
    "Reference answer: {reference}\n"
    "Response: {response}"
)
DIGIT_JUDGE_V1 = (
    "Grade the response from 0 (no use) to 9 (perfect). Answer with one digit.\n"
    "Instruction: {instruction}\n"
    "Response: {response}"
)

# The score range of each template that ends in "Score: k": a judgment outside [0, max] is a parse failure.
SCORE_SCALE = {"rubric_additive_v1": 5.0, "reference_rating_v1": 9.0}

TEMPLATES = {"rubric_additive_v1": RUBRIC_ADDITIVE_V1, "pairwise_ab_v1": PAIRWISE_AB_V1,
             "meta_judge_v1": META_JUDGE_V1, "reference_rating_v1": REFERENCE_RATING_V1,
             "digit_judge_ref_v1": DIGIT_JUDGE_REF_V1, "digit_judge_v1": DIGIT_JUDGE_V1}


def render(template_name: str, **fields) -> str:
    return TEMPLATES[template_name].format(**fields)


def check_template(name: str, where: str = "judge template") -> str:
    if name not in TEMPLATES:
        from ..config import check
        check(name, False, where, f"one of {sorted(TEMPLATES)}")
    return name
