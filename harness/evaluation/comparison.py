"""The embedded comparison as an instrument: methods against `sft` across seeds with paired tests,
and the controls that say whether the comparison can be believed (METHODS.md §8):

- positive control: online DPO with the oracle judge beats `sft` by >= 10 win-rate points, CIs
  across seeds disjoint;
- negative control: the random judge does not move the policy beyond noise (its paired gain over
  `sft` has a CI that contains 0), and a judge with p < 0.5 loses;
- dose-response: the gain over `sft` bought by a judge of accuracy p (the noisy oracle), with each
  self-judging method placed on it at the realised accuracy of its own training pairs.

Everything is read from stored run directories (metrics.json and the win-rate stages' per-prompt
outcomes), so the report costs no model call.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from pathlib import Path

import numpy as np

from ..stats import PERCENT_RANGE
from .stored_runs import est as _est, load_runs, paired_vs, per_prompt_wins, read_config as _read_config  # noqa: F401 (the report's API)

POSITIVE_MARGIN = 10.0  # win-rate points the oracle judge must add over sft
# The comparison's and the recipe calibration's seeds: five, since with three the t-CIs of sft and
# the oracle arm were too wide to tell the controls apart (results/comparison.md).
SEEDS = (0, 1, 2, 3, 4)


def arm(m: dict) -> str:
    """The comparison arm of a run: its method and variant label, plus the config hash when the
    runs differ in anything else (only seeds of one configuration are pooled)."""
    from ..report import method_label

    variant = m.get("variant") or {}
    config_hash = (variant.get("config_hash") or "") if m.get("_ambiguous") else ""
    return method_label(m["method"], variant.get("label") or "", config_hash)


def realised_accuracy(m: dict) -> float | None:
    """The share of the run's self-made training pairs whose chosen response is really better,
    pooled over iterations (None for methods that make no such pairs)."""
    right = decided = 0.0
    for it in m.get("iterations", []):
        for src in (it, it.get("train") or {}):
            acc, n = src.get("realised_judge_accuracy"), src.get("realised_judge_accuracy_pairs")
            if acc is not None and n:
                right += acc * n
                decided += n
                break
    return 100 * right / decided if decided else None


def summarise(runs: list[dict]) -> dict:
    hashes: dict[str, set] = defaultdict(set)
    for m in runs:
        hashes[arm(m)].add((m.get("variant") or {}).get("config_hash"))
    arms: dict[str, list[dict]] = defaultdict(list)
    for m in runs:
        m["_ambiguous"] = len(hashes[arm(m)]) > 1  # same label, another config: the hash tells them apart
        arms[arm(m)].append(m)
    base = arms.get("sft", [])
    out = {}
    for name, ms in sorted(arms.items()):
        ms = sorted(ms, key=lambda m: m["seed"])
        accs = [a for a in (realised_accuracy(m) for m in ms) if a is not None]
        judge = [m["summary"]["judge"]["accuracy"] for m in ms if m["summary"].get("judge")]
        out[name] = {
            "method": ms[0]["method"], "seeds": [m["seed"] for m in ms],
            "win_rate": _est([m["summary"]["win_rate"] for m in ms], ms[0]["summary"].get("win_rate_ci"), PERCENT_RANGE),
            "n_eval": ms[0]["summary"].get("n"),
            "vs_sft": None if name == "sft" else paired_vs(ms, base),
            "realised_accuracy": _est(accs, bounds=PERCENT_RANGE) if accs else None,
            "judge_accuracy": _est(judge, bounds=PERCENT_RANGE) if judge else None,
            "decoding": ms[0]["summary"].get("decoding", "greedy"),
            "tokens_generated": float(np.mean([m["cost"].get("tokens_generated", 0) for m in ms])),
            "judge_calls": float(np.mean([m["cost"].get("judge_calls", 0) for m in ms])),
            "wall_s": float(np.mean([m["cost"].get("wall_s", 0) for m in ms])),
            "external_judge_accuracy": _judge_accuracy_knob(ms[0]),
        }
    return out


def _judge_accuracy_knob(m: dict) -> float | None:
    """The controls' nominal judge accuracy p: 1 for the oracle, p for the noisy oracle."""
    if m["method"] != "online_dpo":
        return None
    cfg = _read_config(Path(m["run_dir"]))
    judge = cfg.get("method", {}).get("external_judge", "oracle")
    return {"oracle": 1.0, "noisy_oracle": cfg["method"].get("judge_accuracy")}.get(judge)


