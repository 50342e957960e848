"""One report folder from run directories: report.md, a self-contained report.html, the plots
(each PNG with the CSV of its numbers), leaderboard.md/.csv with every column, and report.json
with everything the Markdown shows. It reads stored runs only, so it costs no model call and can
be rebuilt at any time. Arms are runs that differ only in their seed (harness/evaluation/
comparison.py); the papers' claims also read the ablation runs, which stay out of the tables."""

from __future__ import annotations

import json
import time
from collections import defaultdict
from pathlib import Path

from ..evaluation import comparison
from ..evaluation.stored_runs import load_runs
from . import annotator_check, figures, paired, papers

# the plots beyond the dose-response: (file stem, rows builder, drawer, size, section title, caption)
PLOTS = (
    ("iterations", "arms", figures.iteration_rows, figures.draw_iterations, (10, 7), "Per-iteration curves",
     ("Win rate, LC win rate, the method's judge accuracy on the labelled pairs, and response length after each "
      "iteration (0 = M1), mean and 95% CI across seeds.")),
    ("win-rate-vs-n", "arms", figures.n_rows, figures.draw_n, (6.4, 4.4), "Win rate against N",
     "The answer a method selects among N of its own samples (tournament, best-of-N), against the references."),
    ("selective-answering", "arms", figures.selective_rows, figures.draw_selective, (6.4, 4.4), "Selective answering",
     "Self-J answers only where its self-grade reaches a threshold: coverage against the win rate of what it answers."),
    ("gain-vs-cost", "summary", figures.cost_rows, figures.draw_cost, (10, 4.4), "Gain against cost",
     ("Each arm's paired gain over sft against the judge calls and generated tokens its training spent "
      "(evaluation excluded): a compute-matched reading of the leaderboard.")),
)


