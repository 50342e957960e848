"""The embedded world's knobs: one dataclass, the schema of `data.world` and what the generators
read. Its defaults are the only ones; conf/data/world.yaml restates none of them."""

from __future__ import annotations

import numbers
from dataclasses import dataclass, field

from harness.errors import ConfigError

from .families import DEFAULT_FAMILIES, FAMILY_NAMES


def _check_fraction(name: str, value, low: float, high: float, meaning: str) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not low <= value <= high:
        raise ConfigError(
            f"Invalid config value data.world.{name}={value!r}: expected a number in [{low}, {high}] "
            f"({meaning}). To fix: set data.world.{name} to a value in that range."
        )


@dataclass
class WorldConfig:
    # task families the data draws from (families.py); [] also means DEFAULT_FAMILIES
    families: list = field(default_factory=lambda: list(DEFAULT_FAMILIES))
    verbosity: float = 0.0  # chance a generated good response carries 1-2 filler sentences the oracle ignores
    label_noise: float = 0.0  # chance an offline preference pair's chosen and rejected are swapped, in [0, 0.5]
    reference_accuracy: float = 0.5  # chance an evaluation reference output is exactly right
    # Chance a seed response (instruction-following, pre-training and EFT judge data) is wrapped in a
    # sentence ("Answer: ..."), which the rubric's form check fails: format noise M1 inherits, and
    # which its judge data reviews as "form no".
    ift_wrap_rate: float = 0.4
    seed: int = 0  # the data's own seed: fixed across run seeds, so seeds vary training, not data

    @property
    def family_names(self) -> list[str]:
        return self.families or list(DEFAULT_FAMILIES)

    def __post_init__(self) -> None:
        self.validate()

    def validate(self) -> "WorldConfig":
        names = self.families
        if isinstance(names, str) or not isinstance(names, (list, tuple)):
            raise ConfigError(
                f"Invalid config value data.world.families={names!r}: expected a list of family names "
                f"({', '.join(FAMILY_NAMES)}), or [] for the default {list(DEFAULT_FAMILIES)}. To fix: pass e.g. data.world.families=[sort,alpha]."
            )
        unknown = [n for n in names if n not in FAMILY_NAMES]
        if unknown:
            raise ConfigError(
                f"Invalid config value data.world.families: unknown family name(s) {unknown}; valid names are "
                f"{', '.join(FAMILY_NAMES)}. To fix: remove or correct the unknown names."
            )
        self.families = list(names)
        _check_fraction("verbosity", self.verbosity, 0.0, 1.0, "probability of filler")
        _check_fraction("label_noise", self.label_noise, 0.0, 0.5, "probability of a swap")
        _check_fraction("reference_accuracy", self.reference_accuracy, 0.0, 1.0, "probability a reference is correct")
        _check_fraction("ift_wrap_rate", self.ift_wrap_rate, 0.0, 1.0,
                        "probability an instruction-following response is wrapped in a sentence")
        if isinstance(self.seed, bool) or not isinstance(self.seed, numbers.Integral):
            raise ConfigError(f"Invalid config value data.world.seed={self.seed!r}: expected an integer. "
                              f"To fix: set an integer seed.")
        return self
