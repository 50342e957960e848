"""Content-free sentences used to make responses longer without making them better.

The verbosity knob adds these to good responses so a length-biased judge or reward can be
detected: the oracle strips them before grading, so filler never changes oracle quality.
Sentences carry no digits and always mix case and punctuation, so they cannot collide with
any answer the families produce (numbers, lowercase words, all-caps words).
"""

from __future__ import annotations

import random
import re

FILLER_SENTENCES: tuple[str, ...] = (
    "Hope that clears it up!",
    "Let me know if you need anything else.",
    "Happy to help with this.",
    "That was a fun one to work out.",
    "I double checked the steps above.",
    "Feel free to ask a follow-up question.",
    "Thanks for the interesting question!",
    "Glad I could lend a hand.",
    "I hope this answer is useful to you.",
    "Good luck with the rest of your work!",
    "Here is my answer after careful thought.",
    "Questions like this are always welcome.",
)

# Longest first, so that no sentence is removed piecemeal by a shorter one.
_BY_LENGTH = sorted(FILLER_SENTENCES, key=len, reverse=True)
_SPACES = re.compile(r"\s+")


def add_filler(answer: str, rng: random.Random, n_sentences: int) -> str:
    """Return `answer` with `n_sentences` distinct filler sentences after it (or, one time in
    four, before it)."""
    if n_sentences <= 0:
        return answer
    n = min(int(n_sentences), len(FILLER_SENTENCES))
    extra = " ".join(rng.sample(FILLER_SENTENCES, n))
    if not answer:
        return extra
    if rng.random() < 0.25:
        return f"{extra} {answer}"
    return f"{answer} {extra}"


def strip_filler(text: str) -> str:
    """Remove every known filler sentence and normalise the whitespace left behind."""
    # Every filler sentence ends in '.' or '!', so most bare answers skip the scan entirely.
    if "." in text or "!" in text:
        for sentence in _BY_LENGTH:
            if sentence in text:
                text = text.replace(sentence, " ")
    return _SPACES.sub(" ", text).strip()


_EDGE = " \t\r\n.,;:!?\"'`"


def clean_answer(text: str | None) -> str:
    """What the oracle grades: the response without filler and without edge punctuation."""
    if not text:
        return ""
    return strip_filler(str(text)).strip(_EDGE)
