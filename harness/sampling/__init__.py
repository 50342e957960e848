"""The sampling core: one Sampler protocol, interchangeable backends."""

from .base import Completion, Sampler, SamplingParams  # noqa: F401
