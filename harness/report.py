"""Leaderboards: one row per configuration from run directories' metrics.json, printed and
written as Markdown and CSV. Runs are one row only when they differ in nothing but the seed: the
key is (method, variant label, model, hash of the resolved config less seed and device), so a
sweep over `method.judge_accuracy=0.5,0.7 seed=0,1,2` gives a row per accuracy. Runs with several
seeds show the mean across seeds with a t-based 95% CI; a single run shows its own bootstrap CI.
The method column names the variant (`online_dpo[noisy_oracle p=0.7]`), and, where two rows would
read the same, the config hash too (`dpo cfg:1a2b3c`). Used at the end of every `selfalign`
multirun and in the report folder `selfalign-report` builds (harness/reporting/)."""

from __future__ import annotations

import csv
import io
import json
from collections import defaultdict
from pathlib import Path

from hydra.experimental.callback import Callback

from .stats import PERCENT_RANGE, mean_ci_across_seeds

COLUMNS = ["method", "model", "seeds", "decoding", "win_rate", "win_rate_ci", "n_eval", "lc_win_rate", "greedy_win_rate",
           "judge_acc", "judge_acc_ci", "n_judge", "judge_order_consistency", "mean_len_tokens", "len_by_iteration",
           "tokens_generated", "judge_calls", "wall_s", "lm_eval_delta", "notes", "variant", "config_hash"]

SHORT_HASH = 6  # characters of the config hash shown where two rows would otherwise read the same


# what every leaderboard, report and comparison reads from a run's metrics.json
REQUIRED = ("method", "model", "seed", "summary", "cost")


def load_metrics(run_dirs) -> list[dict]:
    """metrics.json of each run directory that has one; a DataError names a file that is not a
    run's metrics (unreadable, or missing a field every reader needs)."""
    from .errors import DataError

    out = []
    for d in run_dirs:
        f = Path(d) / "metrics.json"
        if f.exists():
            try:
                m = json.loads(f.read_text())
            except (json.JSONDecodeError, UnicodeDecodeError) as e:
                raise DataError(f"{f} is not readable JSON ({e}). Re-run that job to rewrite it, or move the run "
                                f"directory out of the folders given.") from None
            missing = [k for k in REQUIRED if not isinstance(m, dict) or k not in m]
            if missing or "win_rate" not in m["summary"]:
                raise DataError(f"{f} lacks {', '.join(missing) or 'summary.win_rate'}: it is not a finished run's "
                                f"metrics. Re-run that job, or move the run directory out of the folders given.")
            if "variant" not in m and (Path(d) / "config.yaml").exists():
                m["variant"] = _variant_from_config(Path(d) / "config.yaml")
            out.append(m)
    return out


def _variant_from_config(path: Path) -> dict:
    """A run written before metrics.json had `variant`: no label, the hash from its config.yaml
    (the resolved config, as the runner hashes it)."""
    from omegaconf import OmegaConf

    from .store import variant_hash

    return {"label": "", "config_hash": variant_hash(OmegaConf.to_container(OmegaConf.load(path), resolve=True))}


def _variant(m: dict) -> tuple[str, str]:
    v = m.get("variant") or {}
    return v.get("label") or "", v.get("config_hash") or ""


def method_label(method: str, label: str, config_hash: str = "") -> str:
    """`online_dpo[noisy_oracle p=0.7]`; with a config hash, `... cfg:1a2b3c`."""
    text = f"{method}[{label}]" if label else method
    return f"{text} cfg:{config_hash[:SHORT_HASH]}" if config_hash else text


def _combine(values: list[float], single_ci: list | None):
    if len(values) == 1:
        return values[0], single_ci
    est = mean_ci_across_seeds(values, bounds=PERCENT_RANGE)  # both callers combine percentages
    return est.value, [est.ci_low, est.ci_high]


def leaderboard_rows(metrics: list[dict]) -> list[dict]:
    """One row per (method, variant label, model, config hash): the runs of a row differ only in
    their seed."""
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for m in metrics:
        label, config_hash = _variant(m)
        groups[(m["method"], label, m["model"], config_hash)].append(m)
    # (method, label, model) shared by groups of different configs: their rows show the hash
    hashes = defaultdict(set)
    for method, label, model, config_hash in groups:
        hashes[(method, label, model)].add(config_hash)
    rows = []
    for (method, label, model, config_hash), runs in sorted(groups.items()):
        s = [r["summary"] for r in runs]
        wr, wr_ci = _combine([x["win_rate"] for x in s], s[0].get("win_rate_ci"))
        ambiguous = len(hashes[(method, label, model)]) > 1
        row = {"method": method_label(method, label, config_hash if ambiguous else ""), "model": model,
               "seeds": len(runs), "win_rate": wr, "win_rate_ci": wr_ci, "n_eval": s[0].get("n"),
               "variant": label or None, "config_hash": config_hash or None}
        judged = [x["judge"] for x in s if x.get("judge")]
        if judged:
            acc, acc_ci = _combine([j["accuracy"] for j in judged], judged[0].get("accuracy_ci"))
            row.update(judge_acc=acc, judge_acc_ci=acc_ci, n_judge=judged[0].get("n"))
        mean = lambda xs: sum(xs) / len(xs)  # noqa: E731
        row["decoding"] = s[0].get("decoding", "greedy")
        lc = [x["lc_win_rate"] for x in s if x.get("lc_win_rate") is not None]
        row["lc_win_rate"] = mean(lc) if lc else None
        greedy = [x["greedy"]["win_rate"] for x in s if x.get("greedy")]
        row["greedy_win_rate"] = mean(greedy) if greedy else None
        consistency = [j["order_consistency"] for j in judged if j.get("order_consistency") is not None]
        row["judge_order_consistency"] = mean(consistency) if consistency else None
        lengths = [it["eval"]["mean_length_tokens"] for it in runs[0].get("iterations", []) if it.get("eval")]
        row["len_by_iteration"] = "→".join(f"{x:.1f}" for x in lengths) if len(lengths) > 1 else None
        deltas = (runs[0].get("capability") or {}).get("delta") or {}
        row["lm_eval_delta"] = "; ".join(f"{k} {100 * v:+.1f}" for k, v in deltas.items()) or None
        row["notes"] = "; ".join(f"{k} {v}" for k, v in s[0].get("highlights", {}).items()) or None
        row["mean_len_tokens"] = mean([x["mean_length_tokens"] for x in s])
        row["tokens_generated"] = mean([r["cost"].get("tokens_generated", 0) for r in runs])
        row["judge_calls"] = mean([r["cost"].get("judge_calls", 0) for r in runs])
        row["wall_s"] = mean([r["cost"].get("wall_s", 0) for r in runs])
        rows.append(row)
    return rows


