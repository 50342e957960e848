"""The report's plots. Each figure function takes the runs grouped by arm and returns the rows it
plots (one dict per point, with its CI) or [] when the runs hold nothing to plot; `save` draws the
PNG and writes the same rows as a CSV beside it, so every plotted number can be read back.

Across seeds a point is the mean with a Student-t 95% CI; with one seed there is no spread across
seeds, and the point has no error bar."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from ..evaluation.stored_runs import est

# (key in an iteration's eval, axis label) of the per-iteration panels
ITERATION_METRICS = (
    ("win_rate", "win rate %"),
    ("lc_win_rate", "LC win rate %"),
    ("judge_accuracy", "judge accuracy %"),
    ("mean_length_tokens", "response length (tokens)"),
)


def _iteration_value(ev: dict, key: str):
    return (ev.get("judge") or {}).get("accuracy") if key == "judge_accuracy" else ev.get(key)


def _point(arm: str, x, values: list[float], **extra) -> dict:
    e = est(values)
    return {"arm": arm, "x": x, "mean": e["mean"], "ci_low": e["ci"][0], "ci_high": e["ci"][1], "seeds": e["n_seeds"], **extra}


def iteration_rows(arms: dict[str, list[dict]]) -> list[dict]:
    """Each metric at each evaluated iteration (0 = M1), for arms that evaluate more than one."""
    rows = []
    for arm, runs in arms.items():
        for key, _ in ITERATION_METRICS:
            by_iteration: dict[int, list[float]] = {}
            for m in runs:
                for it in m.get("iterations", []):
                    value = _iteration_value(it.get("eval") or {}, key)
                    if value is not None:
                        by_iteration.setdefault(it["iteration"], []).append(float(value))
            if len(by_iteration) > 1:
                rows += [_point(arm, i, v, metric=key) for i, v in sorted(by_iteration.items())]
    return rows


def n_rows(arms: dict[str, list[dict]]) -> list[dict]:
    """Win rate of the selected answer against N, the number of candidates (tournament, best-of-N)."""
    rows = []
    for arm, runs in arms.items():
        by_n: dict[int, list[float]] = {}
        for m in runs:
            for n, r in (m["summary"].get("win_rate_vs_n") or {}).items():
                by_n.setdefault(int(n), []).append(float(r["win_rate"]))
        rows += [_point(arm, n, v) for n, v in sorted(by_n.items())]
    return rows


def selective_rows(arms: dict[str, list[dict]]) -> list[dict]:
    """Self-J's selective answering: answer only where the self-grade reaches a threshold; coverage
    (share answered) against the win rate of the answered prompts, averaged across seeds."""
    rows = []
    for arm, runs in arms.items():
        by_t: dict[float, list[dict]] = {}
        for m in runs:
            for r in m["summary"].get("selective_answering") or []:
                if r.get("answered"):
                    by_t.setdefault(r["threshold"], []).append(r)
        for t, rs in sorted(by_t.items()):
            rows.append(_point(arm, 100 * sum(r["coverage"] for r in rs) / len(rs), [r["win_rate"] for r in rs],
                               threshold=t))
    return rows


def cost_rows(summary: dict) -> list[dict]:
    """Gain over sft (paired, across seeds) against what the arm spent: judge calls and generated
    tokens outside evaluation."""
    rows = []
    for arm, s in summary.items():
        if not s.get("vs_sft"):
            continue
        g = s["vs_sft"]["gain"]
        rows.append({"arm": arm, "judge_calls": s["judge_calls"], "tokens_generated": s["tokens_generated"],
                     "mean": g["mean"], "ci_low": g["ci"][0], "ci_high": g["ci"][1], "seeds": g["n_seeds"]})
    return rows


def _errorbar(ax, rows, x_key="x", label=None, fmt="o-", color=None):
    x = [r[x_key] for r in rows]
    y = [r["mean"] for r in rows]
    err = [[r["mean"] - r["ci_low"] for r in rows], [r["ci_high"] - r["mean"] for r in rows]]
    ax.errorbar(x, y, yerr=err, fmt=fmt, capsize=3, label=label, color=color)


def _colours(rows: list[dict]) -> dict[str, tuple]:
    """One colour per arm, the same in every panel (tab20 holds 20 distinct ones)."""
    from matplotlib import colormaps

    arms = sorted({r["arm"] for r in rows})
    return {arm: colormaps["tab20"](i % 20) for i, arm in enumerate(arms)}


def _by_arm(rows: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for r in rows:
        out.setdefault(r["arm"], []).append(r)
    return out


def draw_iterations(fig, rows):
    from matplotlib.ticker import MaxNLocator

    colours = _colours(rows)
    axes = fig.subplots(2, 2).ravel()
    for ax, (key, label) in zip(axes, ITERATION_METRICS):
        for arm, rs in _by_arm([r for r in rows if r["metric"] == key]).items():
            _errorbar(ax, rs, label=arm, color=colours[arm])
        ax.set_xlabel("iteration (0 = M1)")
        ax.set_ylabel(label)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    handles = {label: h for ax in axes for h, label in zip(*ax.get_legend_handles_labels())}
    fig.legend([handles[a] for a in colours if a in handles], [a for a in colours if a in handles],
               loc="outside lower center", ncol=4, fontsize=7, frameon=False)
    fig.suptitle("Per-iteration evaluation (mean, 95% CI across seeds)")


def draw_n(fig, rows):
    ax = fig.subplots()
    for arm, rs in _by_arm(rows).items():
        _errorbar(ax, rs, label=arm)
    ax.set_xscale("log", base=2)
    ax.set_xlabel("N (candidates per prompt)")
    ax.set_ylabel("win rate % of the selected answer")
    ax.set_title("Selection: win rate against N")
    ax.legend(fontsize=8)


def draw_selective(fig, rows):
    ax = fig.subplots()
    for arm, rs in _by_arm(rows).items():
        _errorbar(ax, sorted(rs, key=lambda r: r["x"]), label=arm)
    ax.set_xlabel("coverage: prompts answered (%)")
    ax.set_ylabel("win rate % on the answered prompts")
    ax.set_title("Selective answering by self-grade threshold")
    ax.legend(fontsize=8)


def draw_cost(fig, rows):
    axes = fig.subplots(1, 2, sharey=True)
    for ax, key, label in ((axes[0], "judge_calls", "judge calls"), (axes[1], "tokens_generated", "generated tokens")):
        for r in rows:
            _errorbar(ax, [r], x_key=key, fmt="o")
            ax.annotate(r["arm"], (r[key], r["mean"]), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.axhline(0, color="black", linewidth=0.8)
        ax.set_xlabel(f"{label} (training, per run)")
    axes[0].set_ylabel("win-rate gain over sft (points)")
    fig.suptitle("Gain against cost")


def save(rows: list[dict], draw, path: Path, size=(6.4, 4.4)) -> None:
    """path.png drawn by `draw(fig, rows)`, and path.csv with the rows."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from ..store import atomic_write_text

    fig = plt.figure(figsize=size, dpi=110, layout="constrained")
    draw(fig, rows)
    fig.savefig(path.with_suffix(".png"))
    plt.close(fig)
    buf = io.StringIO()
    columns = list(dict.fromkeys(k for r in rows for k in r))
    w = csv.DictWriter(buf, fieldnames=columns)
    w.writeheader()
    w.writerows(rows)
    atomic_write_text(path.with_suffix(".csv"), buf.getvalue())
