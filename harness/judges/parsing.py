"""Pure parsers for judge outputs."""

from __future__ import annotations

import re

# "Score: 4", "score: 3.5", "Points: 2" (any case). The LAST such mention counts: reviews may
# quote the rubric before giving their verdict.
_SCORE = re.compile(r"\b(?:score|points)\s*:\s*(-?\d+(?:\.\d+)?)", re.IGNORECASE)


def parse_score(text: str, low: float = 0.0, high: float = 5.0) -> float | None:
    """The judged score, or None when there is none or it falls outside [low, high]."""
    matches = _SCORE.findall(text or "")
    if not matches:
        return None
    value = float(matches[-1])
    return value if low <= value <= high else None


# "Winner: Judgement A" / "winner: judgment b" (both spellings); the last verdict counts.
_META = re.compile(r"\bwinner\s*:\s*judge?ment\s+([AB])\b", re.IGNORECASE)


def parse_meta_verdict(text: str) -> int | None:
    """1 when the meta-judge picks the judgment in position A, 2 for B, None when it names neither."""
    found = _META.findall(text or "")
    if not found:
        return None
    return 1 if found[-1].upper() == "A" else 2
