"""The policy: one causal LM + tokenizer, with the training-time adapter and reference logic.

Between stages the policy is always a plain network holding M_t. A training stage calls
`begin_training()`: with LoRA it attaches a fresh adapter (so the adapter-disabled network *is*
M_t, the reference); with full fine-tuning it keeps a frozen copy of M_t as the reference.
`end_training()` merges the adapter (LoRA) or drops the copy, leaving M_{t+1}.
"""

from __future__ import annotations

import contextlib
import copy
from pathlib import Path

import torch
from transformers import AutoModelForCausalLM, AutoTokenizer


def peft_targets(targets) -> list[str] | str:
    """model.lora.target_modules as peft takes it: [all-linear] is peft's "all-linear" keyword."""
    targets = list(targets)
    return "all-linear" if targets == ["all-linear"] else targets


class Policy:
    def __init__(self, model, tokenizer, device: torch.device, lora_cfg=None, name: str = "model",
                 gradient_checkpointing: bool = False):
        self.model = model.to(device)
        self.model.eval()
        self.tokenizer = tokenizer
        self.device = device
        self.lora_cfg = lora_cfg
        self.name = name
        self.gradient_checkpointing = gradient_checkpointing
        self._frozen_reference = None
        if tokenizer.pad_token_id is None:
            tokenizer.pad_token = tokenizer.eos_token
        tokenizer.padding_side = "left"

    # -- text formatting ----------------------------------------------------------------------
    def chat_prompt(self, user_text: str) -> str:
        """The model-ready prompt string for a single user turn, up to the assistant's answer."""
        return self.tokenizer.apply_chat_template(
            [{"role": "user", "content": user_text}], tokenize=False, add_generation_prompt=True
        )

    def stop_token_ids(self) -> list[int]:
        ids = {self.tokenizer.eos_token_id}
        gen = getattr(self.model, "generation_config", None)
        extra = getattr(gen, "eos_token_id", None) if gen is not None else None
        if isinstance(extra, int):
            ids.add(extra)
        elif extra:
            ids.update(extra)
        return sorted(i for i in ids if i is not None)

    def encode_example(self, user_text: str, response: str, max_length: int):
        """Token ids and labels for SFT: prompt tokens are masked (-100), the answer and its
        end-of-turn token are learned."""
        prompt_ids = self.tokenizer(self.chat_prompt(user_text), add_special_tokens=False)["input_ids"]
        answer_ids = self.tokenizer(response, add_special_tokens=False)["input_ids"]
        answer_ids = answer_ids + [self.tokenizer.eos_token_id]
        ids = (prompt_ids + answer_ids)[:max_length]
        labels = ([-100] * len(prompt_ids) + answer_ids)[:max_length]
        return ids, labels

    # -- training lifecycle -------------------------------------------------------------------
    @property
    def uses_lora(self) -> bool:
        return bool(self.lora_cfg is not None and self.lora_cfg.enabled)

    def begin_training(self, keep_reference: bool = True):
        """keep_reference=False: no reference network is needed (reference-free loss, or reference
        log-probs computed elsewhere), so a full fine-tune skips its frozen copy of M_t."""
        if self.uses_lora:
            from peft import LoraConfig, get_peft_model

            cfg = LoraConfig(
                r=self.lora_cfg.r, lora_alpha=self.lora_cfg.alpha, lora_dropout=self.lora_cfg.dropout,
                target_modules=peft_targets(self.lora_cfg.target_modules), task_type="CAUSAL_LM",
            )
            self.model = get_peft_model(self.model, cfg)
        elif keep_reference:
            self._frozen_reference = copy.deepcopy(self.model).eval()
            for p in self._frozen_reference.parameters():
                p.requires_grad_(False)
        if self.gradient_checkpointing:
            self.model.gradient_checkpointing_enable(gradient_checkpointing_kwargs={"use_reentrant": False})
        self.model.train()
        return self.model

    def release_reference(self) -> None:
        """Frees the frozen copy of M_t once its log-probs are computed (full fine-tune; with LoRA
        the reference is the adapter-disabled network and costs nothing)."""
        self._frozen_reference = None

    def end_training(self) -> None:
        if self.gradient_checkpointing:
            self.model.gradient_checkpointing_disable()
        if self.uses_lora and hasattr(self.model, "merge_and_unload"):
            self.model = self.model.merge_and_unload()
        self._frozen_reference = None
        self.model.eval()

    @contextlib.contextmanager
    def reference(self):
        """Yields the reference network M_t while a training stage is open."""
        if self.uses_lora and hasattr(self.model, "disable_adapter"):
            with self.model.disable_adapter():
                yield self.model
        elif self._frozen_reference is not None:
            yield self._frozen_reference
        else:
            raise RuntimeError("reference() is only defined between begin_training() and end_training(), and not after "
                               "release_reference() or begin_training(keep_reference=False)")

    # -- persistence --------------------------------------------------------------------------
    def save(self, folder: Path) -> None:
        self.model.save_pretrained(folder, safe_serialization=True)
        self.tokenizer.save_pretrained(folder)

    def load_weights(self, folder: Path) -> None:
        loaded = AutoModelForCausalLM.from_pretrained(folder, dtype=next(self.model.parameters()).dtype)
        self.model.load_state_dict(loaded.state_dict())
        self.model.eval()

    @classmethod
    def from_folder(cls, folder: Path, device, lora_cfg=None, dtype=torch.float32, name="model"):
        tokenizer = AutoTokenizer.from_pretrained(folder)
        model = AutoModelForCausalLM.from_pretrained(folder, dtype=dtype)
        return cls(model, tokenizer, device, lora_cfg=lora_cfg, name=name)