def _arms(runs: list[dict]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = defaultdict(list)
    for m in runs:
        out[comparison.arm(m)].append(m)
    return {k: sorted(v, key=lambda m: m["seed"]) for k, v in sorted(out.items())}


def paired_table(arms: dict[str, list[dict]], summary: dict) -> list[dict]:
    """Each arm against sft and against its closest rival, paired per prompt; one BH family in
    which a pair met from both sides (A's rival is B, B's is A) is one hypothesis."""
    rates = {name: s["win_rate"]["mean"] for name, s in summary.items()}
    # rivals are the methods at their defaults: labelled variants are controls or ablations
    rivals = [name for name, s in summary.items() if name != "sft" and "[" not in name]
    tests: dict[tuple[str, str], dict | None] = {}

    def test(a: str, b: str) -> dict | None:
        if (b, a) in tests:
            return paired.mirrored(tests[(b, a)])
        tests[(a, b)] = paired.paired_test(arms[a], arms.get(b, []))
        return tests[(a, b)]

    rows = []
    # the methods first, best first; then the labelled variants (controls, ablations) by name
    for name in sorted(summary, key=lambda k: ("[" in k, -rates[k] if "[" not in k else 0, k)):
        if name == "sft":
            continue
        rival = paired.closest_rival(name, rates, rivals)
        rows.append({"arm": name, "seeds": len(summary[name]["seeds"]), "win_rate": summary[name]["win_rate"],
                     "rival": rival, "vs_sft": test(name, "sft"), "vs_rival": test(name, rival) if rival else None})
    paired.adjust([t for t in tests.values() if t])
    for r in rows:  # a mirrored test takes the q of the hypothesis it mirrors
        for key, other in (("vs_sft", "sft"), ("vs_rival", r["rival"])):
            if r[key] is not None and "q" not in r[key]:
                r[key]["q"] = tests[(other, r["arm"])]["q"]
    return rows


def _test_cells(t: dict | None) -> str:
    if not t:
        return "– | – | – | –"
    a = t["across_seeds"]
    seeds = "–" if a is None else f"[{a['ci'][0]:+.1f}, {a['ci'][1]:+.1f}]"
    return (f"{t['diff']:+.1f} {seeds} | [{t['bootstrap_ci'][0]:+.1f}, {t['bootstrap_ci'][1]:+.1f}] "
            f"| {t['better']}/{t['worse']} | {t['sign_p']:.2g} / {t['q']:.2g}")


def paired_markdown(rows: list[dict], sft: dict | None) -> str:
    head = ("| arm | seeds | win rate % [95% CI] | vs sft: Δ [seed CI] | prompt bootstrap CI | better/worse prompts "
            "| sign p / BH q | closest rival | vs rival: Δ [seed CI] | prompt bootstrap CI | better/worse prompts "
            "| sign p / BH q |")
    lines = [head, "|" + "---|" * 12]
    if sft:
        w = sft["win_rate"]
        lines.append(f"| sft | {len(sft['seeds'])} | {w['mean']:.1f} [{w['ci'][0]:.1f}, {w['ci'][1]:.1f}] | – | – | – | – | – | – | – | – | – |")
    for r in rows:
        w = r["win_rate"]
        lines.append(f"| {r['arm']} | {r['seeds']} | {w['mean']:.1f} [{w['ci'][0]:.1f}, {w['ci'][1]:.1f}] | "
                     f"{_test_cells(r['vs_sft'])} | {r['rival'] or '–'} | {_test_cells(r['vs_rival'])} |")
    n_tests = sum(1 for r in rows for k in ("vs_sft", "vs_rival") if r[k]) - _mirrored(rows)
    return ("\n".join(lines) + "\n\nΔ: win-rate points, the arm's outputs minus the other arm's on the same held-out "
            "prompts, averaged over the seeds both ran; its seed CI is a Student-t 95% CI across seeds (does the gap "
            "survive retraining?; – with one seed). The prompt bootstrap CI resamples prompts whole, each with its "
            "differences at every seed, and holds the trained models fixed. Better/worse: prompts whose mean "
            "difference across seeds is above/below zero; the sign test (scipy.stats.binomtest) uses those and "
            f"ignores ties. The table holds {n_tests} distinct hypotheses (a pair met from both sides counts once), "
            "one family: read BH q (Benjamini-Hochberg, scipy.stats.false_discovery_control) against 0.05, not p. "
            "A difference holds on these prompts when q < 0.05, and across retraining when its seed CI also "
            "excludes 0. The closest rival is the method at its defaults whose mean win rate is nearest, chosen "
            "after seeing the win rates.\n")


def _mirrored(rows: list[dict]) -> int:
    """Rows whose rival test mirrors another row's (A's rival is B and B's is A)."""
    pairs = [(r["arm"], r["rival"]) for r in rows if r["vs_rival"]]
    return sum(1 for a, b in pairs if (b, a) in pairs) // 2


def _figure(stem: str, title: str, caption: str) -> str:
    return f"## {title}\n\n{caption}\n\n![{title}]({stem}.png)\n\nNumbers: [{stem}.csv]({stem}.csv)\n"


def build(run_dirs: list[Path], out: Path, command: str, ablation_dirs=(), title: str = "selfalign report",
          walls: dict | None = None) -> dict:
    """Writes the report folder; returns {"markdown", "files", "seconds"}."""
    from .. import report as leaderboard
    from ..evaluation.claims import check_claims, claims_markdown
    from ..results_provenance import record
    from ..store import atomic_write_text
    from .html import render

    start = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    runs = load_runs(list(run_dirs))
    summary = comparison.summarise(runs)
    arms = _arms(runs)
    table = paired_table(arms, summary)
    verdict = comparison.controls(summary)
    ablation_runs = load_runs(list(ablation_dirs))
    claims = check_claims(runs + ablation_runs)
    annotators = annotator_check.check(runs)
    seeds = sorted({m["seed"] for m in runs})
    parts = [(f"# {title}\n\n{len(runs)} runs in {len(arms)} arms, seeds {', '.join(map(str, seeds))}. "
              f"Regenerate: `{command}`\n"),
             "## Leaderboard\n\n" + paired_markdown(table, summary.get("sft"))]
    files = []
    if comparison.dose_response(summary):
        comparison.plot(summary, out / "dose-response.png")
        atomic_write_text(out / "dose-response.csv", comparison.csv_rows(summary))
        files += ["dose-response.png", "dose-response.csv"]
        parts.append("## Controls and the judge-accuracy dose-response\n\n" + comparison.controls_markdown(summary, verdict)
                     + "\nOnline DPO under a judge of known accuracy p, and each self-judging method at the realised "
                     "accuracy of its own training pairs.\n\n![Dose-response](dose-response.png)\n\n"
                     "Numbers: [dose-response.csv](dose-response.csv)\n")
    # the plots show the methods at their defaults when there are any: labelled variants are the
    # controls (on the dose-response) or ablations (in the claims), and would crowd them out
    focus = [k for k in arms if "[" not in k and k != "sft"]
    keep = set(focus + ["sft"]) if focus else set(arms)
    sources = {"arms": {k: v for k, v in arms.items() if k in keep},
               "summary": {k: v for k, v in summary.items() if k in keep}}
    for stem, source, rows_of, draw, size, section, caption in PLOTS:
        rows = rows_of(sources[source])
        if rows:
            figures.save(rows, draw, out / stem, size)
            files += [f"{stem}.png", f"{stem}.csv"]
            parts.append(_figure(stem, section, caption))
    parts.append("## The papers' claims\n\n" + claims_markdown(claims))
    figures_vs_papers = papers.compare(runs, ablation_runs)
    parts.append("## Paper against harness\n\n" + papers.markdown(figures_vs_papers, papers.bills()) + papers.NOTE)
    parts.append("## Annotator sanity\n\n" + annotator_check.markdown(annotators))
    rows = leaderboard.leaderboard_rows(runs)
    parts.append("## Every column\n\n" + leaderboard.to_markdown(rows) + "\nAlso as [leaderboard.csv](leaderboard.csv).\n")
    atomic_write_text(out / "leaderboard.md", leaderboard.to_markdown(rows) + f"\nRegenerate: `{command}`\n")
    atomic_write_text(out / "leaderboard.csv", leaderboard.to_csv(rows))
    if walls:
        parts.append("## Wall time\n\n" + ", ".join(f"{k} {v / 60:.1f} min" for k, v in walls.items()) + "\n")
    md = "\n".join(parts)
    atomic_write_text(out / "report.md", md)
    atomic_write_text(out / "report.html", render(md, out, title))
    data = {"summary": summary, "paired": table, "controls": verdict, "claims": claims, "annotators": annotators,
            "papers": papers.as_json(figures_vs_papers)}
    atomic_write_text(out / "report.json", json.dumps(data, indent=2, default=str) + "\n")
    files += ["leaderboard.md", "leaderboard.csv", "report.md", "report.html", "report.json"]
    record([out / f for f in files], command)
    return {"markdown": md, "files": files, "seconds": time.perf_counter() - start}
