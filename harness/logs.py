"""The "selfalign" logger: one line per event on stderr (suits a terminal and a SLURM log alike),
plus the run directory's run.log with timestamps; chatty libraries are kept to their errors."""

from __future__ import annotations

import logging
import sys
from pathlib import Path


def setup_logging(run_dir: Path | None = None) -> None:
    logger = logging.getLogger("selfalign")
    logger.setLevel(logging.INFO)
    logger.propagate = False
    for h in list(logger.handlers):
        logger.removeHandler(h)
    console = logging.StreamHandler(sys.stderr)
    console.setFormatter(logging.Formatter("[selfalign] %(message)s"))
    logger.addHandler(console)
    if run_dir is not None:
        file = logging.FileHandler(run_dir / "run.log")
        file.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(message)s"))
        logger.addHandler(file)
    # bitsandbytes warns on import that an optional 4-bit CPU kernel is missing; only its 8-bit AdamW is used
    for noisy in ("transformers", "datasets", "httpx", "urllib3", "filelock", "bitsandbytes"):
        logging.getLogger(noisy).setLevel(logging.ERROR)
    from .progress import quiet_library_bars

    quiet_library_bars()
