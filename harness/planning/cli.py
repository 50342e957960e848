"""`selfalign plan [overrides...]`: the compute bill of what `selfalign [overrides...]` would run,
printed without loading a model. Accepts what `selfalign` accepts (`experiment=...`,
`method=a,b` for several methods, any knob), plus:

    --runs DIR        stored runs to take measured rates from (default: store.root)
    --phases          one table per method, phase by phase
    --gen-tok-s X     generation throughput (tokens/s) for a GPU-hour estimate
    --train-tok-s X   training throughput (tokens/s) for a GPU-hour estimate
    --judge-budget N  the iterations each method can run within N judge calls
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

from .bill import COUNTERS, Line, measured, pool_needed, price, totals


def _methods_and_rest(overrides: list[str]) -> tuple[list[str | None], list[str]]:
    methods, rest = [], []
    for o in overrides:
        if o.startswith("method=") and "(" not in o:
            methods += [m.strip() for m in o.split("=", 1)[1].split(",") if m.strip()]
        else:
            rest.append(o)
    if methods:
        return methods, rest
    if any(o.startswith("experiment=") for o in rest):
        return [None], rest  # the overlay names its method
    from ..compose import default_methods

    return default_methods(), rest


def _fmt(x: float) -> str:
    return f"{x:,.0f}"


def summary_row(name: str, lines: list[Line], args) -> str:
    method, bound, ev = totals(lines, False), totals(lines, False, "bound"), totals(lines, True)
    judge_tokens = sum(line.expected["tokens_generated"] for line in lines
                       if line.phase.judge_generates and not line.phase.evaluation)
    loads = 1 + sum(line.phase.loads for line in lines)
    syncs = sum(line.phase.syncs for line in lines)
    hours = "–"
    if args.gen_tok_s and args.train_tok_s:
        seconds = ((method["tokens_generated"] + ev["tokens_generated"]) / args.gen_tok_s
                   + method["train_tokens"] / args.train_tok_s)
        hours = f"{seconds / 3600:,.2f}"
    measured_share = sum(line.measured for line in lines) / len(lines)
    return (f"| {name} | {pool_needed(lines):,} | {_fmt(method['sampler_calls'])} | {_fmt(method['tokens_generated'])} "
            f"(≤ {_fmt(bound['tokens_generated'])}) | {_fmt(method['judge_calls'])} | {_fmt(judge_tokens)} "
            f"| {_fmt(method['train_tokens'])} (≤ {_fmt(bound['train_tokens'])}) | {_fmt(ev['sampler_calls'])} "
            f"| {_fmt(ev['judge_calls'])} | {loads} | {syncs} | {hours} | {100 * measured_share:.0f}% |")


SUMMARY_HEAD = ("| method | pool prompts | sampler calls | tokens generated | judge calls | judge tokens | train tokens "
                "| eval sampler calls | eval judge calls | model loads | weight syncs | GPU-hours | phases measured |\n"
                "|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def phase_table(lines: list[Line]) -> str:
    out = ["| stage | part | " + " | ".join(COUNTERS) + " | exact | measured |", "|---|---|" + "---|" * (len(COUNTERS) + 2)]
    for line in lines:
        p = line.phase
        cells = " | ".join(f"{_fmt(line.expected[k])}" + (f" (≤ {_fmt(line.bound[k])})" if line.bound[k] != line.expected[k] else "")
                           for k in COUNTERS)
        out.append(f"| {p.stage} | {'eval' if p.evaluation else 'method'} | {cells} | {'yes' if p.exact else 'bound'} "
                   f"| {'yes' if line.measured else 'no'} |")
    return "\n".join(out)


def iterations_within(lines: list[Line], budget: float) -> int | None:
    """The most iterations whose judge calls (method part, expected) fit the budget; None for a
    method without iterations."""
    per_iteration: dict[int, float] = {}
    base = 0.0
    for line in lines:
        if line.phase.evaluation:
            continue
        m = re.match(r"iter(\d+)/", line.phase.stage)
        if m:
            per_iteration[int(m.group(1))] = per_iteration.get(int(m.group(1)), 0.0) + line.expected["judge_calls"]
        else:
            base += line.expected["judge_calls"]
    if not per_iteration:
        return None
    spent, fit = base, 0
    mean = sum(per_iteration.values()) / len(per_iteration)
    while spent + per_iteration.get(fit + 1, mean) <= budget and fit < 10_000:
        spent += per_iteration.get(fit + 1, mean)
        fit += 1
    return fit


def main(argv: list[str] | None = None) -> None:
    from ..compose import compose
    from ..config import validate_config
    from ..errors import EXIT_USER_ERROR, SelfAlignError, print_error

    parser = argparse.ArgumentParser(prog="selfalign plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("overrides", nargs="*")
    parser.add_argument("--runs", type=Path, default=None)
    parser.add_argument("--phases", action="store_true")
    parser.add_argument("--gen-tok-s", type=float, default=None)
    parser.add_argument("--train-tok-s", type=float, default=None)
    parser.add_argument("--judge-budget", type=float, default=None)
    args = parser.parse_args(argv)
    for name, value in (("--gen-tok-s", args.gen_tok_s), ("--train-tok-s", args.train_tok_s),
                        ("--judge-budget", args.judge_budget)):
        if value is not None and value <= 0:
            parser.error(f"{name} must be a positive number, got {value}")
    if args.runs is not None and not args.runs.is_dir():
        parser.error(f"--runs {args.runs} is not a folder; give the store.root of earlier runs, or drop --runs")
    try:
        methods, rest = _methods_and_rest(args.overrides)
        rows, details, budgets = [], [], []
        for method in methods:
            cfg = compose(rest, method=method)
            validate_config(cfg)
            root = args.runs or Path(str(cfg.store.root)).expanduser()
            runs = [m.parent for m in root.rglob("metrics.json")] if root.exists() else []
            lines = price(cfg, measured(runs, cfg.method.name, cfg.model.name))
            rows.append(summary_row(cfg.method.name, lines, args))
            details.append(f"\n{cfg.method.name}:\n\n{phase_table(lines)}")
            if args.judge_budget:
                fit = iterations_within(lines, args.judge_budget)
                budgets.append(f"| {cfg.method.name} | {'no iterations' if fit is None else fit} |")
    except SelfAlignError as err:
        print_error(err)
        sys.exit(EXIT_USER_ERROR)
    print(SUMMARY_HEAD + "\n" + "\n".join(rows))
    print("\nCounts are for one seed. Without stored runs every count is its bound (≤): calls cold, nothing served from "
          "the judgment cache; tokens at the maximum lengths. Where `phases measured` > 0, stored runs of the same "
          "stage give the rates. GPU-hours count generated and training tokens only, not log-prob passes.")
    if args.phases:
        print("\n".join(details))
    if budgets:
        print(f"\nIterations within {args.judge_budget:,.0f} judge calls (method part):\n\n| method | iterations |\n"
              "|---|---|\n" + "\n".join(budgets))
