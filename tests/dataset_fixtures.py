"""A few rows of each real dataset in its hub schema (field names and nesting as published), with the
awkward cases the adapters must handle, and a writer for local mirror folders."""

from __future__ import annotations

import json
from pathlib import Path


def write_split(folder: Path, split: str, rows: list[dict], suffix: str = ".jsonl") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}{suffix}"
    if suffix == ".json":
        path.write_text(json.dumps(rows))
    else:
        path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


# -- HuggingFaceH4/ultrafeedback_binarized ----------------------------------------------------

def chat(*turns: str) -> list[dict]:
    roles = ["user", "assistant"]
    return [{"content": t, "role": roles[k % 2]} for k, t in enumerate(turns)]


def ufb_row(pid, prompt, chosen, rejected, sc, sr):
    return {"prompt": prompt, "prompt_id": pid, "chosen": chat(prompt, chosen),
            "rejected": chat(prompt, rejected) if rejected is not None else chat(prompt),
            "messages": chat(prompt, chosen), "score_chosen": sc, "score_rejected": sr}


UFB = {
    "train_prefs": [
        ufb_row("p0", "Name a primary colour.", "Red.", "Purple.", 8.0, 4.0),
        ufb_row("p1", "Say hi.", "Hi!", "Go away.", 7.5, 7.0),
        ufb_row("p2", "Count to two.", "1, 2.", None, 6.0, 3.0),  # rejected has no assistant turn: skipped
    ],
    "test_prefs": [
        ufb_row("t0", "What is 2+2?", "4", "5", 9.0, 2.0),
        ufb_row("t1", "Pick a number.", "7", "seven", 5.0, 5.0),  # tied scores: no judge pair
        ufb_row("t2", "Name a fruit.", "An apple.", "A chair.", 8.0, 3.0),
        ufb_row("t3", "Spell dog.", "d-o-g", "d-o-o-g", 7.0, 1.0),
    ],
    "train_sft": [
        {**ufb_row("s0", "Tell a joke.", "Why did the chicken cross the road?", "No.", 8.0, 2.0),
         "messages": chat("Tell a joke.", "Why did the chicken cross the road?", "Another?", "Knock knock.")},
    ],
}


# -- openbmb/UltraFeedback ----------------------------------------------------------------------

def uf_completion(model, response, helpfulness, honesty, following, truthfulness, why="", why_rating=""):
    def note(rating, extra=False):
        out = {"Rating": rating, "Rationale": f"{model} rationale."}
        if extra:
            out.update({"Rationale For Rating": f"{model} rating rationale.", "Type": ["1", "2"]})
        return out

    help_ = {"Rating": helpfulness, "Rationale": why, "Rationale For Rating": why_rating, "Type": ["1", "2"]}
    return {"model": model, "principle": "helpfulness", "custom_system_prompt": "Be helpful.", "response": response,
            "annotations": {"helpfulness": help_, "honesty": note(honesty),
                            "instruction_following": note(following), "truthfulness": note(truthfulness, True)},
            "critique": "Fine.", "fine-grained_score": 3.0, "overall_score": 6.0}


def uf_row(instruction, completions, source="evol_instruct"):
    return {"source": source, "instruction": instruction, "models": [c["model"] for c in completions],
            "completions": completions, "correct_answers": ["None"], "incorrect_answers": ["None"]}


