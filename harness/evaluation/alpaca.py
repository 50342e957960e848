"""AlpacaEval scoring with the `alpaca_eval` package's own functions, fully offline.

Raw win rate and its standard error come from `alpaca_eval.metrics.get_winrate`, the
length-controlled win rate from `alpaca_eval.metrics.glm_winrate.get_length_controlled_winrate`.
That GLM needs, per instruction, an instruction difficulty and the annotations of two "gamed"
baselines (a verbose and a concise rewrite of the reference), which alpaca_eval downloads from
the hub as `df_gamed.csv` for its official annotator and instruction set. Those numbers only
mean something for that annotator and those instructions, so here they are built with the
annotator being measured, on the instructions being scored, and handed to alpaca_eval through a
patched loader. Nothing is downloaded.

Conventions (alpaca_eval's): output_1 is the reference (generator_1 = "reference"), output_2 the
model; preference 1 = reference better, 2 = model better, 1.5 = draw. Annotator failures count
as draws (1.5) and are reported.
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import tempfile
import warnings
from pathlib import Path

REFERENCE = "reference"


def _annotate_model_second(prompts, outputs, references, annotator, seed: int, tag: str) -> tuple[list[float], int]:
    """Preferences in alpaca_eval's orientation (2 = `outputs` better than `references`); the
    order shown to the annotator is drawn per instruction from (seed, tag, prompt id)."""
    model_first = [random.Random(f"{seed}:{tag}:{p.id}").random() < 0.5 for p in prompts]
    first = [o if mf else r for o, r, mf in zip(outputs, references, model_first)]
    second = [r if mf else o for o, r, mf in zip(outputs, references, model_first)]
    raw = annotator.prefer(list(prompts), first, second)
    prefs, failures = [], 0
    for pref, mf in zip(raw, model_first):
        if pref is None:
            failures += 1
            prefs.append(1.5)
        else:
            prefs.append(3.0 - pref if mf else float(pref))
    return prefs, failures


def verbose_rewrite(reference: str, rng: random.Random) -> str:
    """The reference plus content-free sentences: longer, no better."""
    from ..world.filler import add_filler

    return add_filler(reference, rng, 2)


def concise_rewrite(reference: str) -> str:
    """The reference without filler sentences, cut to its first sentence; a one-sentence answer
    stays as it is (cutting it further would change what it says, not only its length)."""
    from ..world.filler import strip_filler

    text = strip_filler(reference).strip() or reference.strip()
    sentences = [s for s in re.split(r"(?<=[.!?])\s+", text) if s]
    return sentences[0] if len(sentences) > 1 else text


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def gamed_annotations(prompts, annotator, seed: int):
    """alpaca_eval's df_gamed for these instructions and this annotator: the verbose and the
    concise rewrite of every reference judged against the reference, plus an instruction
    difficulty = logit of the (add-one smoothed) share of those comparisons the reference won."""
    import pandas as pd

    refs = [p.reference for p in prompts]
    rng = random.Random(f"{seed}:gamed")
    rows, panel = [], [[] for _ in prompts]
    for name, rewrite in (("verbose", lambda r: verbose_rewrite(r, rng)), ("concise", concise_rewrite)):
        gamed = [rewrite(r) for r in refs]
        prefs, _ = _annotate_model_second(prompts, gamed, refs, annotator, seed, f"gamed-{name}")
        for i, (g, pref) in enumerate(zip(gamed, prefs)):
            panel[i].append(pref - 1.0)  # share of the gamed output's win, in [0, 1]
            rows.append({"model": f"gamed_{name}", "index": i, "preference": pref - 1.0,
                         "delta_len": len(refs[i]) - len(g), "not_gamed_baseline": False})
    df = pd.DataFrame(rows)
    spread = df["delta_len"].std()
    df["std_delta_len"] = df["delta_len"] / (spread if spread and spread > 0 else 1.0)
    difficulty = [_logit((1 + sum(1 - x for x in wins)) / (2 + len(wins))) for wins in panel]
    df["instruction_difficulty"] = [difficulty[i] for i in df["index"]]
    return df.drop(columns=["delta_len"])


_GAMED_CACHE: dict[tuple, object] = {}


def cached_gamed_annotations(prompts, annotator, seed: int):
    """The gamed annotations depend only on (instructions, references, annotator, seed): scoring
    several generators on one instruction set annotates them once per process."""
    key = (annotator.name, seed, tuple((p.id, p.instruction, p.reference) for p in prompts))
    if key not in _GAMED_CACHE:
        _GAMED_CACHE[key] = gamed_annotations(prompts, annotator, seed)
    return _GAMED_CACHE[key].copy()


@contextlib.contextmanager
def _offline_gamed(df_gamed):
    """alpaca_eval reads df_gamed.csv through `hf_hub_download`; point that one call at ours."""
    from alpaca_eval.metrics import glm_winrate

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "df_gamed.csv"
        df_gamed.to_csv(path, index=False)
        original = glm_winrate.hf_hub_download
        glm_winrate.hf_hub_download = lambda *a, **k: str(path)
        try:
            yield
        finally:
            glm_winrate.hf_hub_download = original


def _check_official_order(prompts) -> None:
    """alpaca_eval's published gamed annotations are indexed by position in its 805-instruction
    set, so they only fit prompts that are that set's first n instructions, in order."""
    from ..errors import DataError

    expected = [f"alpaca_eval-{i}" for i in range(len(prompts))]
    if [p.id for p in prompts] != expected:
        raise DataError("eval.lc_gamed=hub needs the AlpacaEval instructions in their published order (data=alpaca_eval); "
                        "these prompts are not. Use eval.lc_gamed=built.")