def _fmt(v, digits=1):
    if v is None:
        return "–"
    if isinstance(v, float):
        return f"{v:.{digits}f}"
    return str(v)


def _ci(ci):
    return f"[{ci[0]:.1f}, {ci[1]:.1f}]" if ci else "–"


def to_markdown(rows: list[dict]) -> str:
    head = ("| method | model | seeds | decoding | win rate % [95% CI] | n | LC win rate % | greedy win rate % | judge acc % [95% CI] "
            "| n | judge order consistency | mean len (tok) | len by iteration | tokens generated | judge calls | wall s "
            "| lm-eval Δ (points) | notes |")
    lines = [head, "|" + "---|" * 18]
    for r in rows:
        judge = f"{_fmt(r.get('judge_acc'))} {_ci(r.get('judge_acc_ci'))}" if r.get("judge_acc") is not None else "–"
        lines.append(
            f"| {r['method']} | {r['model']} | {r['seeds']} | {r['decoding']} | {_fmt(r['win_rate'])} {_ci(r['win_rate_ci'])} "
            f"| {_fmt(r['n_eval'])} | {_fmt(r.get('lc_win_rate'))} | {_fmt(r.get('greedy_win_rate'))} | {judge} | {_fmt(r.get('n_judge'))} "
            f"| {_fmt(r.get('judge_order_consistency'), 2)} | {_fmt(r['mean_len_tokens'])} | {_fmt(r.get('len_by_iteration'))} "
            f"| {_fmt(r['tokens_generated'], 0)} | {_fmt(r['judge_calls'], 0)} | {_fmt(r['wall_s'], 0)} "
            f"| {_fmt(r.get('lm_eval_delta'))} | {_fmt(r.get('notes'))} |"
        )
    return "\n".join(lines) + "\n"


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=COLUMNS, extrasaction="ignore")
    w.writeheader()
    for r in rows:
        w.writerow({k: (json.dumps(v) if isinstance(v, list) else v) for k, v in r.items()})
    return buf.getvalue()


def format_row(metrics: dict) -> str:
    s = metrics["summary"]
    text = f"{method_label(metrics['method'], _variant(metrics)[0])}: win rate {s['win_rate']:.1f}% {_ci(s.get('win_rate_ci'))} (n={s.get('n')})"
    if s.get("judge"):
        text += f", judge acc {s['judge']['accuracy']:.1f}% {_ci(s['judge'].get('accuracy_ci'))}"
    return text + f", wall {metrics['cost'].get('wall_s', 0):.0f}s"


def write_leaderboard(run_dirs, out_dir: Path, command: str) -> str:
    from .store import atomic_write_text

    rows = leaderboard_rows(load_metrics(run_dirs))
    md = to_markdown(rows)
    note = (f"\nOne row per configuration: runs that differ only in their seed (a variant's label in brackets; "
            f"`cfg:` and a config hash where rows would otherwise read the same). "
            f"Win rate: the method's outputs (greedy, or picked among N samples as `decoding` says) vs the "
            f"reference outputs, judged by the annotator; ties count half; 95% bootstrap CI (one seed) or "
            f"t-interval across seeds. LC win rate: alpaca_eval's length-controlled win rate of the same outputs, "
            f"its GLM fed with gamed references judged by the same annotator. Greedy win rate: the same model's greedy outputs, for methods that select. "
            f"Cost columns (tokens, judge calls, wall s) exclude evaluation. Regenerate: `{command}`\n")
    atomic_write_text(out_dir / "leaderboard.md", md + note)
    atomic_write_text(out_dir / "leaderboard.csv", to_csv(rows))
    return md


class LeaderboardCallback(Callback):
    """At the end of a multirun, print the leaderboard of its jobs and write it next to the runs."""

    def on_multirun_end(self, config, **kwargs) -> None:
        sweep = Path(config.hydra.sweep.dir)
        listing = sweep / "runs.txt"
        if not listing.exists():
            return
        run_dirs = list(dict.fromkeys(l.strip() for l in listing.read_text().splitlines() if l.strip()))
        command = "selfalign " + " ".join(config.hydra.overrides.task)
        md = write_leaderboard(run_dirs, sweep, command.strip())
        root = Path(config.store.root).expanduser()
        write_leaderboard(run_dirs, root, command.strip())
        print("\n" + md + f"\nLeaderboard written to {sweep}/leaderboard.md and .csv "
              f"(latest also at {root}/leaderboard.md)\n", flush=True)
