"""Is the embedded world a usable instrument for this model? Per task family, on held-out
evaluation problems (and training problems, to tell rules from memory):

- greedy exact match, on evaluation and on training problems (a gap means memorised problems);
- pass@1 and pass@k of k samples at the methods' sampling temperature (room for selection);
- the model's own rubric judge: pairwise accuracy on pairs of its own samples that differ in
  oracle quality (ties and failures count half), and the exact match of the best of its k
  samples by that judge (the generation-verification gap self-rewarding relies on).
"""

from __future__ import annotations

from collections import defaultdict

from ..records import PromptRecord, Sample
from ..sampling.base import SamplingKnobs, SamplingParams
from ..stats import wilson_ci

# What the comparison needs from M1 (the issue that made the world an instrument states them).
TARGETS = {
    "greedy_em_eval": (30.0, 70.0),
    "pass_gap": (15.0, None),
    "train_eval_gap": (None, 10.0),
    "judge_pair_accuracy": (75.0, None),
    "best_of_k_gain": (10.0, None),
}


def _exact(prompt: PromptRecord, text: str) -> bool:
    from ..world import oracle_quality

    return oracle_quality(prompt, text) >= 1.0


def _by_prompt(samples: list[Sample]) -> dict[str, list[Sample]]:
    out: dict[str, list[Sample]] = defaultdict(list)
    for s in samples:
        out[s.prompt_id].append(s)
    return {pid: sorted(group, key=lambda s: s.index) for pid, group in out.items()}


def judge_pair_outcomes(prompt: PromptRecord, samples: list[Sample], scores: list[float | None]) -> list[float]:
    """1 / 0 / 0.5 for every pair of the prompt's samples that differ in oracle quality: the judge
    ranks them like the oracle, the other way, or not at all (tie or failure)."""
    from ..world import oracle_quality

    quality = [oracle_quality(prompt, s.text) for s in samples]
    out = []
    for i in range(len(samples)):
        for j in range(i + 1, len(samples)):
            if quality[i] == quality[j]:
                continue
            si, sj = scores[i], scores[j]
            if si is None or sj is None or si == sj:
                out.append(0.5)
            else:
                out.append(float((si > sj) == (quality[i] > quality[j])))
    return out


def best_by_judge(samples: list[Sample], scores: list[float | None]) -> Sample:
    """The sample the judge scores highest (a failed judgment ranks last; ties go to the first)."""
    ranked = [(s is not None, s if s is not None else 0.0, -k) for k, s in enumerate(scores)]
    return samples[max(range(len(samples)), key=lambda k: ranked[k])]


def _rate(hits: list[float]) -> dict:
    n = len(hits)
    if not n:
        return {"value": None, "n": 0, "ci": None}
    low, high = wilson_ci(round(sum(hits)), n)
    return {"value": 100 * sum(hits) / n, "n": n, "ci": [100 * low, 100 * high]}


def summarise(prompts_eval, greedy_eval, prompts_train, greedy_train, samples, judgments) -> dict:
    """Per-family and overall diagnostics from stored outputs (pure: no model needed)."""
    fam = {p.id: p.family or "?" for p in prompts_eval + prompts_train}
    by_id = {p.id: p for p in prompts_eval + prompts_train}
    score = {(j.prompt_id, j.index): j.score for j in judgments}
    rows: dict[str, dict[str, list]] = defaultdict(lambda: defaultdict(list))

    def add(family, key, value):
        rows[family][key].append(value)
        rows["all"][key].append(value)

    for split, outputs in (("eval", greedy_eval), ("train", greedy_train)):
        for s in outputs:
            add(fam[s.prompt_id], f"greedy_{split}", float(_exact(by_id[s.prompt_id], s.text)))
    greedy_hit = {s.prompt_id: float(_exact(by_id[s.prompt_id], s.text)) for s in greedy_eval}
    for pid, group in _by_prompt(samples).items():
        prompt, family = by_id[pid], fam[pid]
        hits = [_exact(prompt, s.text) for s in group]
        scores = [score.get((pid, s.index)) for s in group]
        for h in hits:
            add(family, "pass1", float(h))
        add(family, "passk", float(any(hits)))
        for o in judge_pair_outcomes(prompt, group, scores):
            add(family, "judge_pairs", o)
        best = best_by_judge(group, scores)
        add(family, "best_of_k", float(_exact(prompt, best.text)))
        add(family, "best_of_k_gain", float(_exact(prompt, best.text)) - greedy_hit[pid])

    out = {}
    for family, r in rows.items():
        pct = lambda key: 100 * sum(r[key]) / len(r[key]) if r[key] else None  # noqa: E731
        out[family] = {
            "greedy_em_eval": _rate(r["greedy_eval"]), "greedy_em_train": _rate(r["greedy_train"]),
            "pass1": _rate(r["pass1"]), "passk": _rate(r["passk"]),
            "judge_pair_accuracy": _rate(r["judge_pairs"]), "best_of_k_em": _rate(r["best_of_k"]),
            "pass_gap": None if pct("passk") is None else pct("passk") - pct("pass1"),
            "train_eval_gap": (None if pct("greedy_train") is None or pct("greedy_eval") is None
                               else abs(pct("greedy_train") - pct("greedy_eval"))),
            "best_of_k_gain": pct("best_of_k_gain"),
        }
    return out


