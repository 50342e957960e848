"""Wall time of each kind of evaluation stage in finished runs (from each stage's _done.json),
one markdown row per run: greedy outputs, win rate, alpaca_eval (raw + LC), judge accuracy,
selection (candidates, tournaments, self-grading), lm-eval (seed and final model).

    python scripts/evaluation_wall_times.py runs/*/tiny/seed0-*
"""

from __future__ import annotations

import json
import sys
from collections import defaultdict
from pathlib import Path

KINDS = {"outputs": "greedy outputs", "win_rate": "win rate", "alpaca_eval": "alpaca_eval", "judge_accuracy": "judge accuracy",
         "candidates": "selection", "tournament": "selection", "judge": "selection", "judge_ref": "selection",
         "select": "selection", "seed": "lm-eval", "final": "lm-eval"}
COLUMNS = ["greedy outputs", "win rate", "alpaca_eval", "judge accuracy", "selection", "lm-eval"]


def stage_kind(stage: str) -> str:
    last = stage.rstrip("/").split("/")[-1]
    base = last.rsplit("_n", 1)[0] if last.rsplit("_n", 1)[-1].isdigit() else last
    return KINDS.get(base, "other")


def main() -> None:
    print("| run | " + " | ".join(COLUMNS) + " | other | all evaluation s | method s |")
    print("|---|" + "---|" * (len(COLUMNS) + 3))
    for run in map(Path, sys.argv[1:]):
        seconds: dict[str, float] = defaultdict(float)
        for done in (run / "stages" / "eval").glob("**/_done.json"):
            stage = str(done.parent.relative_to(run / "stages"))
            seconds[stage_kind(stage)] += json.loads(done.read_text())["cost"]["wall_s"]
        metrics = json.loads((run / "metrics.json").read_text())
        cells = [f"{seconds[c]:.1f}" if c in seconds else "–" for c in [*COLUMNS, "other"]]
        print(f"| {metrics['method']} | " + " | ".join(cells)
              + f" | {metrics['eval_cost'].get('wall_s', 0):.0f} | {metrics['cost'].get('wall_s', 0):.0f} |")


if __name__ == "__main__":
    main()
