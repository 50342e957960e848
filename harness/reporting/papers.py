"""Paper against harness, one row per headline figure of ../METHODS.md: the paper's number and
its source; the harness's number where runs of the paper's overlay exist, otherwise "not run
here" with the command; and the tiny-scale twin's reading: does the paper's direction of effect
appear at the tiny scale (a per-seed difference with a t-CI across seeds, read like the claims)?

A run belongs to an overlay when its stored config agrees with the overlay's composed config on
every method, model and data knob both have (knobs added to the harness after the run are
skipped), so the comparison's runs of a method at its defaults count as that method's twin.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..evaluation import claims as _claims
from ..evaluation.stored_runs import est, read_config

COMPARED = ("method", "model", "data")  # the config sections that make a run the overlay's


@dataclass(frozen=True)
class Figure:
    method: str
    figure: str
    paper: str  # the paper's numbers, as published
    source: str
    overlay: str  # conf/experiment/<overlay>.yaml: the paper's setting
    twin: str  # its tiny-scale twin
    direction: str  # the paper's direction of effect, in words
    # (the twin's runs, other runs it may compare them with) -> {"estimate", "verdict", "measure"}
    reading: Callable[[list[dict], list[dict]], dict]


def _iteration_gain(key: Callable[[dict], float | None], measure: str, sign: int = +1):
    """Last evaluated iteration minus M1, per seed, on the twin's runs."""
    def read(runs: list[dict], others: list[dict]) -> dict:
        series = [_claims._by_iteration(m, key) for m in runs]
        series = [s for s in series if len(s) >= 2]
        e = est([s[-1] - s[0] for s in series]) if series else None
        return {"estimate": e, "verdict": _claims._verdict(e, sign), "measure": measure}
    return read


def _largest_n_over_one(runs: list[dict], others: list[dict]) -> dict:
    """The selected answer at the largest N minus N = 1, per seed (win rate points)."""
    diffs = []
    for m in runs:
        by_n = {int(n): r["win_rate"] for n, r in (m["summary"].get("win_rate_vs_n") or {}).items()}
        if 1 in by_n and len(by_n) > 1:
            diffs.append(by_n[max(by_n)] - by_n[1])
    e = est(diffs) if diffs else None
    return {"estimate": e, "verdict": _claims._verdict(e, +1), "measure": "win rate, best of the largest N − one sample (points)"}


def _claim(fn):
    """A claim of harness/evaluation/claims.py read on the twin's runs and, for claims that compare
    the method with another arm (SeRA against DPO, both under flipped labels), the other runs."""
    def read(runs: list[dict], others: list[dict]) -> dict:
        r = fn(runs + others)
        return {"estimate": r["estimate"], "verdict": r["verdict"], "measure": r["measure"]}
    return read


FIGURES = (
    Figure("self_rewarding", "AlpacaEval 2 win rate, M1 → M2 → M3", "9.94 → 15.38 → 20.44",
           "Yuan et al. 2024 (arXiv 2401.10020), Llama-2-70B", "self_rewarding_llama2_70b", "self_rewarding_tiny",
           "win rate rises over the iterations",
           _iteration_gain(lambda e: e.get("win_rate"), "win rate, last iteration − M1 (points)")),
    Figure("self_rewarding", "judge pairwise accuracy on held-out rankings, SFT → M1 → M2 → M3", "65.1 → 78.7 → 80.4 → 81.7",
           "Yuan et al. 2024 (arXiv 2401.10020), Llama-2-70B", "self_rewarding_llama2_70b", "self_rewarding_tiny",
           "judge accuracy rises over the iterations", _claim(_claims.judge_accuracy_rises)),
    Figure("meta_rewarding", "AlpacaEval 2 LC win rate, seed → iterations 1-4", "22.92 → 27.85 / 32.66 / 35.45 / 39.44",
           "Wu et al. 2024 (arXiv 2407.19594), Llama-3-8B-Instruct", "meta_rewarding_llama3_8b", "meta_rewarding_tiny",
           "LC win rate rises over the iterations",
           _iteration_gain(lambda e: e.get("lc_win_rate"), "LC win rate, last iteration − M1 (points)")),
    Figure("self_judge", "win rate of on-policy self-judgment and tournament selection", "not retrieved",
           "Lee et al. 2024 (arXiv 2402.11253), Llama-2-7B", "self_judge_llama2_7b_ultrafeedback", "self_judge_tiny",
           "the tournament's pick beats one sample", _claim(_claims.tournament_beats_one_sample)),
    Figure("sera", "win rate over the plain DAA, robustness to flipped labels", "not retrieved",
           "Ko et al. 2024 (arXiv 2410.09362), TinyLlama-1.1B and Mistral-7B", "sera_tinyllama_1b", "sera_tiny",
           "SeRA beats DPO under flipped labels", _claim(_claims.sera_beats_dpo_under_flipped_labels)),
    Figure("self_j", "best-of-32 on WizardLM-13B-V1.2, AlpacaEval 2 win rate", "12.03 → 15.90",
           "Ye & Ng 2024 (arXiv 2409.00935), a 13B judge", "self_j_13b_best_of_32", "self_j_tiny",
           "best of N beats one sample", _largest_n_over_one),
)


