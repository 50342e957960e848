"""Annotators compare two outputs for one instruction, AlpacaEval-style: a preference in [1, 2]
(1 = the first output is better, 2 = the second, 1.5 = a draw) or None when the annotator
failed. The oracle annotator reads the embedded world's programmatic quality."""

from __future__ import annotations

from typing import Protocol

from ..records import PromptRecord


class Annotator(Protocol):
    name: str

    def prefer(self, prompts: list[PromptRecord], outputs_1: list[str], outputs_2: list[str]) -> list[float | None]:
        ...


class OracleAnnotator:
    name = "oracle"

    def prefer(self, prompts, outputs_1, outputs_2):
        from ..world import oracle_prefers

        return [oracle_prefers(p, a, b) for p, a, b in zip(prompts, outputs_1, outputs_2)]


def build_annotator(name: str) -> Annotator:
    if name == "oracle":
        return OracleAnnotator()
    from ..config import check
    check(name, False, "eval.annotator", "oracle")
