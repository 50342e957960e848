"""Shared by the benchmark scripts: timing statistics and writing one section of
results/benchmarks.md (each script owns the section between its markers, so scripts can be rerun
one at a time)."""

from __future__ import annotations

import math
import platform
import statistics
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from harness.results_provenance import record  # noqa: E402

RESULTS = Path(__file__).resolve().parent.parent / "results" / "benchmarks.md"
HEADER = ("# Benchmarks\n\nEach section is written by the script named in it; rerun that command to "
          "regenerate the section. Times are wall-clock seconds on the machine named in the section.\n")

# two-sided 95% Student t quantiles by degrees of freedom (repeats - 1)
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def mean_ci(values: list[float]) -> tuple[float, float, float]:
    """Mean and its 95% t confidence interval over repeats."""
    m = statistics.fmean(values)
    if len(values) < 2:
        return m, float("nan"), float("nan")
    half = _T95.get(len(values) - 1, 1.96) * statistics.stdev(values) / math.sqrt(len(values))
    return m, m - half, m + half


def fmt_ci(values: list[float], digits: int = 1) -> str:
    m, lo, hi = mean_ci(values)
    return f"{m:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def machine() -> str:
    import torch

    cpu = f"{platform.machine()}, {torch.get_num_threads()} torch threads"
    gpu = torch.cuda.get_device_name(0) if torch.cuda.is_available() else "no GPU"
    return f"{platform.node() or 'host'} ({cpu}; {gpu}; torch {torch.__version__})"


def write_section(name: str, body: str) -> None:
    begin, end = f"<!-- begin:{name} -->", f"<!-- end:{name} -->"
    text = RESULTS.read_text() if RESULTS.exists() else HEADER
    block = f"{begin}\n{body.rstrip()}\n{end}"
    if begin in text and end in text:
        text = text[: text.index(begin)] + block + text[text.index(end) + len(end):]
    else:
        text = text.rstrip() + "\n\n" + block + "\n"
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(text)
    # the file's commit is the latest section's; each section names its own command
    record([RESULTS], "python " + " ".join(sys.argv) + " (latest section; each section names its command)")
    print(body)
