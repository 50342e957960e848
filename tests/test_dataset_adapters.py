"""Real-dataset adapters on a few rows of each dataset in its hub schema, mirrored into local
folders: the exact records each maps to, the rows it skips, held-out rows kept out of training,
the seeded A/B order, the data=<name> configs, and one run started from data=<name>."""

from __future__ import annotations

import json
import logging
from collections import Counter
from pathlib import Path

import pytest

from conftest import FAST, run_cli
from dataset_fixtures import HH, MT, OASST, UF, UFB, hh, write_split
from harness.config import validate_config
from harness.data import hh_rlhf, mt_bench, oasst1, ultrafeedback
from harness.data.hub import read_split
from harness.rounding import round_half_up
from harness.data.provider import DataProvider
from harness.data.sources import open_source
from harness.errors import ConfigError, DataError

CONF_DATA = Path(__file__).resolve().parent.parent / "conf" / "data"


def mirror(tmp_path: Path, name: str, splits: dict) -> Path:
    for split, rows in splits.items():
        write_split(tmp_path / name, split, rows)
    return tmp_path / name


def render(instruction: str, response: str) -> str:
    return f"JUDGE[{instruction}|{response}]"


def better(pair) -> str:
    return pair.response_a if pair.label == 0 else pair.response_b


def test_ultrafeedback_binarized_maps_every_kind(tmp_path):
    src = open_source("ultrafeedback_binarized", str(mirror(tmp_path, "ufb", UFB)))
    pairs = src.preference_pairs()
    assert [(p.prompt_id, p.prompt, p.chosen, p.rejected, p.chosen_score, p.rejected_score) for p in pairs] == [
        ("p0", "Name a primary colour.", "Red.", "Purple.", 8.0, 4.0), ("p1", "Say hi.", "Hi!", "Go away.", 7.5, 7.0)]
    assert [p.instruction for p in src.train_prompts()] == ["Name a primary colour.", "Say hi."]
    assert [(e.prompt, e.response, e.kind) for e in src.ift()] == [
        ("Tell a joke.", "Why did the chicken cross the road?", "ift")]  # the first assistant reply only
    judged = src.judge_pairs()
    assert [p.prompt_id for p in judged] == ["t0", "t2", "t3"]  # t1's scores tie
    assert [better(p) for p in judged] == ["4", "An apple.", "d-o-g"]
    assert [max(p.scores) == p.scores[p.label] for p in judged] == [True] * 3
    assert [(p.instruction, p.reference) for p in src.eval_prompts(limit=2)] == [
        ("What is 2+2?", "4"), ("Pick a number.", "7")]
    assert src.preference_pairs(limit=1) == pairs[:1]


def test_ultrafeedback_ratings_binarise_review_and_hold_out_a_tail(tmp_path):
    src = open_source("ultrafeedback", str(mirror(tmp_path, "uf", {"train": UF})), seed=0,
                      render_judge_prompt=render, n_judge_pairs=2)
    # the held-out tail: the last two prompts that give a pair, with their mean ratings as scores
    judged = src.judge_pairs()
    assert [(p.prompt, better(p), sorted(p.scores)) for p in judged] == [
        ("Translate hola.", "Hello.", [2.0, 4.0]), ("List three fruits.", "Apple, fig, kiwi.", [1.0, 5.0])]
    held_out = {p.prompt for p in judged}
    pairs = src.preference_pairs()
    assert [(p.prompt, p.chosen, p.chosen_score) for p in pairs] == [
        ("Write a haiku about rain.", "Rain taps the window", 5.0), ("What is the capital of France?", "Paris.", 4.5)]
    assert pairs[0].rejected in {"Rain is wet.", "I like trains.", "Soft rain falls"} and pairs[1].rejected == "Lyon."
    assert pairs[0].rejected_score < pairs[0].chosen_score
    prompts = [p.instruction for p in src.train_prompts()]
    assert prompts == ["Write a haiku about rain.", "Spell cat backwards.", "What is the capital of France?"]
    eft = src.eft()
    assert [e.response for e in eft[:4]] == [
        "Vivid and on topic. Fully meets the task.\nScore: 5",  # mean 5
        "Correct but flat. Partially helpful.\nScore: 3",  # mean 3 (N/A left out) -> 2.5, rounded up
        "Off topic. Not helpful.\nScore: 0",  # mean 1
        "Good imagery.\nScore: 4",  # mean 13/3 -> 4.17
    ]
    assert eft[0].prompt == render("Write a haiku about rain.", "Rain taps the window") and len(eft) == 8
    # nothing held out reaches training, not even the earlier row that repeats a held-out instruction
    for text in [p.prompt for p in pairs] + prompts + [e.prompt for e in eft]:
        assert not any(h in text for h in held_out)
    # the rejected completion is a seeded draw: the same for a seed, different across seeds
    draws = {open_source("ultrafeedback", src.path, seed=s, n_judge_pairs=2).preference_pairs()[0].rejected
             for s in range(12)}
    assert len(draws) > 1 and draws <= {"Rain is wet.", "I like trains.", "Soft rain falls"}
    assert open_source("ultrafeedback", src.path, seed=0, n_judge_pairs=2).preference_pairs() == pairs
    with pytest.raises(DataError, match="only 4 prompts that give a preference pair.*Lower data.n_judge_pairs"):
        open_source("ultrafeedback", src.path, n_judge_pairs=5).preference_pairs()
    assert [ultrafeedback.rubric_score(m) for m in (1, 2, 3, 4, 4.5, 5)] == [0, 1, 3, 4, 4, 5]
    assert round_half_up(2.5) == 3 and round_half_up(0.5) == 1


