"""Data-parallel training against one process, on 2 CPU processes (gloo): for each strategy and
loss, the largest difference of any logged per-step number and of any final weight, and the wall
time of the one-process and the 2-process run (tests/distributed_phase_job.py; the tolerances the
tests hold them to are in tests/test_distributed.py).

    python benchmarks/distributed_equivalence.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch
from report import machine, write_section

REPO = Path(__file__).resolve().parent.parent
JOB = REPO / "tests" / "distributed_phase_job.py"
CASES = [("ddp", "daa", "DPO + NLL, full"), ("fsdp", "daa", "DPO + NLL, full"), ("ddp", "sft", "SFT, full"),
         ("fsdp", "daa_lora", "DPO + NLL, LoRA")]


def _run(strategy: str, kind: str, out: Path) -> float:
    env = {**os.environ, "OMP_NUM_THREADS": "1", "PYTHONPATH": str(REPO)}
    launch = [sys.executable] if strategy == "single" else \
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2"]
    start = time.perf_counter()
    subprocess.run([*launch, str(JOB), strategy, kind, str(out)], env=env, check=True, capture_output=True)
    return time.perf_counter() - start


def main() -> None:
    rows = ["| strategy | phase | steps | largest step difference | largest weight difference | wall s, 1 process | "
            "wall s, 2 processes |", "|---|---|---|---|---|---|---|"]
    with tempfile.TemporaryDirectory() as tmp:
        for strategy, kind, label in CASES:
            one, two = Path(tmp, f"single-{kind}.pt"), Path(tmp, f"{strategy}-{kind}.pt")
            t1, t2 = _run("single", kind, one), _run(strategy, kind, two)
            a, b = torch.load(one, weights_only=False), torch.load(two, weights_only=False)
            step = max(abs(x[k] - y[k]) for x, y in zip(a["steps"], b["steps"]) for k in x)
            weight = max(float((a["state"][k].float() - b["state"][k].float()).abs().max()) for k in a["state"])
            rows.append(f"| {strategy} | {label} | {len(a['steps'])} | {step:.1e} | {weight:.1e} | {t1:.1f} | {t2:.1f} |")
    body = ("## Distributed training against one process\n\n`python benchmarks/distributed_equivalence.py` on "
            f"{machine()}. 13 items in batches of 4 (the last smaller than the world), 2 accumulated per step, "
            "2 epochs; one process against torchrun with 2 gloo ranks. Wall times include starting Python and "
            "torch.\n\n" + "\n".join(rows))
    write_section("distributed-equivalence", body)


if __name__ == "__main__":
    main()
