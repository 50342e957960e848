"""The real-dataset adapters by name: `data.source` picks one for training and evaluation data,
and selfalign-judge's `pairs=` picks one as a labelled judge-pair set (harness/data/pair_sets.py).
"""

from __future__ import annotations

import difflib
from typing import Callable, Optional

from .hh_rlhf import HHRLHF, SUBSETS as HH_SUBSETS
from .hub import DatasetSource
from .mt_bench import MTBenchHuman
from .oasst1 import OASST1
from .ultrafeedback import UltraFeedback
from .ultrafeedback_binarized import UltraFeedbackBinarized

# Adapters that give training data (data.source=<name>), and the ones that are judge-pair sets only.
SOURCES: dict[str, type[DatasetSource]] = {
    cls.name: cls for cls in (UltraFeedbackBinarized, UltraFeedback, HHRLHF, OASST1)}
PAIR_ONLY: dict[str, type[DatasetSource]] = {MTBenchHuman.name: MTBenchHuman}
SUBSETS: dict[str, tuple[str, ...]] = {HHRLHF.name: HH_SUBSETS}


def did_you_mean(value: str, names) -> str:
    close = difflib.get_close_matches(str(value), list(names), n=1)
    return f"did you mean {close[0]!r}? " if close else ""


def open_source(name: str, path: Optional[str] = None, subset: Optional[str] = None, seed: int = 0,
                render_judge_prompt: Optional[Callable[[str, str], str]] = None,
                n_judge_pairs: int = 100) -> DatasetSource:
    from ..errors import ConfigError

    if name not in SOURCES:
        raise ConfigError(f"Unknown data.source={name!r}: {did_you_mean(name, SOURCES)}expected one of "
                          f"{', '.join(SOURCES)}.")
    return SOURCES[name](path=path, subset=subset, seed=seed, render_judge_prompt=render_judge_prompt,
                         n_judge_pairs=n_judge_pairs)
