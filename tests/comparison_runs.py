"""Hand-made run directories for the comparison report's tests: metrics.json, config.yaml and the
win-rate stage's per-prompt outcomes, written the way the runner writes them."""

from __future__ import annotations

import json
from pathlib import Path

from omegaconf import OmegaConf

# --- hand-made run directories ----------------------------------------------------------------

STAGE = "eval/win_rate"


def make_run(root: Path, method: str, seed: int, win_rate: float, wins: dict[str, float], label: str = "",
             iterations=None, judge_accuracy=None, method_cfg=None, cost=None, decoding=None,
             stage: str = STAGE) -> Path:
    d = root / f"{method}-{label or 'default'}-seed{seed}".replace(" ", "_").replace("=", "")
    (d / "stages" / stage).mkdir(parents=True)
    summary = {"win_rate": win_rate, "win_rate_stage": stage, "n": len(wins), "annotator": "oracle",
               "mean_length_tokens": 10.0}
    if judge_accuracy is not None:
        summary["judge"] = {"accuracy": judge_accuracy}
    if decoding is not None:
        summary["decoding"] = decoding
    metrics = {"method": method, "model": "tiny", "seed": seed, "variant": {"label": label, "config_hash": f"hash-{method}-{label}"},
               "summary": summary, "iterations": iterations or [],
               "cost": cost or {"tokens_generated": 1000, "judge_calls": 10, "wall_s": 60.0}}
    (d / "metrics.json").write_text(json.dumps(metrics))
    if method_cfg is None:
        method_cfg = {"name": method}
    (d / "config.yaml").write_text(OmegaConf.to_yaml(OmegaConf.create({"seed": seed, "method": method_cfg})))
    # shown first, the method's output; the preference is the one its win implies
    rows = [{"prompt_id": pid, "win": w, "model_first": True, "preference": 2.0 - w} for pid, w in wins.items()]
    (d / "stages" / stage / "result.json").write_text(json.dumps({"win_rate": win_rate, "rows": rows}))
    return d


def noisy(p: float) -> dict:
    return {"name": "online_dpo", "external_judge": "noisy_oracle", "judge_accuracy": p}


def wins_of(values: list[float], prefix: str = "eval-") -> dict[str, float]:
    return {f"{prefix}{i}": v for i, v in enumerate(values)}

