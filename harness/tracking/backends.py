"""The trackers behind `logger=...`, each the field's own library: torch's TensorBoard
SummaryWriter, wandb, mlflow. Each takes flat {name: number} dicts with a step."""

from __future__ import annotations

from pathlib import Path


class TensorBoard:
    def __init__(self, folder: Path, cfg):
        from torch.utils.tensorboard import SummaryWriter

        self.writer = SummaryWriter(log_dir=str(folder))

    def scalars(self, values: dict[str, float], step: int) -> None:
        for k, v in values.items():
            self.writer.add_scalar(k, v, step)

    def text(self, name: str, body: str) -> None:
        self.writer.add_text(name, f"```\n{body}\n```")

    def close(self) -> None:
        self.writer.close()


class WandB:
    def __init__(self, folder: Path, cfg, run_name: str = ""):
        import wandb

        folder.mkdir(parents=True, exist_ok=True)
        self.run = wandb.init(project=cfg.project, dir=str(folder), mode=cfg.wandb_mode, name=run_name or None,
                              reinit="finish_previous")
        self.axes: set[str] = set()

    def scalars(self, values: dict[str, float], step: int) -> None:
        # W&B keeps one global step that may only grow, and the harness's series (optimiser steps,
        # stages, iterations) each count their own: each top-level series gets its own x-axis metric
        axis = next(iter(values)).split("/")[0]
        if axis not in self.axes:
            self.run.define_metric(f"{axis}/step")
            self.run.define_metric(f"{axis}/*", step_metric=f"{axis}/step")
            self.axes.add(axis)
        self.run.log({**values, f"{axis}/step": step})

    def text(self, name: str, body: str) -> None:
        self.run.summary[name] = body

    def close(self) -> None:
        self.run.finish()


class MLflow:
    def __init__(self, folder: Path, cfg, run_name: str = ""):
        import os

        import mlflow

        uri = cfg.dir if cfg.dir and "://" in str(cfg.dir) else Path(folder).resolve().as_uri()
        if uri.startswith("file:"):
            # mlflow keeps its file store in maintenance mode behind this switch; it is the one
            # backend that needs no database or server, which is what a run directory wants
            os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
        self.client = mlflow.MlflowClient(tracking_uri=uri)
        found = self.client.get_experiment_by_name(cfg.project)
        experiment = found.experiment_id if found else self.client.create_experiment(cfg.project)
        self.run_id = self.client.create_run(experiment, run_name=run_name or None).info.run_id

    def scalars(self, values: dict[str, float], step: int) -> None:
        for k, v in values.items():
            self.client.log_metric(self.run_id, k.replace("[", "(").replace("]", ")"), v, step=step)

    def text(self, name: str, body: str) -> None:
        self.client.log_text(self.run_id, body, f"{name}.txt")

    def close(self) -> None:
        self.client.set_terminated(self.run_id)
