"""What a run records about itself so its numbers can be traced and regenerated."""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import os
import platform
import subprocess
import sys
from pathlib import Path

_PACKAGES = ("torch", "transformers", "peft", "accelerate", "trl", "datasets", "hydra-core",
             "omegaconf", "tokenizers", "numpy", "vllm", "alpaca-eval", "lm-eval")


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def package_versions() -> dict:
    versions = {}
    for name in _PACKAGES:
        try:
            versions[name] = md.version(name)
        except md.PackageNotFoundError:
            continue
    return versions


def git_commit(repo: Path | None = None) -> dict:
    repo = repo or Path(__file__).resolve().parent.parent
    def _git(*args):
        # GIT_OPTIONAL_LOCKS=0: `git status` must not take .git/index.lock to refresh the index, or a run
        # killed at that moment leaves the lock behind and blocks the user's next commit
        return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, timeout=10,
                              env={**os.environ, "GIT_OPTIONAL_LOCKS": "0"})
    try:
        head = _git("rev-parse", "HEAD")
        if head.returncode != 0:
            return {"commit": None}
        dirty = _git("status", "--porcelain", "--untracked-files=no")
        return {"commit": head.stdout.strip(), "dirty": bool(dirty.stdout.strip())}
    except (OSError, subprocess.TimeoutExpired):
        return {"commit": None}


def collect(seed: int, judge_prompts: dict[str, str], argv: list[str] | None = None) -> dict:
    return {
        "argv": list(argv if argv is not None else sys.argv),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "packages": package_versions(),
        "git": git_commit(),
        "seed": seed,
        "judge_prompt_hashes": {name: text_hash(t) for name, t in judge_prompts.items()},
    }
