"""`selfalign-judge`: judge-accuracy sweeps. Each job loads one model checkpoint, builds one judge
kind on it and scores it on one labelled pair set (reward-bench style: a failure or a tie counts
0.5; both orders for pairwise judges). RewardBench-format sets are also scored per subset and
section. At the end of a multirun the table of every job is printed and written to the sweep
folder as judge_table.md and .csv.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import sys
import time
from pathlib import Path

import hydra
import torch
from hydra.experimental.callback import Callback
from omegaconf import DictConfig, OmegaConf

from .cli import EXIT_USER_ERROR, print_error
from .compose import CONF_DIR
from .logs import setup_logging
from .config import check
from .errors import ModelLoadError, SelfAlignError
from .judges.protocol import JudgeCalls, report
from .records import Judgment, LabelledPair

log = logging.getLogger("selfalign")
from .judge_sweep_config import JudgeSweepConfig, register_judge_schema

register_judge_schema()


class ReferenceScoreJudge:
    """The pairs' own reference scores as a pointwise judge: on the world's pairs these are the
    oracle's qualities (a ceiling for every other judge); a pair without scores is a failure."""

    kind = "pointwise"

    def __init__(self, pairs: list[LabelledPair]):
        self.known = {(p.prompt, r): s for p in pairs if p.scores for r, s in zip((p.response_a, p.response_b), p.scores)}

    def score(self, instructions, responses, *, seed: int = 0, calls: JudgeCalls | None = None, ids=None,
              desc: str = "", references=None):
        ids = ids or [(str(i), 0) for i in range(len(responses))]
        report(calls, len(responses))
        out = []
        for (pid, idx), i, r in zip(ids, instructions, responses):
            s = self.known.get((i, r))
            out.append(Judgment(prompt_id=pid, index=idx, score=s, raw=[] if s is None else [f"reference {s}"],
                                valid_scores=[] if s is None else [s]))
        return out


def load_checkpoint(cfg, data, device):
    from .models.loading import load_policy

    if not cfg.checkpoint:
        return load_policy(cfg.model, cfg.store.cache, device, data, progress=cfg.progress)
    return load_folder(cfg.checkpoint, device, "checkpoint")


def load_folder(path: str, device, key: str):
    from .models.policy import Policy

    folder = Path(path).expanduser()
    if not (folder / "config.json").exists():
        found = sorted(str(p.parent) for p in folder.glob("stages/**/checkpoint/config.json")) if folder.is_dir() else []
        hint = (" It is a run directory; its checkpoints are: " + ", ".join(found)) if found else ""
        raise ModelLoadError(f"{key}={path!r} is not a saved model folder (no config.json).{hint} Pass a folder "
                             f"such as runs/<method>/<model>/<run>/stages/iter1/train/checkpoint.")
    return Policy.from_folder(folder, device, name=str(folder))


def load_pairs(cfg, data) -> list[LabelledPair]:
    if cfg.pairs == "world":
        pairs = data.judge_pairs
    else:
        from .data.pair_sets import load_labelled_pairs

        pairs = load_labelled_pairs(cfg.pairs, seed=int(cfg.seed))
    return pairs[: cfg.n_pairs] if cfg.n_pairs else pairs


def meta_pairs(cfg, data) -> list[LabelledPair]:
    """A meta-judge is scored on pairs of judgments of one response, with the correct judgment
    known: the world makes them (its oracle knows each response's true rubric points)."""
    from .world import judgment_test_pairs

    check(cfg.pairs, cfg.pairs == "world", "pairs", "world for judge=meta (only the world has judgment pairs with "
          "known right answers)", hint="drop the pairs override, or pick another judge kind")
    pairs = judgment_test_pairs(data.world, data.dcfg.n_judge_pairs)
    return pairs[: cfg.n_pairs] if cfg.n_pairs else pairs


def build_judge(cfg, policy, pairs, device):
    from .judges.digit import DigitJudge
    from .judges.implicit import ImplicitRewardJudge
    from .judges.judgment_cache import with_judgment_cache
    from .judges.meta_judge import MetaJudge
    from .judges.pairwise import PairwiseLogitJudge
    from .judges.rubric import RubricJudge
    from .sampling.factory import make_sampler

    import tempfile

    # sampler=vllm works here too: the engine loads a saved copy of the checkpoint
    work = tempfile.mkdtemp(prefix="selfalign-judge-sampler-")
    sampler = with_judgment_cache(make_sampler(policy, cfg.sampler, cfg.model, work, progress=cfg.progress), cfg.store)
    if cfg.judge == "rubric":
        return RubricJudge(sampler, OmegaConf.to_object(cfg.rubric))
    if cfg.judge == "meta":
        return MetaJudge(sampler, OmegaConf.to_object(cfg.meta_judge))
    if cfg.judge == "pairwise":
        return PairwiseLogitJudge(sampler, cfg.pairwise_template)
    if cfg.judge == "digit":
        return DigitJudge(sampler, cfg.digit_template)
    if cfg.judge == "implicit":
        reference = load_folder(cfg.reference, device, "reference") if cfg.reference else None
        return ImplicitRewardJudge(policy, reference, beta=cfg.beta, normalise=cfg.normalise,
                                   max_length=cfg.model.max_length, batch_size=cfg.sampler.batch_size)
    return ReferenceScoreJudge(pairs)


