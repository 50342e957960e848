"""Pair rules: how scored samples become preference pairs. Pure functions, tested on hand tables."""

from __future__ import annotations

import math
from collections import defaultdict

from .records import Judgment, PreferencePair, PromptRecord, Sample


def group_by_prompt(samples: list[Sample], judgments: list[Judgment]):
    scores = {(j.prompt_id, j.index): j.score for j in judgments}
    groups: dict[str, list[tuple[Sample, float | None]]] = defaultdict(list)
    for s in samples:
        groups[s.prompt_id].append((s, scores.get((s.prompt_id, s.index))))
    return groups


def max_min_pairs(prompts: list[PromptRecord], samples: list[Sample], judgments: list[Judgment],
                  min_valid: int = 2) -> tuple[list[PreferencePair], dict]:
    """chosen = the highest mean score, rejected = the lowest. A prompt is dropped when fewer than
    `min_valid` responses have a valid score, or when the best and worst scores are equal."""
    groups = group_by_prompt(samples, judgments)
    pairs, dropped_tie, dropped_invalid = [], 0, 0
    for p in prompts:
        scored = [(s, sc) for s, sc in groups.get(p.id, []) if sc is not None]
        if len(scored) < min_valid:
            dropped_invalid += 1
            continue
        # First occurrence wins among equal scores, so the pick is deterministic.
        best = max(scored, key=lambda t: t[1])
        worst = min(scored, key=lambda t: t[1])
        if best[1] == worst[1]:
            dropped_tie += 1
            continue
        pairs.append(PreferencePair(prompt_id=p.id, prompt=p.instruction, chosen=best[0].text,
                                    rejected=worst[0].text, chosen_score=best[1], rejected_score=worst[1],
                                    source="self_judged"))
    stats = {"prompts": len(prompts), "pairs_kept": len(pairs), "dropped_tie": dropped_tie,
             "dropped_invalid": dropped_invalid}
    return pairs, stats


def _length(sample: Sample) -> int:
    return sample.n_tokens if sample.n_tokens else len(sample.text)


def length_controlled_pairs(prompts: list[PromptRecord], samples: list[Sample], judgments: list[Judgment],
                            rho: float, min_valid: int = 2) -> tuple[list[PreferencePair], dict]:
    """Meta-Rewarding's actor pairs. With S_max / S_min the best and worst mean score of a prompt:
    chosen = the SHORTEST response scoring >= (1-ρ)·S_max + ρ·S_min, rejected = the LONGEST
    scoring <= (1-ρ)·S_min + ρ·S_max. ρ = 0 is plain max/min (shortest best vs longest worst).
    Dropped: fewer than `min_valid` scores, S_max == S_min, or both picks the same response."""
    if not 0 <= rho <= 0.5:
        from .config import check
        check(rho, False, "rho", "a length-control weight in [0, 0.5]")
    groups = group_by_prompt(samples, judgments)
    pairs, dropped_tie, dropped_invalid, dropped_same = [], 0, 0, 0
    for p in prompts:
        scored = [(s, sc) for s, sc in groups.get(p.id, []) if sc is not None]
        if len(scored) < min_valid:
            dropped_invalid += 1
            continue
        s_max, s_min = max(sc for _, sc in scored), min(sc for _, sc in scored)
        if s_max == s_min:
            dropped_tie += 1
            continue
        good = [(s, sc) for s, sc in scored if sc >= (1 - rho) * s_max + rho * s_min]
        bad = [(s, sc) for s, sc in scored if sc <= (1 - rho) * s_min + rho * s_max]
        chosen = min(good, key=lambda t: (_length(t[0]), -t[1]))
        rejected = max(bad, key=lambda t: (_length(t[0]), -t[1]))
        if chosen[0] is rejected[0]:
            dropped_same += 1
            continue
        pairs.append(PreferencePair(prompt_id=p.id, prompt=p.instruction, chosen=chosen[0].text,
                                    rejected=rejected[0].text, chosen_score=chosen[1], rejected_score=rejected[1],
                                    source="self_judged_length_controlled", meta={"rho": rho}))
    stats = {"prompts": len(prompts), "pairs_kept": len(pairs), "dropped_tie": dropped_tie,
             "dropped_invalid": dropped_invalid, "dropped_same_response": dropped_same}
    return pairs, stats


SELECT_MODES = ("largest", "smallest", "middle")


def round_half_up(x: float) -> int:
    """floor(x + 0.5): 0.5 → 1, 2.5 → 3 (Python's round() would give 0 and 2). A tiny tolerance
    keeps float products such as 0.7 · 45 = 31.499999999999996 on the intended side (32)."""
    return math.floor(x + 0.5 + 1e-9)


def select_by_margin(margins: list[float], ratio: float, mode: str = "largest", warmup: float = 1.0,
                     tol: float = 0.0) -> list[int]:
    """Indices of the offline pairs to keep, ranked by implicit-reward margin (SeRA's review step).

    Keeps k = floor(ratio · n + 0.5) pairs (round half up; ratio 0 keeps none) with the largest
    margins (or smallest, or the middle band). While the policy still equals the reference every
    margin is the same (0), so ranking means nothing: then the first floor(warmup · n + 0.5)
    pairs are kept instead (warmup = 1: all of them). `tol` is the spread of margins still counted
    as "all equal" (float noise between two copies of the same network). Ties are broken by
    position, so the selection is deterministic."""
    from .config import check

    check(ratio, 0 <= ratio <= 1, "select_ratio", "a fraction in [0, 1] (0 keeps no offline pair)")
    check(warmup, 0 < warmup <= 1, "warmup", "a fraction in (0, 1]")
    check(mode, mode in SELECT_MODES, "select", f"one of {', '.join(SELECT_MODES)}")
    n = len(margins)
    if n == 0:
        return []
    if max(margins) - min(margins) <= tol:
        return list(range(round_half_up(warmup * n)))
    k = round_half_up(ratio * n)
    ascending = sorted(range(n), key=lambda i: (margins[i], i))
    if mode == "largest":
        chosen = sorted(range(n), key=lambda i: (-margins[i], i))[:k]
    elif mode == "smallest":
        chosen = ascending[:k]
    else:
        start = (n - k) // 2
        chosen = ascending[start:start + k]
    return sorted(chosen)


def dedupe_samples(samples: list[Sample]) -> list[Sample]:
    """Drop repeated texts within a prompt's samples (the first occurrence stays)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for s in samples:
        if (s.prompt_id, s.text) not in seen:
            seen.add((s.prompt_id, s.text))
            out.append(s)
    return out
