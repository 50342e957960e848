"""The method registry.

A method registers itself by name with `@register_method(name, config=Dataclass)`, optionally with
`variant=fn`: fn(validated method config) -> a short label of the configuration ("" for the default),
shown on the leaderboard next to the method's name (`online_dpo[random]`), and `plan=fn`, the
method's compute bill (harness/planning/). Built-in methods
live in the `methods` package; a third-party package adds one through the `selfalign.methods`
entry-point group (`name = "pkg.module:run"`, or `pkg.module` whose import registers it). Entries
load lazily; an unknown name gets the list of known ones and the closest match.

Without packaging, a folder named in SELFALIGN_PLUGINS (several joined by the path separator) adds
methods too: each `<name>.py` at its top is imported (registering its method), and its
`method/<name>.yaml` joins Hydra's config search path, so `method=<name>` composes it.
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata as md
import importlib.util
import os
import pkgutil
import sys
from pathlib import Path
from dataclasses import dataclass
from typing import Callable, Optional

from .errors import ConfigError, SelfAlignError
from .store import variant_hash

ENTRY_POINT_GROUP = "selfalign.methods"
PLUGINS_ENV = "SELFALIGN_PLUGINS"


@dataclass
class MethodEntry:
    name: str
    run: Callable
    config: Optional[type]  # dataclass of the method's knobs, their defaults and checks (the schema of method=<name>)
    has_judge: bool = False
    variant: Optional[Callable] = None  # fn(method config) -> short label of non-default knobs ("" = default)
    # fn(method config) -> the rubric template its judge reads, so the seed EFT data is rendered with
    # the same one; None = the rubric judge's default template
    judge_template: Optional[Callable] = None
    # fn(composed config, method config) -> its Phases (harness/planning/phases.py): the work the recipe
    # fixes before anything runs, for `selfalign plan`; None = the method has no compute bill
    plan: Optional[Callable] = None

    def describe_variant(self, method_cfg, resolved_cfg: dict) -> dict:
        """metrics.json's `variant`: the method's label for this configuration and the hash of the
        resolved config less seed and device (runs sharing both are seeds of one leaderboard row)."""
        label = str(self.variant(method_cfg) or "") if self.variant is not None else ""
        return {"label": label, "config_hash": variant_hash(resolved_cfg)}


_REGISTRY: dict[str, MethodEntry] = {}
_ENTRY_POINTS: dict[str, md.EntryPoint] = {}
_discovered = False


def register_method(name: str, config: Optional[type] = None, has_judge: bool = False,
                    variant: Optional[Callable] = None, judge_template: Optional[Callable] = None,
                    plan: Optional[Callable] = None):
    def wrap(fn: Callable) -> Callable:
        existing = _REGISTRY.get(name)
        if existing is not None and existing.run is not fn and existing.run.__module__ != fn.__module__:
            raise SelfAlignError(
                f"Two methods are registered under the name {name!r} ({existing.run.__module__} and "
                f"{fn.__module__}). Rename one of them."
            )
        _REGISTRY[name] = MethodEntry(name=name, run=fn, config=config, has_judge=has_judge, variant=variant,
                                      judge_template=judge_template, plan=plan)
        return fn

    return wrap


def _discover() -> None:
    global _discovered
    if _discovered:
        return
    _discovered = True
    import methods  # the built-in methods register themselves on import

    for info in pkgutil.iter_modules(methods.__path__):
        if not info.name.startswith("_"):
            importlib.import_module(f"methods.{info.name}")
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        if ep.name not in _REGISTRY:
            _ENTRY_POINTS[ep.name] = ep
    for folder in plugin_dirs():
        for path in sorted(folder.glob("*.py")):
            if not path.name.startswith("_"):
                _import_plugin(path)


def plugin_dirs() -> list[Path]:
    """The folders SELFALIGN_PLUGINS names; a missing one is an error, not a silently absent method."""
    folders = [Path(p).expanduser().resolve() for p in os.environ.get(PLUGINS_ENV, "").split(os.pathsep) if p]
    for folder in folders:
        if not folder.is_dir():
            raise ConfigError(f"{PLUGINS_ENV} names {folder}, which is not a folder. Expected folders holding "
                              f"<name>.py and method/<name>.yaml; fix or unset {PLUGINS_ENV}.")
    return folders


def plugin_searchpath() -> list[str]:
    """Hydra overrides that put the plugin folders on the config search path ([] without plugins)."""
    folders = plugin_dirs()
    return [f"hydra.searchpath=[{','.join(f'file://{f}' for f in folders)}]"] if folders else []


def _import_plugin(path: Path) -> None:
    spec = importlib.util.spec_from_file_location(f"selfalign_plugin_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses and inspect look their module up there
    try:
        spec.loader.exec_module(module)
    except Exception as e:  # a broken plugin names itself instead of failing somewhere later
        del sys.modules[spec.name]
        raise SelfAlignError(f"The method plugin {path} failed to import: {type(e).__name__}: {e}. "
                             f"Fix it, or remove its folder from {PLUGINS_ENV}.") from e


def available_methods() -> list[str]:
    _discover()
    return sorted(set(_REGISTRY) | set(_ENTRY_POINTS))


def unknown_method_message(name: str) -> str:
    names = available_methods()
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.5)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    return (f"Unknown method {name!r}.{hint} Registered methods: {', '.join(names)}. "
            f"Pick one with `method=<name>`, or add one (see README, 'Adding a method').")


def get_method(name: str) -> MethodEntry:
    _discover()
    if name not in _REGISTRY and name in _ENTRY_POINTS:
        loaded = _ENTRY_POINTS[name].load()
        if name not in _REGISTRY and callable(loaded):
            _REGISTRY[name] = MethodEntry(name=name, run=loaded, config=getattr(loaded, "config", None),
                                          variant=getattr(loaded, "variant", None))
    if name not in _REGISTRY:
        raise ConfigError(unknown_method_message(name))
    return _REGISTRY[name]
