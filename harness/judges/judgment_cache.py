"""A persistent cache of raw judge outputs, so judging the same response again costs no model
call: re-evaluating stored outputs, the same seed model's judge accuracy in every run that shares
it, or a judge sweep run twice.

An entry is keyed by the judge's identity (kind, template name and a hash of its text, the call's
parameters: sampling params with their seed, or the answer token ids), a fingerprint of the
weights that computed it, the tokenizer's chat template, and the full rendered judge prompt
(which holds the instruction and the response). It stores the raw outputs (generated texts, or
answer-token log-probs), not parsed scores, so a parser change never serves stale scores.

The cache never changes what a run computes: a run with it off, cold or warm gives bit-identical
results.
- A deterministic judgment (a logit judge, greedy generation) depends only on its prompt, so it is
  shared freely, between identical texts and between calls.
- A sampled judgment is one draw, and a draw depends on the call it was made in: its seed, its
  position, and the batch it was sampled with. So a sampled call is cached as a whole: every
  entry is keyed by the call's full prompt list, its seed and its position in the call. Two
  identical responses keep independent draws (as the papers judge each response), a warm call
  replays exactly what the uncached call computes, and a call that is not entirely in the cache
  is recomputed entirely.

The backend (HF or vLLM) is not part of the key: both sample the same distribution, and logit
judges agree to float tolerance.

One SQLite file under `store.cache`, shared by runs and processes (WAL mode, waits on locks).
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sqlite3
import time
from pathlib import Path
from typing import Callable

from .templates import TEMPLATES

log = logging.getLogger("selfalign")


def template_identity(name: str) -> dict:
    return {"template": name, "template_sha": hashlib.sha256(TEMPLATES[name].encode()).hexdigest()[:16]}


def _checksum(key: str, value: str) -> str:
    return hashlib.sha256(f"{key}\n{value}".encode()).hexdigest()[:16]


class JudgmentCache:
    """Each row carries a checksum of its key and value: a row that fails it (edited, or damaged on
    disk) is recomputed, never served. A file that is not a database is moved aside and a new
    cache started; a database error while running turns the cache off for the process. Either
    way results stay what an uncached run computes, with a warning saying what happened."""

    FILE = "judgments.sqlite"

    def __init__(self, folder: str | Path):
        self.path = Path(folder).expanduser() / self.FILE
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.hits = 0
        self.misses = 0
        self.rejected = 0  # rows that failed their checksum
        try:
            self._db = self._open()
        except sqlite3.DatabaseError as e:
            aside = self.path.with_name(f"{self.FILE}.corrupt-{time.strftime('%Y%m%d-%H%M%S')}")
            log.warning("the judgment cache %s is unreadable (%s): moved to %s, starting an empty one", self.path, e, aside)
            for suffix in ("", "-wal", "-shm"):
                src = Path(f"{self.path}{suffix}")
                if src.exists():
                    os.replace(src, Path(f"{aside}{suffix}"))
            self._db = self._open()

    def _open(self) -> sqlite3.Connection | None:
        db = sqlite3.connect(str(self.path), timeout=120)
        db.execute("PRAGMA journal_mode=WAL")  # reads the header: a file that is not a database fails here
        db.execute("CREATE TABLE IF NOT EXISTS judgments (key TEXT PRIMARY KEY, value TEXT NOT NULL, checksum TEXT)")
        columns = {row[1] for row in db.execute("PRAGMA table_info(judgments)")}
        if "checksum" not in columns:  # a cache from before checksums: its rows are recomputed once
            db.execute("ALTER TABLE judgments ADD COLUMN checksum TEXT")
        db.commit()
        return db

    def _disable(self, e: Exception) -> None:
        log.warning("the judgment cache %s failed (%s): judging without it for the rest of this process", self.path, e)
        self._db = None

    def lookup(self, keys: list[str]) -> dict[str, object]:
        found: dict[str, object] = {}
        if self._db is None:
            return found
        unique = list(dict.fromkeys(keys))
        try:
            for start in range(0, len(unique), 500):  # SQLite caps the number of bound parameters
                chunk = unique[start:start + 500]
                rows = self._db.execute(
                    f"SELECT key, value, checksum FROM judgments WHERE key IN ({','.join('?' * len(chunk))})", chunk)
                for k, v, checksum in rows:
                    if checksum == _checksum(k, v):
                        found[k] = json.loads(v)
                    else:
                        self.rejected += 1
        except sqlite3.DatabaseError as e:
            self._disable(e)
            return {}
        return found

    def store(self, items: dict[str, object]) -> None:
        if self._db is None:
            return
        rows = [(k, v, _checksum(k, v)) for k, v in ((k, json.dumps(v)) for k, v in items.items())]
        try:
            self._db.executemany("INSERT OR REPLACE INTO judgments (key, value, checksum) VALUES (?, ?, ?)", rows)
            self._db.commit()
        except sqlite3.DatabaseError as e:
            self._disable(e)

    def close(self) -> None:
        if self._db is not None:
            self._db.close()


def encode_completions(completions) -> list:
    return [[c.text, c.n_tokens, c.finish_reason] for c in completions]


def decode_completions(rows) -> list:
    from ..sampling.base import Completion

    return [Completion(*row) for row in rows]


def _key(identity: dict, prompt: str) -> str:
    return hashlib.sha256(json.dumps([identity, prompt], sort_keys=True).encode()).hexdigest()


def cached_calls(sampler, identity: dict, prompts: list[str], compute: Callable[[list[str]], list],
                 encode: Callable = lambda x: x, decode: Callable = lambda x: x,
                 sampled: bool = False) -> tuple[list, int]:
    """compute(prompts) with what this identity and these weights already computed served from the
    sampler's judgment cache; returns (results in prompt order, prompts computed). `sampled`: the
    results are random draws (see the module docstring: the call is cached as a whole). A sampler
    without a cache computes everything."""
    cache: JudgmentCache | None = getattr(sampler, "judgment_cache", None)
    if cache is None or not prompts:
        return compute(prompts), len(prompts)
    from ..models.fingerprint import weights_fingerprint

    chat_template = getattr(sampler.policy.tokenizer, "chat_template", None) or ""
    full = {**identity, "weights": weights_fingerprint(sampler.model),
            "chat_template": hashlib.sha256(chat_template.encode()).hexdigest()[:16]}
    if sampled:
        call = hashlib.sha256(json.dumps(prompts).encode()).hexdigest()
        keys = [_key({**full, "call": call, "position": i}, p) for i, p in enumerate(prompts)]
    else:
        keys = [_key(full, p) for p in prompts]
    rejected = cache.rejected
    found = cache.lookup(keys)
    if cache.rejected > rejected:
        log.warning("%d cached judgments failed their checksum (edited or damaged) and are recomputed",
                    cache.rejected - rejected)
    if sampled and len(found) < len(keys):
        found = {}  # part of a call's draws cannot be replayed without the rest: draw them all again
    todo = list(dict.fromkeys(k for k in keys if k not in found))  # (deterministic) duplicates computed once
    if todo:
        first_prompt = {k: p for k, p in zip(keys, prompts)}
        computed = compute([first_prompt[k] for k in todo])
        new = {k: encode(v) for k, v in zip(todo, computed)}
        cache.store(new)
        found.update(new)
    cache.hits += len(prompts) - len(todo)
    cache.misses += len(todo)
    return [decode(found[k]) for k in keys], len(todo)


_OPEN: dict[str, JudgmentCache] = {}


def with_judgment_cache(sampler, store_cfg):
    """The sampler with the shared judgment cache attached when store.judgment_cache is on (one
    connection per cache file per process, so a multirun shares it)."""
    if getattr(store_cfg, "judgment_cache", False):
        folder = str(Path(store_cfg.cache).expanduser())
        if folder not in _OPEN:
            _OPEN[folder] = JudgmentCache(folder)
        sampler.judgment_cache = _OPEN[folder]
    return sampler