def controls(summary: dict) -> dict:
    """The verdicts of the positive and negative controls and the dose-response's monotonicity."""
    sft, oracle, rnd = summary.get("sft"), summary.get("online_dpo"), summary.get("online_dpo[random]")
    verdict = {}
    if sft and oracle and oracle["vs_sft"]:
        gain = oracle["vs_sft"]["gain"]["mean"]
        disjoint = oracle["win_rate"]["ci"][0] > sft["win_rate"]["ci"][1]
        verdict["positive"] = {"gain": gain, "cis_disjoint": disjoint, "pass": gain >= POSITIVE_MARGIN and disjoint}
    if sft and rnd and rnd["vs_sft"]:
        # Paired, not "the random arm's mean inside sft's CI": sft's seeds agree to about a point, so a
        # harmless random judge, whose seeds scatter more, would fail that on noise alone.
        low, high = rnd["vs_sft"]["gain"]["ci"]
        low_sft, high_sft = sft["win_rate"]["ci"]
        verdict["negative_random"] = {"win_rate": rnd["win_rate"]["mean"], "gain": rnd["vs_sft"]["gain"]["mean"],
                                      "gain_ci": [low, high], "pass": low <= 0.0 <= high,
                                      "mean_within_sft_ci": low_sft <= rnd["win_rate"]["mean"] <= high_sft}
    curve = dose_response(summary)
    adversarial = [r for r in curve if r["p"] < 0.5]
    if adversarial:
        verdict["negative_adversarial"] = {"p": adversarial[0]["p"], "gain": adversarial[0]["gain"],
                                           "pass": adversarial[0]["gain_ci"][1] < 0}
    dose = [r for r in curve if r["p"] >= 0.5]
    # None: fewer than two points, nothing to be monotone
    verdict["monotone_within_cis"] = None if len(dose) < 2 else all(
        later["gain_ci"][1] >= earlier["gain_ci"][0] for i, earlier in enumerate(dose) for later in dose[i + 1:])
    return verdict


def dose_response(summary: dict) -> list[dict]:
    rows = []
    for name, s in summary.items():
        p = s["external_judge_accuracy"]
        if p is None or not s["vs_sft"]:
            continue
        g = s["vs_sft"]["gain"]
        rows.append({"arm": name, "p": p, "gain": g["mean"], "gain_ci": g["ci"], "n_seeds": g["n_seeds"],
                     "realised": s["realised_accuracy"]["mean"] if s["realised_accuracy"] else None})
    return sorted(rows, key=lambda r: r["p"])


def method_points(summary: dict) -> list[dict]:
    """Each self-judging method at (realised accuracy of its own training pairs, gain over sft)."""
    out = []
    for name, s in summary.items():
        if s["method"] == "online_dpo" or not s["realised_accuracy"] or not s["vs_sft"]:
            continue
        g = s["vs_sft"]["gain"]
        out.append({"arm": name, "accuracy": s["realised_accuracy"]["mean"], "gain": g["mean"], "gain_ci": g["ci"]})
    return out


