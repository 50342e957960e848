"""`selfalign-alpaca`: AlpacaEval raw and length-controlled win rates for stored outputs, with any
annotator, without re-running a method. Inputs are run directories (their final evaluation
outputs and the run's own evaluation prompts and references) or JSON files of model outputs in
AlpacaEval's format (a list of {instruction, output}, with `reference` per row or a
--references file of {instruction, output}).

    selfalign-alpaca runs/sft/tiny/seed0-* runs/dpo/tiny/seed0-* --annotator model
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from .errors import DataError, SelfAlignError
from .records import PromptRecord


def run_outputs(run_dir: Path) -> tuple[str, list[PromptRecord], list[str]]:
    """The final greedy evaluation outputs of a run and its evaluation prompts (with references)."""
    from omegaconf import OmegaConf

    from .data.provider import DataProvider
    from .store import read_jsonl

    cfg = OmegaConf.load(run_dir / "config.yaml")
    done = [p for p in (run_dir / "stages" / "eval").glob("*/outputs/records.jsonl") if (p.parent / "_done.json").exists()]
    if not done:
        raise DataError(f"{run_dir} has no finished evaluation outputs (stages/eval/*/outputs); finish the run first.")
    # the last greedy evaluation the run made (stage order is recorded in each _done.json)
    last = max(done, key=lambda p: json.loads((p.parent / "_done.json").read_text()).get("order", 0))
    by_id = {r["prompt_id"]: r["text"] for r in read_jsonl(last)}
    prompts = DataProvider(cfg.data).eval_prompts
    return f"{cfg.method.name}:{last.parent.parent.name}", prompts, [by_id[p.id] for p in prompts]


def json_outputs(path: Path, references: Path | None, official_order: bool = False) -> tuple[str, list[PromptRecord], list[str]]:
    """official_order: the rows are AlpacaEval's instructions in their published order (so
    alpaca_eval's own gamed annotations, indexed by position, apply to them)."""
    rows = json.loads(path.read_text())
    refs = {}
    if references is not None:
        refs = {r["instruction"]: r["output"] for r in json.loads(references.read_text())}
    prompts, outputs = [], []
    for i, row in enumerate(rows):
        if "instruction" not in row or "output" not in row:
            raise DataError(f"{path}: row {i} needs `instruction` and `output` (AlpacaEval's model-output format).")
        ref = row.get("reference", refs.get(row["instruction"]))
        if ref is None:
            raise DataError(f"{path}: row {i} has no reference output; add `reference` or pass --references.")
        prompts.append(PromptRecord(id=f"alpaca_eval-{i}" if official_order else str(i), instruction=row["instruction"],
                                    reference=ref))
        outputs.append(row["output"])
    return rows[0].get("generator", path.stem) if rows else path.stem, prompts, outputs


def main(argv=None) -> None:
    from .evaluation.alpaca import alpaca_eval_scores
    from .evaluation.annotators import ANNOTATORS, build_annotator

    parser = argparse.ArgumentParser(prog="selfalign-alpaca", description=__doc__.split("\n\n")[0])
    parser.add_argument("inputs", nargs="+", help="run directories or JSON files of model outputs")
    parser.add_argument("--annotator", default="oracle", choices=ANNOTATORS)
    parser.add_argument("--annotator-model", default=None, help="hub id or folder (default: SmolLM2-135M, offline)")
    parser.add_argument("--both-orders", action="store_true",
                        help="--annotator model: judge each comparison in both orders and average (cancels position bias)")
    parser.add_argument("--api-config", default=None,
                        help="--annotator api: an alpaca_eval annotator config (default weighted_alpaca_eval_gpt4_turbo, "
                             "the public leaderboard's); needs OPENAI_API_KEY")
    parser.add_argument("--lc-gamed", default="built", choices=("built", "hub"),
                        help="LC gamed references: built with this annotator (offline) or alpaca_eval's own (online; "
                             "AlpacaEval instructions in published order only)")
    parser.add_argument("--references", type=Path, default=None, help="JSON of {instruction, output} references")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--cache", default="~/.cache/selfalign")
    args = parser.parse_args(argv)
    try:
        annotator = build_annotator(args.annotator, args.annotator_model, args.cache, api_config=args.api_config,
                                    seed=args.seed, both_orders=args.both_orders)
        rows = []
        for item in map(Path, args.inputs):
            if not item.exists():
                raise DataError(f"{item} does not exist.")
            name, prompts, outputs = (run_outputs(item) if item.is_dir()
                                      else json_outputs(item, args.references, official_order=args.lc_gamed == "hub"))
            start = time.perf_counter()
            scores = alpaca_eval_scores(prompts, outputs, annotator, generator=name, seed=args.seed, gamed=args.lc_gamed)
            rows.append({"input": str(item), "generator": name, **scores, "wall_s": time.perf_counter() - start})
    except SelfAlignError as err:
        print(f"selfalign-alpaca: error: {err}", file=sys.stderr)
        sys.exit(2)
    print("| generator | annotator | win rate % ± SE | LC win rate % ± SE | n | draws | annotator failures | avg length (chars) | wall s |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['generator']} | {r['annotator']} | {r['win_rate']:.1f} ± {r['standard_error']:.1f} "
              f"| {_lc(r)} | {r['n']} | {r['n_draws']} "
              f"| {r['annotator_failures']} | {r['avg_length']:.1f} | {r['wall_s']:.1f} |")
    print("\n" + json.dumps(rows), file=sys.stderr)


def _lc(row: dict) -> str:
    """LC win rate ± SE, or why there is none (no output differs in length from its reference)."""
    if row["lc_win_rate"] is None:
        return "– (no length differences)"
    return f"{row['lc_win_rate']:.1f} ± {row['lc_standard_error']:.1f}"


if __name__ == "__main__":
    main()