def test_hh_rlhf_cuts_transcripts_and_skips_mismatched_rows(tmp_path, caplog):
    folder = mirror(tmp_path, "hh", HH)
    src = open_source("hh_rlhf", str(folder))
    with caplog.at_level(logging.INFO, logger="selfalign"):
        pairs = src.preference_pairs()
    assert [(p.prompt, p.chosen, p.rejected) for p in pairs] == [
        ("How do I boil an egg?", "Put it in boiling water for nine minutes.", "Eggs are round."),
        ("Human: Recommend a book.\n\nAssistant: What genre do you like?\n\nHuman: Science fiction.", "Try Dune.",
         "I don't read."),
    ]
    assert ("hh_rlhf preference pairs from split train: 2 kept; skipped rows with an empty reply: 1, "
            "rows with different dialogue prefixes: 1") in caplog.text
    skipped: Counter = Counter()
    hh_rlhf.labelled_pairs(HH["train"], seed=0, skipped=skipped)
    assert skipped == {"rows with an empty reply": 1, "rows with different dialogue prefixes": 1}
    assert [(p.instruction, p.reference) for p in src.eval_prompts()] == [
        ("Is the sun a star?", "Yes, the sun is a star."), ("Give me a synonym for happy.", "Joyful.")]
    assert [better(p) for p in src.judge_pairs()] == ["Yes, the sun is a star.", "Joyful."]
    assert [p.instruction for p in src.train_prompts()] == [p.prompt for p in pairs]
    # a subset is the hub's data_dir, mirrored as a subfolder
    mirror(folder, "helpful-base", {"train": HH["train"][:1]})
    sub = open_source("hh_rlhf", str(folder), subset="helpful-base")
    assert [p.chosen for p in sub.preference_pairs()] == ["Put it in boiling water for nine minutes."]
    assert sub.train_prompts()[0].family == "helpful-base"


def test_oasst1_uses_english_first_turns_and_human_ranks(tmp_path):
    src = open_source("oasst1", str(mirror(tmp_path, "oa", OASST)), render_judge_prompt=render)
    # rank-0 replies of English, kept first turns; the cat prompt's rank-0 reply failed review
    assert [(e.prompt, e.response) for e in src.ift()] == [
        ("Explain gravity briefly.", "Mass attracts mass."), ("Say something nice.", "You are doing great.")]
    # ranks in order among the kept replies: 3 ranks -> 5, 3 (2.5 rounded up), 0; 2 ranks -> 5, 0
    assert [(e.prompt, e.response) for e in src.eft()] == [
        (render("Explain gravity briefly.", "Mass attracts mass."), "Score: 5"),
        (render("Explain gravity briefly.", "Things fall down."), "Score: 3"),
        (render("Explain gravity briefly.", "It is magic."), "Score: 0"),
        (render("Suggest a name for a cat.", "Whiskers."), "Score: 5"),
        (render("Suggest a name for a cat.", "Cat."), "Score: 0"),
    ]
    assert [p.instruction for p in src.train_prompts()] == [
        "Explain gravity briefly.", "Say something nice.", "Suggest a name for a cat."]  # no German, no deleted
    everything = [e.prompt + e.response for e in src.ift() + src.eft()]
    assert not any(s in t for t in everything for s in ("spacetime", "Liebe", "deleted", "Dog."))
    judged = src.judge_pairs()  # validation: every pair of differently ranked replies
    assert sorted((better(p), p.scores[p.label], min(p.scores)) for p in judged) == sorted([
        ("Mars.", 5, 3), ("Mars.", 5, 0), ("The Moon.", 3, 0)])
    assert [(p.instruction, p.reference) for p in src.eval_prompts()] == [
        ("Name a planet.", "Mars."), ("Tell me a riddle.", "What has keys but no locks? A piano.")]
    assert oasst1.rank_scores([{"message_id": "a", "rank": 0}, {"message_id": "b", "rank": None}]) == {}