def plot(summary: dict, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    curve, points = dose_response(summary), method_points(summary)
    fig, ax = plt.subplots(figsize=(6.4, 4.4), dpi=120)
    if curve:
        x = [100 * r["p"] for r in curve]
        y = [r["gain"] for r in curve]
        err = [[r["gain"] - r["gain_ci"][0] for r in curve], [r["gain_ci"][1] - r["gain"] for r in curve]]
        ax.errorbar(x, y, yerr=err, fmt="o-", color="tab:blue", capsize=3, label="online DPO, judge of accuracy p")
    rnd = summary.get("online_dpo[random]")
    if rnd and rnd["vs_sft"]:
        g = rnd["vs_sft"]["gain"]
        ax.errorbar([50], [g["mean"]], yerr=[[g["mean"] - g["ci"][0]], [g["ci"][1] - g["mean"]]], fmt="s",
                    color="tab:gray", capsize=3, label="random judge")
    # colours other than the curve's and the random judge's; labels alternate above and below, since
    # good judges crowd together near 100%
    colours = ["tab:orange", "tab:green", "tab:red", "tab:purple", "tab:brown", "tab:pink", "tab:olive", "tab:cyan"]
    for i, pt in enumerate(sorted(points, key=lambda pt: pt["accuracy"])):
        ax.errorbar([pt["accuracy"]], [pt["gain"]], yerr=[[pt["gain"] - pt["gain_ci"][0]], [pt["gain_ci"][1] - pt["gain"]]],
                    fmt="D", capsize=3, color=colours[i % len(colours)])
        ax.annotate(pt["arm"], (pt["accuracy"], pt["gain"]), textcoords="offset points", xytext=(-6, 8 if i % 2 == 0 else -14),
                    ha="right", fontsize=8, color=colours[i % len(colours)])
    ax.axhline(0, color="black", linewidth=0.8)
    ax.set_xlabel("judge accuracy on the pairs trained on (%)")
    ax.set_ylabel("win-rate gain over sft (points, 95% CI)")
    ax.set_title("Dose-response: what a judge's accuracy buys")
    ax.legend(fontsize=8, loc="upper left")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _fmt_est(e: dict | None, digits: int = 1) -> str:
    if not e:
        return "–"
    return f"{e['mean']:.{digits}f} [{e['ci'][0]:.{digits}f}, {e['ci'][1]:.{digits}f}]"


def controls_markdown(summary: dict, verdict: dict) -> str:
    """The controls' verdicts and the dose-response table."""
    checks = []
    if "positive" in verdict:
        v = verdict["positive"]
        checks.append(f"- positive control (oracle beats sft by >= {POSITIVE_MARGIN:g} points, CIs disjoint): "
                      f"{'PASS' if v['pass'] else 'FAIL'} (gain {v['gain']:.1f}, disjoint {v['cis_disjoint']})")
    if "negative_random" in verdict:
        v = verdict["negative_random"]
        checks.append(f"- negative control (random judge's paired gain CI contains 0): {'PASS' if v['pass'] else 'FAIL'} "
                      f"(gain {v['gain']:.1f} [{v['gain_ci'][0]:.1f}, {v['gain_ci'][1]:.1f}]; win rate {v['win_rate']:.1f}, "
                      f"{'inside' if v['mean_within_sft_ci'] else 'outside'} sft's CI)")
    if "negative_adversarial" in verdict:
        v = verdict["negative_adversarial"]
        checks.append(f"- negative control (a judge with p = {v['p']:g} loses: gain CI below 0): "
                      f"{'PASS' if v['pass'] else 'FAIL'} (gain {v['gain']:.1f})")
    monotone = verdict.get("monotone_within_cis")
    checks.append(f"- dose-response monotone within CIs (p >= 0.5): {'n/a' if monotone is None else 'yes' if monotone else 'NO'}")
    curve = dose_response(summary)
    dose = ["| p | arm | gain over sft (points, mean [95% CI]) | seeds | realised accuracy % |", "|---|---|---|---|---|"]
    for r in curve:
        dose.append(f"| {r['p']:g} | {r['arm']} | {r['gain']:.1f} [{r['gain_ci'][0]:.1f}, {r['gain_ci'][1]:.1f}] | {r['n_seeds']} "
                    f"| {'–' if r['realised'] is None else format(r['realised'], '.1f')} |")
    return "**Controls**\n\n" + "\n".join(checks) + "\n\n**Dose-response**\n\n" + "\n".join(dose) + "\n"


def csv_rows(summary: dict) -> str:
    buf = io.StringIO()
    w = csv.writer(buf)
    w.writerow(["kind", "arm", "judge_accuracy_pct", "gain", "gain_ci_low", "gain_ci_high"])
    for r in dose_response(summary):
        w.writerow(["control", r["arm"], 100 * r["p"], r["gain"], *r["gain_ci"]])
    rnd = summary.get("online_dpo[random]")
    if rnd and rnd["vs_sft"]:
        w.writerow(["random", "online_dpo[random]", 50, rnd["vs_sft"]["gain"]["mean"], *rnd["vs_sft"]["gain"]["ci"]])
    for pt in method_points(summary):
        w.writerow(["method", pt["arm"], pt["accuracy"], pt["gain"], *pt["gain_ci"]])
    return buf.getvalue()
