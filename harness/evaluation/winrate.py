"""Win rate of a model's outputs against reference outputs, judged by an annotator.

Per instruction the model's output goes first or second by a coin seeded on (seed, prompt id),
so position bias in an annotator cannot favour one side systematically. A win counts 1, a draw
0.5, a loss 0; an annotator failure counts 0.5 and is reported.
"""

from __future__ import annotations

import random

from ..stats import estimate


def win_rate(prompts, outputs: list[str], annotator, seed: int = 0, n_boot: int = 2000) -> dict:
    have_ref = [(p, o) for p, o in zip(prompts, outputs) if p.reference is not None]
    if not have_ref:
        from ..errors import DataError
        raise DataError("No evaluation prompt has a reference output, so no win rate can be computed. "
                        "Provide `reference` in the evaluation prompts file.")
    model_first = [random.Random(f"{seed}:{p.id}").random() < 0.5 for p, _ in have_ref]
    first = [o if mf else p.reference for (p, o), mf in zip(have_ref, model_first)]
    second = [p.reference if mf else o for (p, o), mf in zip(have_ref, model_first)]
    prefs = annotator.prefer([p for p, _ in have_ref], first, second)
    wins, rows, failures = [], [], 0
    for (p, o), mf, pref in zip(have_ref, model_first, prefs):
        if pref is None:
            failures += 1
            win = 0.5
        else:
            win = (2.0 - pref) if mf else (pref - 1.0)
        wins.append(win)
        rows.append({"prompt_id": p.id, "model_first": mf, "preference": pref, "win": win})
    est = estimate(wins, seed=seed, n_boot=n_boot)
    return {
        "annotator": annotator.name,
        "win_rate": 100 * est.value,
        "win_rate_se": 100 * est.se,
        "win_rate_ci": [100 * est.ci_low, 100 * est.ci_high],
        "n": est.n,
        "draw_rate": sum(w == 0.5 for w in wins) / len(wins),
        "annotator_failures": failures,
        "rows": rows,
    }
