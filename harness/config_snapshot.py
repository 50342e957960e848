"""Every config as composed with no overrides, one knob per line, with each method's knobs as its
dataclass fills them in (the defaults that live only in Python included). tests/test_config_snapshot.py
compares it with the committed tests/snapshots/configs.txt, so a changed default shows up in review.

    python -m harness.config_snapshot > tests/snapshots/configs.txt   # after an intended change
"""

from __future__ import annotations

import dataclasses
import json


def flatten(node, prefix: str = "") -> list[str]:
    """`a.b.c = value` lines, values as JSON; lists stay whole (a list is one knob, e.g. rho)."""
    if isinstance(node, dict):
        return [line for key in sorted(node) for line in flatten(node[key], f"{prefix}.{key}" if prefix else str(key))]
    return [f"{prefix} = {json.dumps(node, sort_keys=True)}"]


def snapshot() -> str:
    from omegaconf import OmegaConf

    from .registry import available_methods, get_method
    from .runner import method_config
    from .compose import compose

    names = available_methods()
    # interpolations stay unresolved: the snapshot must not depend on the machine's environment
    shared = OmegaConf.to_container(compose([], method=names[0]), resolve=False)
    shared.pop("method")
    lines = flatten(shared)
    for name in names:
        knobs = method_config(get_method(name), compose([], method=name).method)
        knobs = dataclasses.asdict(knobs) if dataclasses.is_dataclass(knobs) else OmegaConf.to_container(knobs)
        lines += flatten(knobs, f"method[{name}]")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    print(snapshot(), end="")
