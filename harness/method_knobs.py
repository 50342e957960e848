"""The knobs a method's dataclass declares, the method's config as that dataclass (validated), and
the hint `selfalign` adds under Hydra's own error when a `method.*` override names none of them
(a typo, or a knob of another method)."""

from __future__ import annotations

import dataclasses
import difflib
import inspect
import typing


def knob_paths(config_cls, prefix: str = "") -> list[str]:
    """Every leaf knob of a method config dataclass as a dotted path (`daa.train.lr`)."""
    hints = typing.get_type_hints(config_cls)
    paths = []
    for f in dataclasses.fields(config_cls):
        kind = hints.get(f.name)
        if dataclasses.is_dataclass(kind):
            paths += knob_paths(kind, f"{prefix}{f.name}.")
        else:
            paths.append(f"{prefix}{f.name}")
    return paths


def _leaf_paths(node, prefix: str = "") -> list[str]:
    if isinstance(node, dict):
        return [p for k, v in node.items() for p in _leaf_paths(v, f"{prefix}{k}.")]
    return [prefix[:-1]]


def unknown_keys(config_cls, node) -> list[str]:
    """Keys of a composed method node that its dataclass does not declare (`+method.x=...` gets
    past Hydra's struct check), each with the closest knob when there is one."""
    from omegaconf import OmegaConf

    values = OmegaConf.to_container(node, resolve=False) if OmegaConf.is_config(node) else node
    paths = knob_paths(config_cls)
    out = []
    for key in _leaf_paths(values):
        if key not in paths:
            close = difflib.get_close_matches(key, paths, n=1, cutoff=0.6)
            out.append(f"method.{key}" + (f" (did you mean method.{close[0]}?)" if close else ""))
    return out


def _method_knob_overrides(argv: list[str]) -> list[str]:
    keys = []
    for arg in argv:
        key = arg.split("=", 1)[0].lstrip("+~")
        if "=" in arg and key.startswith("method."):
            keys.append(key[len("method."):])
    return keys


def unknown_knob_hint(argv: list[str], methods: list[str]) -> str:
    """One line per `method.<key>` override that some selected method does not have, naming the
    closest knob and where the method's knobs are documented; "" when every key exists."""
    from .registry import get_method

    lines = []
    for key in _method_knob_overrides(argv):
        for name in methods:
            config = get_method(name).config
            if config is None:
                continue
            paths = knob_paths(config)
            if key in paths or any(p.startswith(key + ".") for p in paths):
                continue
            close = difflib.get_close_matches(key, paths, n=1, cutoff=0.6)
            where = f"{inspect.getsourcefile(config)} ({config.__name__})"
            lines.append(f"selfalign: hint: method.{key} is not a knob of {name}."
                         + (f" Did you mean method.{close[0]}?" if close else "")
                         + f" {name}'s knobs, with their defaults and meaning: {where}.")
    return "\n".join(lines)


def method_config(entry, node):
    """The method's knobs as its dataclass, type-checked by OmegaConf and range-checked by
    the dataclass's validate()."""
    from omegaconf import OmegaConf
    from omegaconf.errors import OmegaConfBaseException

    from .errors import ConfigError

    if entry.config is None:
        return node
    unknown = unknown_keys(entry.config, node)
    if unknown:
        raise ConfigError(f"Unknown key(s) for method {entry.name!r}: {', '.join(unknown)}. Its knobs, with their "
                          f"defaults and meaning, are the fields of {entry.config.__module__}.{entry.config.__name__}; "
                          f"drop the key or fix its name.")
    try:
        merged = OmegaConf.merge(OmegaConf.structured(entry.config), node)
        obj = OmegaConf.to_object(merged)
    except OmegaConfBaseException as e:
        raise ConfigError(f"Invalid method config for {entry.name!r}: {str(e).splitlines()[0]} "
                          f"The valid keys, with their defaults and meaning, are the fields of "
                          f"{entry.config.__module__}.{entry.config.__name__}.") from None
    return obj.validate() if hasattr(obj, "validate") else obj