def targets_met(overall: dict, per_family: dict) -> dict[str, bool]:
    """Which of the instrument's targets M1 meets (every family must also be above 0%)."""
    met = {}
    for key, (low, high) in TARGETS.items():
        v = overall[key]["value"] if isinstance(overall[key], dict) else overall[key]
        met[key] = v is not None and (low is None or v >= low) and (high is None or v <= high)
    met["no_family_at_zero"] = all((r["greedy_em_eval"]["value"] or 0) > 0 for f, r in per_family.items() if f != "all")
    return met


def diagnose(ctx, judge, n_prompts: int, n_samples: int, sampling: SamplingKnobs, name: str = "diagnostics") -> dict:
    """Runs the model in `ctx` (its current weights) over n evaluation and n training problems;
    every stage is stored in the run directory, so a re-run only recomputes the summary."""
    from .. import stages

    evaluation, training = ctx.data.eval_prompts[:n_prompts], ctx.data.train_prompts[:n_prompts]
    greedy = SamplingParams(n=1, temperature=0.0, top_p=1.0, max_new_tokens=ctx.cfg.eval.max_new_tokens)
    greedy_eval = stages.sample(ctx, f"{name}/eval/greedy", evaluation, greedy)
    greedy_train = stages.sample(ctx, f"{name}/train/greedy", training, greedy)
    samples = stages.sample(ctx, f"{name}/eval/samples", evaluation, sampling.params(n=n_samples))
    judgments = stages.judge(ctx, f"{name}/eval/judge", judge, evaluation, samples)
    per_family = summarise(evaluation, greedy_eval, training, greedy_train, samples, judgments)
    overall = per_family.pop("all")
    return {"k": n_samples, "temperature": sampling.temperature, "top_p": sampling.top_p, "n_prompts": n_prompts,
            "overall": overall, "families": per_family, "targets_met": targets_met(overall, per_family)}


def to_markdown(result: dict) -> str:
    k = result["k"]

    def cell(v):
        if v is None:
            return "–"
        if isinstance(v, dict):
            return "–" if v["value"] is None else f"{v['value']:.1f}"
        return f"{v:.1f}"

    head = ["family", "greedy EM eval", "greedy EM train", "|train−eval|", "pass@1", f"pass@{k}", "gap",
            f"own-judge pair acc", f"best-of-{k} EM", "gain over greedy"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for family, r in [*sorted(result["families"].items()), ("all", result["overall"])]:
        lines.append("| " + " | ".join([family if family != "all" else "**all**", cell(r["greedy_em_eval"]),
                                          cell(r["greedy_em_train"]), cell(r["train_eval_gap"]), cell(r["pass1"]),
                                          cell(r["passk"]), cell(r["pass_gap"]), cell(r["judge_pair_accuracy"]),
                                          cell(r["best_of_k_em"]), cell(r["best_of_k_gain"])]) + " |")
    o = result["overall"]
    n_line = (f"\nn (all): {o['greedy_em_eval']['n']} evaluation problems, {o['greedy_em_train']['n']} training problems, "
              f"{o['pass1']['n']} samples at T={result['temperature']} top_p={result['top_p']}, "
              f"{o['judge_pair_accuracy']['n']} judge pairs. 95% Wilson CIs (all): greedy EM eval "
              f"{_ci(o['greedy_em_eval'])}, pass@1 {_ci(o['pass1'])}, pass@{k} {_ci(o['passk'])}, judge pair accuracy "
              f"{_ci(o['judge_pair_accuracy'])}, best-of-{k} {_ci(o['best_of_k_em'])}.\n")
    met = ", ".join(f"{key} {'yes' if ok else 'NO'}" for key, ok in result["targets_met"].items())
    return "\n".join(lines) + "\n" + n_line + f"Targets met: {met}.\n"


def _ci(rate: dict) -> str:
    return "–" if rate["ci"] is None else f"[{rate['ci'][0]:.1f}, {rate['ci'][1]:.1f}]"