def test_mt_bench_drops_ties_and_keeps_the_first_question_for_turn_two():
    skipped: Counter = Counter()
    pairs = mt_bench.labelled_pairs(MT, seed=0, skipped=skipped)
    assert skipped == {"ties": 2}
    assert [(p.prompt, better(p)) for p in pairs] == [
        ("Write a slogan for tea.", "Tea: calm in a cup."),
        ("Earlier question 1: Write a slogan for tea.\n\nFollow-up question: Make it rhyme.", "Brew for two, feel new."),
    ]
    assert {pairs[1].response_a, pairs[1].response_b} == {"Tea is good.", "Brew for two, feel new."}


def test_seeded_order_is_reproducible_and_balanced():
    rows = [{"chosen": hh(f"Question {i}?", "A good answer."), "rejected": hh(f"Question {i}?", "Bad.")}
            for i in range(200)]
    first = hh_rlhf.labelled_pairs(rows, seed=0)
    assert [p.label for p in first] == [p.label for p in hh_rlhf.labelled_pairs(rows, seed=0)]
    assert [p.label for p in first] != [p.label for p in hh_rlhf.labelled_pairs(rows, seed=1)]
    assert 70 < sum(p.label == 0 for p in first) < 130
    assert all(better(p) == "A good answer." for p in first)


def test_reader_errors_name_the_path_the_split_and_the_files_expected(tmp_path, monkeypatch):
    with pytest.raises(DataError, match="folder .*nowhere' does not exist"):
        open_source("hh_rlhf", str(tmp_path / "nowhere")).preference_pairs()
    folder = mirror(tmp_path, "hh", {"test": HH["test"]})
    with pytest.raises(DataError, match=r"no file for the split 'train'; expected one of train.jsonl, train.json, "
                                        r"train.parquet"):
        open_source("hh_rlhf", str(folder)).preference_pairs()
    write_split(folder, "test", HH["test"], suffix=".json")
    with pytest.raises(DataError, match="several files for the split 'test'"):
        open_source("hh_rlhf", str(folder)).judge_pairs()
    (folder / "test.jsonl").unlink()
    assert len(open_source("hh_rlhf", str(folder)).judge_pairs()) == 2  # a JSON list works as well
    import datasets

    datasets.Dataset.from_list(HH["train"]).to_parquet(str(folder / "train.parquet"))
    assert read_split(str(folder), "train") is read_split(str(folder), "train")  # read once per process
    assert len(open_source("hh_rlhf", str(folder)).preference_pairs()) == 2
    with pytest.raises(DataError, match=r"row 0 has no field 'rejected'"):
        hh_rlhf.labelled_pairs([{"chosen": "x"}], seed=0)
    # offline, a hub id fails with a message that says how to mirror the dataset
    import huggingface_hub.constants

    monkeypatch.setattr(datasets.config, "HF_HUB_OFFLINE", True)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", True)
    with pytest.raises(DataError, match=r"could not load split 'train' of 'someone/no-such-set'.*pass that folder "
                                        r"as data.source_path"):
        open_source("hh_rlhf", "someone/no-such-set").preference_pairs()


