"""AdamW for one training phase: torch's, or bitsandbytes' 8-bit / paged 8-bit (a quarter of the
optimiser state), stepped through an fp32 copy when the trained weights are half precision
(an AdamW update of size lr·g is mostly below bf16's resolution near 1, so bf16 weights stepped
directly would barely move)."""

from __future__ import annotations

import torch

from ..errors import ConfigError

OPTIMISERS = ("adamw", "adamw_8bit", "paged_adamw_8bit")
_HALF = (torch.bfloat16, torch.float16)


def check_optimiser(kind: str, key: str) -> None:
    """Before any work: a known optimiser, and bitsandbytes installed when it is needed."""
    import importlib.util

    if kind not in OPTIMISERS:
        raise ConfigError(f"Invalid config value {key}={kind!r}: expected {' | '.join(OPTIMISERS)}. "
                          f"To fix: pass one on the command line, e.g. `{key}=adamw`.")
    if kind != "adamw" and importlib.util.find_spec("bitsandbytes") is None:
        raise ConfigError(f"Invalid config value {key}={kind!r}: it needs bitsandbytes, which is not installed. "
                          f"To fix: pip install -e '.[memory]', or use `{key}=adamw`.")


def _adamw(kind: str, params: list, lr: float, weight_decay: float) -> torch.optim.Optimizer:
    if kind == "adamw":
        return torch.optim.AdamW(params, lr=lr, weight_decay=weight_decay)
    import bitsandbytes as bnb  # present: check_optimiser ran when the config was validated
    cls = bnb.optim.AdamW8bit if kind == "adamw_8bit" else bnb.optim.PagedAdamW8bit
    return cls(params, lr=lr, weight_decay=weight_decay)


class Optimiser:
    """optimizer (for the scheduler), step() and zero_grad() over the trainable parameters."""

    def __init__(self, params: list, cfg):
        self.params = params
        self.master = None
        if cfg.fp32_master and any(p.dtype in _HALF for p in params):
            self.master = [torch.nn.Parameter(p.detach().float().clone()) for p in params]
        self.optimizer = _adamw(cfg.optimizer, self.master or params, cfg.lr, cfg.weight_decay)

    def step(self) -> None:
        if self.master is not None:
            for m, p in zip(self.master, self.params):
                m.grad = None if p.grad is None else p.grad.float()
                p.grad = None  # the half-precision gradient is not needed once copied
        self.optimizer.step()
        if self.master is not None:
            with torch.no_grad():
                for m, p in zip(self.master, self.params):
                    p.copy_(m)

    def zero_grad(self) -> None:
        self.optimizer.zero_grad(set_to_none=True)
        for p in self.params:
            p.grad = None