def alpaca_eval_scores(prompts, outputs: list[str], annotator, generator: str = "model", seed: int = 0,
                       gamed: str = "built") -> dict:
    """Raw and length-controlled win rate of `outputs` against each prompt's reference output.
    gamed="built": the LC GLM's gamed references are judged by `annotator` here (offline);
    "hub": alpaca_eval downloads its own (made with its official annotator; online)."""
    import pandas as pd

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # alpaca_eval imports the deprecated pkg_resources
        from alpaca_eval.metrics import get_winrate
        from alpaca_eval.metrics.glm_winrate import get_length_controlled_winrate

    from ..errors import DataError

    keep = [(p, o) for p, o in zip(prompts, outputs) if p.reference is not None]
    if len(keep) < 2:
        raise DataError("AlpacaEval scoring needs reference outputs on at least 2 evaluation prompts; "
                        "provide `reference` in the evaluation prompts file.")
    prompts, outputs = [p for p, _ in keep], [o for _, o in keep]
    refs = [p.reference for p in prompts]
    cost_before = getattr(annotator, "cost_usd", None)  # API annotators report what their annotations cost
    prefs, failures = _annotate_model_second(prompts, outputs, refs, annotator, seed, "model")
    annotations = pd.DataFrame({
        "instruction": [p.instruction for p in prompts], "output_1": refs, "output_2": outputs,
        "generator_1": REFERENCE, "generator_2": generator, "annotator": annotator.name, "preference": prefs,
    })
    raw = get_winrate(annotations)
    if gamed == "hub":
        _check_official_order(prompts)
    lc = {"length_controlled_winrate": None, "lc_standard_error": None}
    if len({len(r) - len(o) for r, o in zip(refs, outputs)}) > 1:
        lc = _length_controlled(annotations, prompts, annotator, seed, gamed, get_length_controlled_winrate)
    # else every output is as long as its reference: alpaca_eval's GLM divides by the spread of the
    # length differences (0 here) and fails; with no length difference there is nothing to control
    return {
        "annotator": annotator.name,
        "win_rate": float(raw["win_rate"]),
        "standard_error": float(raw["standard_error"]),
        "lc_win_rate": _float_or_none(lc["length_controlled_winrate"]),
        "lc_standard_error": _float_or_none(lc["lc_standard_error"]),
        "n": int(raw["n_total"]),
        "n_wins": int(raw["n_wins"]), "n_wins_base": int(raw["n_wins_base"]), "n_draws": int(raw["n_draws"]),
        "annotator_failures": failures,
        "avg_length": sum(len(o) for o in outputs) / len(outputs),
        "lc_gamed": gamed,
        **({} if cost_before is None else {"annotation_cost_usd": annotator.cost_usd - cost_before}),
    }


def _float_or_none(value):
    return None if value is None else float(value)


def _length_controlled(annotations, prompts, annotator, seed: int, gamed: str, get_length_controlled_winrate) -> dict:
    """alpaca_eval's length-controlled win rate, its GLM fed our gamed annotations (or its own)."""
    gamed_source = (contextlib.nullcontext() if gamed == "hub"
                    else _offline_gamed(cached_gamed_annotations(prompts, annotator, seed)))
    with gamed_source, warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # scikit-learn's notices about alpaca_eval's GLM call
        return get_length_controlled_winrate(annotations.copy(), save_weights_dir=None,
                                             is_add_glm_preference_inplace=False, is_warn_extreme_changes=False)
