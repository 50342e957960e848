"""The `selfalign` console script: a Hydra app that runs one method per job.

`main()` checks method names before Hydra starts (so a typo gets "did you mean"), then hands
over to Hydra. Inside a job every user mistake surfaces as a one-paragraph error and exit code 2.
"""

from __future__ import annotations

import os
import sys

import hydra
from omegaconf import DictConfig

from .compose import CONF_DIR
from .config import register_schemas
from .errors import EXIT_USER_ERROR, SelfAlignError, print_error, storage_error
from .logs import setup_logging
from .method_knobs import unknown_knob_hint
from .registry import plugin_searchpath


def _method_overrides(argv: list[str]) -> list[str]:
    names = []
    for arg in argv:
        if arg.startswith(("method=", "+method=", "++method=")):
            value = arg.split("=", 1)[1]
            if "(" in value or "*" in value:  # a Hydra sweep function (choice(...), glob(...)): Hydra checks it
                continue
            names += [v.strip() for v in value.split(",") if v.strip()]
    return names


def _selected_methods(argv: list[str]) -> list[str]:
    """The methods a command runs: those named by `method=`, else the default sweep's."""
    from .compose import default_methods

    return _method_overrides(argv) or default_methods()


def check_method_names(argv: list[str]) -> None:
    from .registry import available_methods, unknown_method_message

    known = available_methods()
    for name in _method_overrides(argv):
        if name not in known:
            raise SelfAlignError(unknown_method_message(name))


def _folder_setting(argv: list[str], key: str, env: str, default: str) -> tuple[str, str]:
    for arg in argv:
        if arg.lstrip("+").startswith(f"{key}="):
            return arg.split("=", 1)[1], key
    return os.environ.get(env, default), env if env in os.environ else f"{key} (default)"


def check_writable_folders(argv: list[str]) -> None:
    """The runs and cache folders can be written, before Hydra makes its sweep folder there."""
    from pathlib import Path

    for key, env, default in (("store.root", "SELFALIGN_RUNS", "runs"),
                              ("store.cache", "SELFALIGN_CACHE", "~/.cache/selfalign")):
        value, source = _folder_setting(argv, key, env, default)
        if "${" in value:
            continue  # an interpolation: resolved (and checked by the file system) later
        path = Path(value).expanduser().absolute()
        existing = next(p for p in (path, *path.parents) if p.exists())
        problem = ("is a file, not a folder" if not existing.is_dir() else
                   "cannot be written (permission denied or read-only)" if not os.access(existing, os.W_OK | os.X_OK) else "")
        if problem:
            raise SelfAlignError(f"{key} is {str(path)!r} (from {source}), but {str(existing)!r} {problem}. To fix: set "
                                 f"{env} or {key}= to a folder you can write.")


@hydra.main(version_base="1.3", config_path=CONF_DIR, config_name="config")
def hydra_app(cfg: DictConfig):
    from .distributed import runtime
    from .distributed.phase import serve_if_worker
    from .runner import run_job

    # a submitit job with several tasks (one per GPU) is a process group of its own; under torchrun
    # main() has joined the group already and only rank 0 gets here
    in_task_group = not runtime.active_group()
    if in_task_group:
        runtime.adopt_submitit_tasks()
        if serve_if_worker():
            return None
    try:
        return str(run_job(cfg))
    except SelfAlignError as err:
        print_error(err)
        sys.exit(EXIT_USER_ERROR)
    except OSError as err:
        if storage_error(err) is None:
            raise  # not the user's storage: a bug, with its traceback
        print_error(storage_error(err))
        sys.exit(EXIT_USER_ERROR)
    finally:
        if in_task_group:
            runtime.shutdown()


def main() -> None:
    from .distributed import runtime
    from .distributed.phase import serve_if_worker

    setup_logging()
    if serve_if_worker():  # ranks above 0 only train the phases rank 0 sends; they read no config
        return
    try:
        _main()
    finally:
        runtime.shutdown()  # release the waiting ranks, whether the jobs succeeded or not


def _main() -> None:
    if sys.argv[1:2] == ["plan"]:  # `selfalign plan ...`: the compute bill, no Hydra job
        from .planning.cli import main as plan_main

        register_schemas()
        return plan_main(sys.argv[2:])
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    setup_logging()
    try:
        register_schemas()  # imports every method, plugins included: a broken one is reported here
        check_method_names(sys.argv[1:])
        check_writable_folders(sys.argv[1:])
        if not any(a.startswith("hydra.searchpath=") for a in sys.argv[1:]):
            sys.argv += plugin_searchpath()  # plugin folders' method/<name>.yaml (SELFALIGN_PLUGINS)
    except SelfAlignError as err:
        print_error(err)
        sys.exit(EXIT_USER_ERROR)
    try:
        hydra_app()
    except OSError as err:  # Hydra's launcher writes the sweep folder before any job starts
        if storage_error(err) is None:
            raise
        print_error(storage_error(err))
        sys.exit(EXIT_USER_ERROR)
    except SystemExit as exit_:
        # Hydra has printed its own error; under it, say which method knob was meant and where they live.
        if exit_.code not in (0, None):
            hint = unknown_knob_hint(sys.argv[1:], _selected_methods(sys.argv[1:]))
            if hint:
                print(hint, file=sys.stderr)
        raise


if __name__ == "__main__":
    main()