def _flat(node, prefix: str = "") -> dict:
    if not isinstance(node, dict):
        return {prefix: node}
    out = {}
    for k, v in node.items():
        out.update(_flat(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


@functools.cache
def _composed(name: str):
    from ..compose import compose

    return compose([f"experiment={name}"], method=None)


def overlay_config(name: str) -> dict:
    from omegaconf import OmegaConf

    return OmegaConf.to_container(_composed(name), resolve=True)


def belongs(run_cfg: dict, overlay: dict) -> bool:
    """The run's config agrees with the overlay on every knob of COMPARED that both have."""
    mine = _flat({k: run_cfg.get(k) for k in COMPARED})
    theirs = _flat({k: overlay.get(k) for k in COMPARED})
    return all(mine[k] == v for k, v in theirs.items() if k in mine)


def runs_of(overlay: str, runs: list[dict], configs: dict[str, dict]) -> list[dict]:
    """One run per seed of the runs that belong to the overlay (`configs` caches every config read)."""
    if overlay not in configs:
        configs[overlay] = overlay_config(overlay)
    by_seed = {}
    for m in sorted(runs, key=lambda m: m["run_dir"]):
        if m["run_dir"] not in configs:
            configs[m["run_dir"]] = read_config(Path(m["run_dir"]))
        if belongs(configs[m["run_dir"]], configs[overlay]):
            by_seed.setdefault(m["seed"], m)
    return [by_seed[s] for s in sorted(by_seed)]


def compare(runs: list[dict], ablations: list[dict] = ()) -> list[dict]:
    """One row per figure. The twin's reading takes the twin's runs plus the ablations (the claims
    compare the twin against its plain-loss or one-sample counterpart)."""
    configs: dict[str, dict] = {}
    rows = []
    for f in FIGURES:
        at_scale = runs_of(f.overlay, runs, configs)
        twin = runs_of(f.twin, runs, configs)
        # the twin's comparison arms: other methods' runs, and the ablations (e.g. SeRA under flipped labels)
        others = [m for m in runs if m["method"] != f.method] + list(ablations)
        rows.append({"figure": f, "harness": f.reading(at_scale, others) if at_scale else None,
                     "n_at_scale": len(at_scale), "twin": f.reading(twin, others) if twin else None, "n_twin": len(twin)})
    return rows


NOTE = ("\nThe harness column reads runs whose stored config matches the paper's overlay; the twin column "
        "reads the tiny-scale twin's runs (the comparison's runs of a method at its defaults are its twin's when the "
        "twin only pins the method) with the same verdict rule as the claims. A bill is the overlay's cold upper "
        "bound (`selfalign plan experiment=<overlay> --phases` itemises it).\n")


def bills() -> dict[str, str]:
    """Each paper overlay's bill in one phrase."""
    from ..planning.bill import one_line, price

    return {f.overlay: one_line(price(_composed(f.overlay))) for f in FIGURES}


def as_json(rows: list[dict]) -> list[dict]:
    return [{"method": r["figure"].method, "figure": r["figure"].figure, "paper": r["figure"].paper,
             "source": r["figure"].source, "overlay": r["figure"].overlay, "twin": r["figure"].twin,
             "harness": r["harness"], "twin_reading": r["twin"], "n_at_scale": r["n_at_scale"], "n_twin": r["n_twin"]}
            for r in rows]


def _fmt(reading: dict | None) -> str:
    e = reading and reading["estimate"]
    if not e:
        return "–"
    return f"{e['mean']:+.1f} [{e['ci'][0]:+.1f}, {e['ci'][1]:+.1f}], {e['n_seeds']} seeds: {reading['verdict']}"


def markdown(rows: list[dict], bills: dict[str, str] | None = None) -> str:
    lines = ["| method | figure | paper | source | harness at the paper's setting | tiny twin: paper's direction? |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        f = r["figure"]
        at_scale = _fmt(r["harness"]) if r["harness"] else (
            f"not run here: `selfalign experiment={f.overlay}`" + (f" ({bills[f.overlay]})" if bills and f.overlay in bills else ""))
        twin = (f"{f.direction}: {_fmt(r['twin'])} ({r['twin']['measure']})" if r["twin"] and r["twin"]["estimate"]
                else f"not run: `selfalign experiment={f.twin}`")
        lines.append(f"| {f.method} | {f.figure} | {f.paper} | {f.source} | {at_scale} | {twin} |")
    return "\n".join(lines) + "\n"
