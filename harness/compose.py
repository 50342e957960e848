"""Composing the `selfalign` config in Python, as the command line would: the same schemas, config
tree and plugin folders. For scripts, benchmarks, the config snapshot and `selfalign-world`."""

from __future__ import annotations

from pathlib import Path

from .errors import ConfigError

CONF_DIR = str(Path(__file__).resolve().parent.parent / "conf")


def compose(overrides: list[str], method: str | None = "self_rewarding"):
    """The composed config for `method=<method> <overrides...>` (method None: the config's own
    default); a bad override raises ConfigError with Hydra's first line."""
    from hydra import compose as hydra_compose
    from hydra import initialize_config_dir
    from hydra.errors import HydraException
    from omegaconf.errors import OmegaConfBaseException

    from .config import register_schemas
    from .registry import plugin_searchpath

    register_schemas()
    chosen = [f"method={method}"] if method else []
    try:
        with initialize_config_dir(config_dir=CONF_DIR, version_base="1.3"):
            return hydra_compose(config_name="config", overrides=[*chosen, *overrides, *plugin_searchpath()])
    except (HydraException, OmegaConfBaseException) as e:
        raise ConfigError(f"Bad override in {[*chosen, *overrides]}: {str(e).splitlines()[0]} See `selfalign --help` "
                          f"for the config groups and keys.") from None


def default_methods() -> list[str]:
    """The methods a plain `selfalign` sweeps (conf/config.yaml's hydra.sweeper.params.method)."""
    from omegaconf import OmegaConf

    sweep = OmegaConf.load(Path(CONF_DIR) / "config.yaml").hydra.sweeper.params.method
    return [m.strip() for m in str(sweep).split(",")]