def run_judge_job(cfg) -> dict:
    from .data.provider import DataProvider
    from .evaluation.judge_accuracy import judge_accuracy
    from .evaluation.rewardbench import section_scores
    from .models.loading import resolve_device

    JudgeSweepConfig.validate(cfg)
    if cfg.threads:
        torch.set_num_threads(int(cfg.threads))
    torch.manual_seed(int(cfg.seed))
    device = resolve_device(cfg.device)
    data = DataProvider(cfg.data)
    pairs = meta_pairs(cfg, data) if cfg.judge == "meta" else load_pairs(cfg, data)  # a bad file fails before a model loads
    policy = None if cfg.judge == "oracle" else load_checkpoint(cfg, data, device)
    judge = build_judge(cfg, policy, pairs, device)
    cache = getattr(getattr(judge, "sampler", None), "judgment_cache", None)  # shared by the jobs of a multirun
    hits_before, misses_before = (cache.hits, cache.misses) if cache else (0, 0)
    start = time.perf_counter()
    calls = JudgeCalls()
    result = judge_accuracy(judge, pairs, seed=int(cfg.seed), judge_seed=int(cfg.seed), calls=calls,
                            desc=f"{cfg.judge} judge")
    close = getattr(getattr(judge, "sampler", None), "close", None)
    if close:  # a vLLM engine: give its memory and its copy of the weights back before the next job
        close(remove_weights=True)
    outcomes = [r["outcome"] for r in result.pop("rows")]
    which = "– (no model)" if cfg.judge == "oracle" else cfg.checkpoint or f"{cfg.model.name} (base)"
    out = {"judge": cfg.judge, "checkpoint": which,
           "pairs": cfg.pairs, **result, "judge_calls": calls.n, "wall_s": time.perf_counter() - start,
           "judge_cache_hits": cache.hits - hits_before if cache else None,
           "judge_cache_misses": cache.misses - misses_before if cache else None}
    if any(p.subset for p in pairs):
        out["rewardbench"] = section_scores(pairs, outcomes)
    return out


def _job_dir() -> Path:
    from hydra.core.hydra_config import HydraConfig

    return Path(HydraConfig.get().runtime.output_dir)


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="judge_sweep")
def judge_app(cfg: DictConfig):
    try:
        result = run_judge_job(cfg)
    except SelfAlignError as err:
        print_error(err)
        sys.exit(EXIT_USER_ERROR)
    folder = _job_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "judge_result.json").write_text(json.dumps(result, indent=2))
    log.info("%s on %s (%s): accuracy %.1f%% [%.1f, %.1f] (n=%d)", result["judge"], result["pairs"], result["checkpoint"],
             result["accuracy"], *result["accuracy_ci"], result["n"])
    return result


TABLE_COLUMNS = ["judge", "checkpoint", "pairs", "accuracy", "accuracy_ci", "n", "order_consistency", "p_prefer_first",
                 "p_prefer_longer", "tie_rate", "failure_rate", "pearson", "spearman", "rewardbench_score", "judge_calls"]


def table_rows(results: list[dict]) -> list[dict]:
    rows = []
    for r in results:
        row = {k: r.get(k) for k in TABLE_COLUMNS}
        row["rewardbench_score"] = (r.get("rewardbench") or {}).get("score")
        rows.append(row)
    return rows


def to_markdown(rows: list[dict]) -> str:
    fmt = lambda v, d=1: "–" if v is None else (f"{v:.{d}f}" if isinstance(v, float) else str(v))  # noqa: E731
    lines = ["| judge | checkpoint | pairs | accuracy % [95% CI] | n | order consistency | P(prefer 1st) | P(prefer longer) "
             "| tie rate | failure rate | Pearson | Spearman | RewardBench score | judge calls |", "|" + "---|" * 14]
    for r in rows:
        ci = r["accuracy_ci"]
        lines.append(f"| {r['judge']} | {r['checkpoint']} | {r['pairs']} | {fmt(r['accuracy'])} [{ci[0]:.1f}, {ci[1]:.1f}] "
                     f"| {r['n']} | {fmt(r['order_consistency'], 2)} | {fmt(r['p_prefer_first'], 2)} "
                     f"| {fmt(r['p_prefer_longer'], 2)} | {fmt(r['tie_rate'], 2)} | {fmt(r['failure_rate'], 2)} "
                     f"| {fmt(r['pearson'], 2)} | {fmt(r['spearman'], 2)} | {fmt(r['rewardbench_score'])} | {r['judge_calls']} |")
    return "\n".join(lines) + "\n"


def to_csv(rows: list[dict]) -> str:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=TABLE_COLUMNS)
    w.writeheader()
    for r in rows:
        w.writerow({k: json.dumps(v) if isinstance(v, list) else v for k, v in r.items()})
    return buf.getvalue()


class JudgeTableCallback(Callback):
    """At the end of a multirun, one table of every job's judge accuracy."""

    def on_multirun_end(self, config, **kwargs) -> None:
        from .store import atomic_write_text

        sweep = Path(config.hydra.sweep.dir)
        results = [json.loads(f.read_text()) for f in sorted(sweep.glob("*/judge_result.json"),
                                                             key=lambda f: int(f.parent.name))]
        if not results:
            return
        rows = table_rows(results)
        command = "selfalign-judge " + " ".join(config.hydra.overrides.task)
        md = to_markdown(rows)
        note = (f"\nAccuracy: the judge prefers the labelled better response; ties and failures count half; "
                f"95% bootstrap CI. Regenerate: `{command.strip()}`\n")
        atomic_write_text(sweep / "judge_table.md", md + note)
        atomic_write_text(sweep / "judge_table.csv", to_csv(rows))
        print("\n" + md + f"\nJudge table written to {sweep}/judge_table.md and .csv\n", flush=True)


def main() -> None:
    import os

    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    setup_logging()
    judge_app()


if __name__ == "__main__":
    main()
