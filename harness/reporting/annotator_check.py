"""A check on each annotator behind the report's win rates, read from the comparisons the runs
stored (no model call):

- position bias: of the comparisons it decided (draws left out), the share in which it preferred
  the output shown first. Outputs are shown in a random order per prompt, so an annotator without
  position bias sits near 50%; one further than BIAS_FLAG from 50% either way is flagged.
- agreement with the oracle, where the prompts come from the embedded world (the only place a
  true preference is known): on comparisons the oracle decides, the share where the annotator's
  side matches. The oracle annotator agrees with itself by definition, so it is not re-scored.

CIs resample prompts whole (a prompt is compared once per run), so the runs pooled here do not
count one prompt as many independent comparisons.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path

from ..stats import cluster_bootstrap_ci

BIAS_FLAG = 0.3  # flagged in bold: picks the first-shown output in over 80% or under 20% of its decided comparisons


def _stage_rows(m: dict) -> list[dict]:
    stage = m["summary"].get("win_rate_stage")
    f = Path(m["run_dir"]) / "stages" / str(stage) / "result.json"
    return json.loads(f.read_text()).get("rows", []) if stage and f.exists() else []


def _outputs_of(m: dict) -> dict[str, str]:
    """prompt id -> the judged output, where the win-rate stage sits beside its greedy outputs."""
    from ..store import read_jsonl

    stage = Path(m["run_dir"]) / "stages" / str(m["summary"].get("win_rate_stage"))
    f = stage.parent / "outputs" / "records.jsonl"
    return {r["prompt_id"]: r["text"] for r in read_jsonl(f)} if stage.name == "win_rate" and f.exists() else {}


def _world_prompts(m: dict) -> dict:
    from ..evaluation.stored_runs import read_config

    data = read_config(Path(m["run_dir"])).get("data") or {}
    # the oracle grades only the world's own evaluation prompts
    if data.get("name") != "world" or data.get("source") or data.get("eval_prompts_path") or data.get("alpaca_eval_set"):
        return {}
    from omegaconf import OmegaConf

    from ..data.provider import DataProvider

    return {p.id: p for p in DataProvider(OmegaConf.create(data)).eval_prompts}


def check(runs: list[dict]) -> list[dict]:
    """One row per annotator: comparisons, position bias, draws and agreement with the oracle."""
    from ..world import oracle_prefers

    first: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    agree: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    draws: dict[str, list[float]] = defaultdict(list)
    for m in runs:
        rows = _stage_rows(m)
        if not rows:
            continue
        name = m["summary"].get("annotator") or "unknown"
        outputs = _outputs_of(m) if name != "oracle" else {}
        prompts = _world_prompts(m) if outputs else {}
        for r in rows:
            pref = r.get("preference")
            if pref is None:
                continue
            draws[name].append(float(pref == 1.5))
            if pref != 1.5:
                first[name][r["prompt_id"]].append(float(pref < 1.5))
            p, out = prompts.get(r["prompt_id"]), outputs.get(r["prompt_id"])
            if p is None or out is None or p.reference is None:
                continue
            shown = (out, p.reference) if r["model_first"] else (p.reference, out)
            truth = oracle_prefers(p, *shown)
            if truth != 1.5:
                agree[name][r["prompt_id"]].append(float((truth < 1.5) == (pref < 1.5)))
    table = []
    for name, by_prompt in sorted(first.items()):  # annotators that decided at least one comparison
        values = [v for vs in by_prompt.values() for v in vs]
        bias = sum(values) / len(values)
        row = {"annotator": name, "comparisons": len(draws[name]), "decided": len(values), "picks_first": 100 * bias,
               "picks_first_ci": [100 * x for x in cluster_bootstrap_ci(by_prompt.values())],
               "draws": 100 * sum(draws[name]) / len(draws[name]), "flagged": abs(bias - 0.5) > BIAS_FLAG,
               "agreement": None, "agreement_ci": None, "agreement_n": 0}
        if name == "oracle":
            row["agreement"] = 100.0
        elif agree[name]:
            a = [v for vs in agree[name].values() for v in vs]
            row.update(agreement=100 * sum(a) / len(a), agreement_n=len(a),
                       agreement_ci=[100 * x for x in cluster_bootstrap_ci(agree[name].values())])
        table.append(row)
    return table


def markdown(table: list[dict]) -> str:
    if not table:
        return "No stored comparison rows to check.\n"
    lines = [("| annotator | comparisons | draws % | picks the first shown, of its decided % [95% CI] "
              "| agrees with the oracle % [95% CI] | n decided by the oracle |"),
             "|---|---|---|---|---|---|"]
    for r in table:
        bias = f"{r['picks_first']:.1f} [{r['picks_first_ci'][0]:.1f}, {r['picks_first_ci'][1]:.1f}]"
        if r["flagged"]:
            bias = f"**{bias}**"
        if r["annotator"] == "oracle":
            agreement = "100 (it is the oracle)"
        elif r["agreement"] is None:
            agreement = "unknown (no world prompts or no stored outputs)"
        else:
            agreement = f"{r['agreement']:.1f} [{r['agreement_ci'][0]:.1f}, {r['agreement_ci'][1]:.1f}]"
        lines.append(f"| {r['annotator']} | {r['comparisons']} | {r['draws']:.1f} | {bias} | {agreement} | "
                     f"{r['agreement_n'] or '–'} |")
    return ("\n".join(lines) + f"\n\nOutputs are shown in a random order per prompt, so an annotator without position "
            f"bias picks the first shown in about half of the comparisons it decides; above {50 + 100 * BIAS_FLAG:.0f}% or "
            f"below {50 - 100 * BIAS_FLAG:.0f}% is in bold. `eval.annotator_both_orders=true` reads both orders and "
            "averages them.\n")