def test_provider_takes_the_kinds_a_source_provides(make_cfg, tmp_path):
    folder = mirror(tmp_path, "hh", HH)
    real = ["model=smollm2-135m", "eval.annotator=model", "data=hh_rlhf", f"data.source_path={folder}"]
    data = DataProvider(make_cfg(*real, "data.n_preference_pairs=1").data)
    data.check_local_files()
    assert [p.chosen for p in data.preference_pairs] == ["Put it in boiling water for nine minutes."]  # capped
    assert [p.instruction for p in data.eval_prompts] == ["Is the sun a star?", "Give me a synonym for happy."]
    assert len(data.train_prompts) == 2 and len(data.judge_pairs) == 2
    # kinds hh_rlhf does not provide stay on the world
    hh_texts = {p.instruction for p in data.train_prompts + data.eval_prompts}
    assert len(data.ift(5)) == 5 and not {e.prompt for e in data.ift(5)} & hh_texts
    from methods.self_j import reference_ratings

    assert len(data.eft(3)) == 3 and len(reference_ratings(data, 2, "reference_rating_v1")) == 2
    # an explicit local file still wins over the adapter
    own = tmp_path / "pairs.jsonl"
    own.write_text(json.dumps({"prompt": "p", "chosen": "c", "rejected": "r"}) + "\n")
    data = DataProvider(make_cfg(*real, f"data.preference_pairs_path={own}").data)
    assert [(p.prompt, p.chosen) for p in data.preference_pairs] == [("p", "c")]


@pytest.mark.parametrize("name, has_eval_prompts", [
    ("ultrafeedback_binarized", True), ("ultrafeedback", False), ("hh_rlhf", True), ("oasst1", True)])
def test_every_dataset_config_composes_and_guards_the_oracle(make_cfg, name, has_eval_prompts):
    assert (CONF_DATA / f"{name}.yaml").exists()
    cfg = make_cfg(f"data={name}", "model=smollm2-135m", "eval.annotator=model")
    validate_config(cfg)
    assert cfg.data.source == name and cfg.data.source_path is None and cfg.data.world.seed == 0
    oracle = make_cfg(f"data={name}", "model=smollm2-135m")
    if has_eval_prompts:
        with pytest.raises(ConfigError, match="add eval.annotator=model"):
            validate_config(oracle)
    else:
        validate_config(oracle)  # ultrafeedback leaves evaluation on the world


@pytest.mark.parametrize("overrides, message", [
    (["data.source=hh_rhlf"], "did you mean 'hh_rlhf'"),
    (["data.source=mt_bench_human"], "judge-pair set only"),
    (["data=oasst1", "data.source_subset=helpful-base"], "oasst1 has no subsets"),
    (["data=hh_rlhf", "data.source_subset=helpful"], "helpful-base, harmless-base"),
    (["data.source_path=/data/hh"], "null unless data.source names a dataset"),
])
def test_bad_source_values_are_refused(make_cfg, overrides, message):
    with pytest.raises(ConfigError, match=message):
        validate_config(make_cfg("eval.annotator=model", *overrides))


def test_a_run_starts_from_data_name_on_a_local_folder(tmp_path, cache_dir, tiny_policy):
    """Plumbing only: the tiny model's byte-level tokenizer was trained on the world's text, so it
    encodes real text (in many short pieces) but cannot make sense of it."""
    folder = mirror(tmp_path, "ufb", UFB)
    annotator = sorted(p.parent for p in cache_dir.glob("tiny/*/config.json"))[0]  # the tiny base (tiny_policy)
    runs = tmp_path / "runs"
    proc = run_cli(["method=dpo", *FAST, "data=ultrafeedback_binarized", f"data.source_path={folder}",
                    "eval.annotator=model", f"eval.annotator_model={annotator}", "eval.alpaca_eval=false"], runs, cache_dir)
    assert proc.returncode == 0, proc.stderr[-3000:]
    (metrics_file,) = runs.rglob("metrics.json")
    m = json.loads(metrics_file.read_text())
    assert m["summary"]["n"] == 4 and m["iterations"][-1]["pairs"] == 2
    run = Path(m["run_dir"])
    outputs = [json.loads(line) for line in (run / "stages/eval/final/outputs/records.jsonl").read_text().splitlines()]
    assert [o["prompt_id"] for o in outputs] == ["t0", "t1", "t2", "t3"]
    assert "ultrafeedback_binarized preference pairs from split train_prefs: 2 kept" in (run / "run.log").read_text()
