"""The run's open tracker, and the three calls the harness makes into it. A step counter per
series keeps every optimiser step of a run on one axis across its training stages."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

log_ = logging.getLogger("selfalign")

_TRACKER = None
_STEPS: dict[str, int] = {}


def _rank0() -> bool:
    return int(os.environ.get("RANK", "0")) == 0


def open_tracker(cfg, run_dir: Path, resolved_config: dict, provenance: dict) -> None:
    """Opens the tracker `cfg.logger` names for this run (closing any earlier one) and records the
    resolved config and provenance once."""
    global _TRACKER
    close()
    lcfg = cfg.get("logger")
    if lcfg is None or lcfg.backend == "none" or not _rank0():
        return
    from .backends import MLflow, TensorBoard, WandB

    folder = Path(lcfg.dir).expanduser() if lcfg.dir and "://" not in str(lcfg.dir) else Path(run_dir) / "tracking"
    name = Path(run_dir).name
    _TRACKER = {"tensorboard": lambda: TensorBoard(folder, lcfg), "wandb": lambda: WandB(folder, lcfg, name),
                "mlflow": lambda: MLflow(folder, lcfg, name)}[lcfg.backend]()
    _STEPS.clear()
    _TRACKER.text("config", json.dumps(resolved_config, indent=1, default=str))
    _TRACKER.text("provenance", json.dumps(provenance, indent=1, default=str))
    log_.info("tracking with %s in %s", lcfg.backend, folder)


def _numbers(values: dict, prefix: str = "") -> dict[str, float]:
    """Nested metrics flattened to name/sub/name: number (bools, strings and lists left out)."""
    out = {}
    for k, v in values.items():
        name = f"{prefix}/{k}" if prefix else str(k)
        if isinstance(v, dict):
            out.update(_numbers(v, name))
        elif isinstance(v, (int, float)) and not isinstance(v, bool):
            out[name] = float(v)
    return out


def log(series: str, values: dict, step: int | None = None) -> None:
    """Numbers under `series/...`: a stage's cost, an iteration's evaluation. Without a step, the
    series' own counter."""
    if _TRACKER is None:
        return
    if step is None:
        step = _STEPS.get(series, 0)
        _STEPS[series] = step + 1
    numbers = _numbers(values, series)
    if numbers:
        _TRACKER.scalars(numbers, step)


def log_step(values: dict) -> None:
    """One optimiser step's numbers under train/..., on the run's step axis."""
    log("train", values)


def close() -> None:
    global _TRACKER
    if _TRACKER is not None:
        _TRACKER.close()
        _TRACKER = None
