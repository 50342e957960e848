"""Pair rules: how scored samples become preference pairs. Pure functions, tested on hand tables."""

from __future__ import annotations

from collections import defaultdict

from .records import Judgment, PreferencePair, PromptRecord, Sample


def group_by_prompt(samples: list[Sample], judgments: list[Judgment]):
    scores = {(j.prompt_id, j.index): j.score for j in judgments}
    groups: dict[str, list[tuple[Sample, float | None]]] = defaultdict(list)
    for s in samples:
        groups[s.prompt_id].append((s, scores.get((s.prompt_id, s.index))))
    return groups


def max_min_pairs(prompts: list[PromptRecord], samples: list[Sample], judgments: list[Judgment],
                  min_valid: int) -> tuple[list[PreferencePair], dict]:
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
