"""A cheap identity for a network's current weights, for caches that must never serve results of
other weights. Each tensor contributes its name, shape, dtype, its float64 sum and a strided sample
of its values: a training step moves all of these, and hashing a sample instead of every byte keeps
this to milliseconds even for large models on an accelerator."""

from __future__ import annotations

import hashlib

import torch


@torch.no_grad()
def weights_fingerprint(model, samples_per_tensor: int = 64) -> str:
    digest = hashlib.sha256()
    for name, tensor in model.state_dict().items():
        flat = tensor.detach().reshape(-1)
        digest.update(f"{name}:{tuple(tensor.shape)}:{tensor.dtype}".encode())
        if flat.numel() == 0:
            continue
        if not (flat.is_floating_point() or flat.is_complex()):
            flat = flat.double()
        steps = min(samples_per_tensor, flat.numel())
        # integer arithmetic: float positions round past the end of tensors with tens of millions of values
        idx = torch.arange(steps, device=flat.device) * (flat.numel() - 1) // max(steps - 1, 1)
        digest.update(flat.double().sum().cpu().numpy().tobytes())
        digest.update(flat[idx].double().cpu().numpy().tobytes())
    return digest.hexdigest()[:20]
