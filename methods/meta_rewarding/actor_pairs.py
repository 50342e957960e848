"""Meta-Rewarding's actor pairs: duplicates dropped, then the length-controlled best-vs-worst rule."""

from __future__ import annotations

from harness.config import check
from harness.pairs import group_by_prompt
from harness.records import Judgment, PreferencePair, PromptRecord, Sample


def dedupe_samples(samples: list[Sample]) -> list[Sample]:
    """Drop repeated texts within a prompt's samples (the first occurrence stays)."""
    seen: set[tuple[str, str]] = set()
    out = []
    for s in samples:
        if (s.prompt_id, s.text) not in seen:
            seen.add((s.prompt_id, s.text))
            out.append(s)
    return out


def _length(sample: Sample) -> int:
    return sample.n_tokens if sample.n_tokens else len(sample.text)


def length_controlled_pairs(prompts: list[PromptRecord], samples: list[Sample], judgments: list[Judgment],
                            rho: float, min_valid: int = 2) -> tuple[list[PreferencePair], dict]:
    """Meta-Rewarding's actor pairs. With S_max / S_min the best and worst mean score of a prompt:
    chosen = the SHORTEST response scoring >= (1-ρ)·S_max + ρ·S_min, rejected = the LONGEST
    scoring <= (1-ρ)·S_min + ρ·S_max. ρ = 0 is plain max/min (shortest best vs longest worst).
    Dropped: fewer than `min_valid` scores, S_max == S_min, or both picks the same response."""
    if not 0 <= rho <= 0.5:
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
