"""Every config composes against the schema; bad values fail with a message naming the key."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.config import validate_config
from harness.errors import ConfigError
from harness.registry import available_methods, get_method
from harness.runner import method_config

CONF = Path(__file__).resolve().parent.parent / "conf"


@pytest.mark.parametrize("method", sorted(p.stem for p in (CONF / "method").glob("*.yaml")))
@pytest.mark.parametrize("model", ["tiny", "smollm2-135m"])
def test_every_method_and_model_composes(make_cfg, method, model):
    cfg = make_cfg(f"method={method}", f"model={model}")
    validate_config(cfg)
    entry = get_method(cfg.method.name)
    method_config(entry, cfg.method)


def test_every_registered_method_has_a_config_file():
    files = {p.stem for p in (CONF / "method").glob("*.yaml")}
    assert set(available_methods()) <= files


@pytest.mark.parametrize("override, key", [
    ("method.n_samples=-1", "method.n_samples"),
    ("method.daa.beta=0", "method.daa.beta"),
    ("method.daa.beta=-0.5", "method.daa.beta"),
    ("method.sampling.temperature=-0.1", "method.sampling.temperature"),
    ("method.judge.k=0", "method.judge.k"),
    ("method.new_prompts=web", "method.new_prompts"),
    ("method.daa.loss=kto", "method.daa.loss"),
])
def test_out_of_range_method_values(make_cfg, override, key):
    cfg = make_cfg("method=self_rewarding", override)
    with pytest.raises(ConfigError) as err:
        method_config(get_method("self_rewarding"), cfg.method)
    assert key in str(err.value) and "expected" in str(err.value)


@pytest.mark.parametrize("override, key", [
    ("eval.temperature=-1", "eval.temperature"),
    ("data.world.label_noise=0.9", "data.world.label_noise"),
    ("sampler.batch_size=0", "sampler.batch_size"),
    ("data.n_eval_prompts=0", "data.n_eval_prompts"),
    ("eval.annotator=gpt4", "eval.annotator"),
    ("eval.lc_gamed=download", "eval.lc_gamed"),
    ("eval.lc_gamed=hub", "eval.lc_gamed"),  # alpaca_eval's gamed annotations fit its own instruction set only
    ("eval.annotator_both_orders=true", "eval.annotator_both_orders"),  # the oracle has no order to average
])
def test_out_of_range_global_values(make_cfg, override, key):
    with pytest.raises(ConfigError) as err:
        validate_config(make_cfg(override))
    assert key in str(err.value)


def test_unknown_method_key_is_rejected(make_cfg):
    cfg = make_cfg("method=self_rewarding", "+method.n_sample=3")
    with pytest.raises(ConfigError, match="n_sample"):
        method_config(get_method("self_rewarding"), cfg.method)