UF = [
    uf_row("Write a haiku about rain.", [  # means 5, 3, 1, 4.33: A chosen, any other rejected
        uf_completion("alpaca-7b", "Rain taps the window", "5", "5", "5", "5", "Vivid and on topic.", "Fully meets the task."),
        uf_completion("gpt-4", "Rain is wet.", "3", "N/A", "3", "3", "Correct but flat.", "Partially helpful."),
        uf_completion("starchat", "I like trains.", "1", "1", "1", "1", "Off topic.", "Not helpful."),
        uf_completion("bard", "Soft rain falls", "4", "4", "N/A", "5", "Good imagery.", ""),
    ]),
    uf_row("List three fruits.", [  # one usable completion only (the other has no numeric rating)
        uf_completion("alpaca-7b", "Apple.", "N/A", "N/A", "N/A", "N/A"),
        uf_completion("gpt-4", "Apple, pear, plum.", "4", "4", "4", "4", "Complete.", "Correct list."),
    ]),
    uf_row("Spell cat backwards.", [  # equal means: no lower completion, no pair
        uf_completion("alpaca-7b", "tac", "3", "3", "3", "3", "Right.", "Short."),
        uf_completion("gpt-4", "t-a-c", "3", "3", "3", "3", "Right.", "Short."),
    ]),
    uf_row("What is the capital of France?", [  # means 2 and 4.5: the second is chosen
        uf_completion("alpaca-7b", "Lyon.", "2", "2", "2", "2", "Wrong city.", "Incorrect."),
        uf_completion("gpt-4", "Paris.", "5", "4", "5", "4", "Correct.", "Accurate."),
    ]),
    uf_row("Translate hola.", [  # held out
        uf_completion("alpaca-7b", "Hello.", "4", "4", "4", "4", "Right.", "Accurate."),
        uf_completion("gpt-4", "Bye.", "2", "2", "2", "2", "Wrong.", "Inaccurate."),
    ]),
    uf_row("List three fruits.", [  # held out; the same instruction as row 1, which must then not train
        uf_completion("alpaca-7b", "Apple, fig, kiwi.", "5", "5", "5", "5", "Complete.", "Correct."),
        uf_completion("gpt-4", "Carrot.", "1", "1", "1", "1", "Not a fruit.", "Wrong."),
    ]),
]


# -- Anthropic/hh-rlhf --------------------------------------------------------------------------

def hh(*turns: str) -> str:
    roles = ["Human", "Assistant"]
    return "".join(f"\n\n{roles[k % 2]}: {t}" if t else f"\n\n{roles[k % 2]}:" for k, t in enumerate(turns))


HH = {
    "train": [
        {"chosen": hh("How do I boil an egg?", "Put it in boiling water for nine minutes."),
         "rejected": hh("How do I boil an egg?", "Eggs are round.")},
        {"chosen": hh("Recommend a book.", "What genre do you like?", "Science fiction.", "Try Dune."),
         "rejected": hh("Recommend a book.", "What genre do you like?", "Science fiction.", "I don't read.")},
        {"chosen": hh("What is the capital of Spain?", "Madrid."),  # prefixes differ: skipped
         "rejected": hh("What is the capital of Portugal?", "Lisbon.")},
        {"chosen": hh("Tell me a secret.", "I can't share secrets."),  # empty rejected reply: skipped
         "rejected": hh("Tell me a secret.", "")},
    ],
    "test": [
        {"chosen": hh("Is the sun a star?", "Yes, the sun is a star."), "rejected": hh("Is the sun a star?", "No.")},
        {"chosen": hh("Give me a synonym for happy.", "Joyful."), "rejected": hh("Give me a synonym for happy.", "Sad.")},
    ],
}


# -- OpenAssistant/oasst1 -----------------------------------------------------------------------

def oa(mid, parent, text, role, tree, lang="en", rank=None, deleted=False, review_result=True):
    return {"message_id": mid, "parent_id": parent, "user_id": "u", "created_date": "2023-02-01T00:00:00+00:00",
            "text": text, "role": role, "lang": lang, "review_count": 3, "review_result": review_result,
            "deleted": deleted, "rank": rank, "synthetic": False, "model_name": None,
            "detoxify": {"toxicity": 0.01, "severe_toxicity": 0.0, "obscene": 0.0, "identity_attack": 0.0,
                         "insult": 0.0, "threat": 0.0, "sexual_explicit": 0.0},
            "message_tree_id": tree, "tree_state": "ready_for_export",
            "emojis": {"name": ["+1"], "count": [2]}, "labels": {"name": ["spam"], "value": [0.0], "count": [3]}}


