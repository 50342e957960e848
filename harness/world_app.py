"""`selfalign-world`: is the embedded world a usable instrument for a model? Builds (or reuses) the
seed model M1 of the Self-Rewarding family for any model / world / seed-SFT config and prints
its per-family diagnostics (see harness/evaluation/world_diagnostics.py):

    selfalign-world                                   # the default tiny model and world
    selfalign-world --prompts 400 --k 8 data.world.families=[sort,alpha]
    selfalign-world --out results/world-diagnostics.md model.tiny.num_layers=6

Everything after the flags is a Hydra override of the `selfalign` config. The stages are stored
in a run directory under <store.root>/world/, so a re-run only prints.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from pathlib import Path

from .cli import EXIT_USER_ERROR, print_error
from .compose import compose
from .logs import setup_logging
from .errors import ConfigError, SelfAlignError

log = logging.getLogger("selfalign")


def run(args) -> dict:
    from omegaconf import OmegaConf

    from . import stages
    from .config import check, validate_config
    from .evaluation.world_diagnostics import diagnose, to_markdown
    from .judges.rubric import RubricJudge
    from .registry import get_method
    from .run_lock import RunLock
    from .runner import method_config, open_run, run_identity
    from .results_provenance import record
    from .store import atomic_write_text, config_hash

    check(args.prompts, args.prompts >= 1, "--prompts", "a positive number of problems per split")
    check(args.k, args.k >= 2, "--k", "at least 2 samples per problem (pass@k and best-of-k compare several)")
    cfg = compose(args.overrides)
    validate_config(cfg)
    if cfg.data.source or cfg.data.alpaca_eval_set or cfg.data.eval_prompts_path:
        raise ConfigError("selfalign-world diagnoses the embedded world only: its oracle grades every sample. "
                          "Drop data.source / data.alpaca_eval_set / data.eval_prompts_path.")
    mcfg = method_config(get_method("self_rewarding"), cfg.method)
    resolved = OmegaConf.to_container(cfg, resolve=True)
    key = {**run_identity(resolved), "diagnostics": {"prompts": args.prompts, "k": args.k}}  # store paths and progress do not count
    run_dir = Path(cfg.store.root).expanduser() / "world" / cfg.model.name / f"seed{cfg.seed}-{config_hash(key)}"
    with RunLock(run_dir):  # one writer per run directory
        ctx = open_run(cfg, mcfg, run_dir)
        stages.seed_model(ctx)
        judge = RubricJudge(ctx.sampler, mcfg.judge)
        result = ctx.json("diagnostics/summary", lambda: diagnose(ctx, judge, args.prompts, args.k, mcfg.sampling))
        command = "selfalign-world " + " ".join(sys.argv[1:])
        md = (f"{to_markdown(result)}\nModel `{cfg.model.name}`, M1 = seed SFT with EFT reviews, seed {cfg.seed}; "
              f"the judge is M1's own additive rubric (K={mcfg.judge.k}, T={mcfg.judge.temperature}). "
              f"Regenerate: `{command.strip()}`\n")
        atomic_write_text(run_dir / "diagnostics.md", md)
    print("\n" + md, flush=True)
    if args.json:  # for scripts comparing worlds (scripts/world_probes.py)
        atomic_write_text(Path(args.json), json.dumps(result, indent=1))
    if args.out:
        atomic_write_text(Path(args.out), md)
        record([Path(args.out)], command.strip())
        log.info("written to %s", args.out)
    ctx.close_sampler()
    return result


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    parser = argparse.ArgumentParser(prog="selfalign-world", description=__doc__.split("\n\n")[0])
    parser.add_argument("--prompts", type=int, default=200, help="evaluation and training problems scored (default 200)")
    parser.add_argument("--k", type=int, default=4, help="samples per evaluation problem for pass@k and best-of-k (default 4)")
    parser.add_argument("--out", default=None, help="also write the table to this Markdown file")
    parser.add_argument("--json", default=None, help="also write the numbers as JSON to this file")
    parser.add_argument("overrides", nargs="*", help="Hydra overrides of the selfalign config")
    args = parser.parse_args(argv)
    setup_logging()
    try:
        run(args)
    except SelfAlignError as err:
        print_error(err)
        sys.exit(EXIT_USER_ERROR)


if __name__ == "__main__":
    main()