OASST = {
    "train": [
        oa("r1", None, "Explain gravity briefly.", "prompter", "T1"),
        oa("a1", "r1", "Mass attracts mass.", "assistant", "T1", rank=0),
        oa("a2", "r1", "Things fall down.", "assistant", "T1", rank=1),
        oa("a3", "r1", "It is magic.", "assistant", "T1", rank=2),
        oa("a4", "r1", "A deleted reply.", "assistant", "T1", deleted=True),
        oa("p1", "a1", "Why does it?", "prompter", "T1"),  # a second turn: never used
        oa("a6", "p1", "Because mass curves spacetime.", "assistant", "T1", rank=0),
        oa("r2", None, "Was ist Liebe?", "prompter", "T2", lang="de"),  # not English
        oa("b1", "r2", "Liebe ist ein Gefühl.", "assistant", "T2", lang="de", rank=0),
        oa("r3", None, "Say something nice.", "prompter", "T3"),
        oa("c1", "r3", "You are doing great.", "assistant", "T3", rank=0),
        oa("r4", None, "Suggest a name for a cat.", "prompter", "T4"),
        oa("d0", "r4", "Dog.", "assistant", "T4", rank=0, review_result=False),  # failed review: no rank-0 reply
        oa("d1", "r4", "Whiskers.", "assistant", "T4", rank=1),
        oa("d2", "r4", "Cat.", "assistant", "T4", rank=2),
        oa("r5", None, "A deleted prompt.", "prompter", "T5", deleted=True),
        oa("e1", "r5", "A reply to it.", "assistant", "T5", rank=0),
    ],
    "validation": [
        oa("v1", None, "Name a planet.", "prompter", "V1"),
        oa("w0", "v1", "Mars.", "assistant", "V1", rank=0),
        oa("w1", "v1", "The Moon.", "assistant", "V1", rank=1),
        oa("w2", "v1", "Pluto, the biggest planet.", "assistant", "V1", rank=2),
        oa("v2", None, "Tell me a riddle.", "prompter", "V2"),
        oa("x0", "v2", "What has keys but no locks? A piano.", "assistant", "V2", rank=0),
        oa("x1", "v2", "An unranked reply.", "assistant", "V2"),
    ],
}


# -- lmsys/mt_bench_human_judgments -------------------------------------------------------------

def mt_row(qid, winner, turn, a_replies, b_replies, questions=("Write a slogan for tea.", "Make it rhyme.")):
    def conv(replies):
        return [m for q, r in zip(questions, replies) for m in ({"content": q, "role": "user"},
                                                                {"content": r, "role": "assistant"})]

    return {"question_id": qid, "model_a": "gpt-4", "model_b": "llama-13b", "winner": winner, "judge": "expert_3",
            "conversation_a": conv(a_replies), "conversation_b": conv(b_replies), "turn": turn}


MT = [
    mt_row(81, "model_a", 1, ["Tea: calm in a cup.", "Sip the tea, feel free."], ["Drink tea.", "Tea tea."]),
    mt_row(81, "model_b", 2, ["Tea: calm in a cup.", "Tea is good."], ["Drink tea.", "Brew for two, feel new."]),
    mt_row(82, "tie", 1, ["A", "B"], ["C", "D"]),
    mt_row(82, "tie (bothbad)", 2, ["A", "B"], ["C", "D"]),
]

# -- RewardBench (allenai/reward-bench) -----------------------------------------------------------

RB = [
    {"id": 0, "prompt": "What is 2 plus 2?", "chosen": "4", "rejected": "5", "chosen_model": "x", "rejected_model": "y",
     "subset": "alpacaeval-easy"},
    {"id": 1, "prompt": "Sort: b a c", "chosen": "a b c", "rejected": "c b a", "chosen_model": "x",
     "rejected_model": "y", "subset": "mt-bench-med"},
]
