"""GPU memory of each phase of a run, computed from the architecture and the memory knobs.

Counts, per rank, the bytes of: weights, gradients, AdamW state (fp32: 8 bytes per trained
parameter; 8-bit: 2), the fp32 master copy of half-precision trained weights, the frozen
reference copy of a full fine-tune (while its log-probs are computed), activations kept for the
backward pass, and the logits the loss takes log-softmax of. Activations count what a Llama-style
decoder layer saves per token (norm inputs and outputs, q/k/v before and after rotary, the
attention output, the four MLP tensors); gradient checkpointing keeps only each layer's input and
one layer's tensors. benchmarks/memory_plan.py checks these counts against tensors measured on CPU.
"""

from __future__ import annotations

from dataclasses import dataclass

GIB = 1024 ** 3
_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}


@dataclass(frozen=True)
class Architecture:
    name: str
    hidden: int
    layers: int
    intermediate: int
    vocab: int
    heads: int
    kv_heads: int
    tied: bool  # input embedding shared with the output head

    @property
    def kv_dim(self) -> int:
        return self.hidden // self.heads * self.kv_heads

    def layer_linears(self) -> dict[str, tuple[int, int]]:
        """(in, out) of each linear layer of one decoder layer."""
        h, kv, i = self.hidden, self.kv_dim, self.intermediate
        return {"q_proj": (h, h), "k_proj": (h, kv), "v_proj": (h, kv), "o_proj": (h, h),
                "gate_proj": (h, i), "up_proj": (h, i), "down_proj": (i, h)}

    def parameters(self) -> int:
        per_layer = sum(a * b for a, b in self.layer_linears().values()) + 2 * self.hidden  # + two RMSNorms
        embeddings = self.vocab * self.hidden * (1 if self.tied else 2)
        return self.layers * per_layer + embeddings + self.hidden  # + the final norm

    def lora_parameters(self, rank: int, targets: list[str]) -> int:
        linears = self.layer_linears()
        chosen = linears if targets == ["all-linear"] else {k: v for k, v in linears.items() if k in targets}
        return self.layers * sum(rank * (a + b) for a, b in chosen.values())

    @classmethod
    def from_hf(cls, config, name: str = "model") -> "Architecture":
        return cls(name, config.hidden_size, config.num_hidden_layers, config.intermediate_size, config.vocab_size,
                   config.num_attention_heads, getattr(config, "num_key_value_heads", None) or config.num_attention_heads,
                   bool(getattr(config, "tie_word_embeddings", False)))


# The sizes the README's memory table covers (shapes from each model's published config.json).
ARCHITECTURES = {
    "smollm2-135m": Architecture("SmolLM2-135M", 576, 30, 1536, 49152, 9, 3, True),
    "llama-3.2-1b": Architecture("Llama-3.2-1B", 2048, 16, 8192, 128256, 32, 8, True),
    "llama-3.1-8b": Architecture("Llama-3.1-8B", 4096, 32, 14336, 128256, 32, 8, False),
}


@dataclass(frozen=True)
class Setup:
    """The knobs memory depends on (names as in the config; one micro-batch per optimiser call)."""

    weights: str = "bfloat16"  # model.dtype
    lora_rank: int = 0  # 0 = full fine-tune; else model.lora.r
    lora_targets: tuple = ("q_proj", "k_proj", "v_proj", "o_proj")
    gradient_checkpointing: bool = False
    optimizer: str = "adamw"  # train.optimizer
    fp32_master: bool = True
    sequences: int = 32  # sequences per micro-batch: DAA pairs x 2, or SFT examples
    max_length: int = 512  # model.max_length
    activation_bytes: int = 2  # 2 under bf16 autocast (GPU), 4 in fp32
    ranks: int = 1
    strategy: str = "single"  # single | ddp | fsdp
    vllm_fraction: float = 0.0  # sampler.gpu_memory_utilization when sampler=vllm, else 0
    sleep_mode: bool = False
    gpu_gib: float = 80.0


def activation_bytes_per_token_layer(arch: Architecture, nbytes: int) -> int:
    h, kv, i = arch.hidden, arch.kv_dim, arch.intermediate
    saved = 4 * h  # two norm inputs and outputs
    saved += h + 2 * kv + h + kv  # q, k, v projections, then q and k after rotary
    saved += h + h  # attention output (o_proj input), residual sum
    saved += 4 * i  # gate, up, act(gate), act(gate) * up (down_proj input)
    return saved * nbytes


def training_phase(arch: Architecture, s: Setup) -> dict[str, float]:
    """Bytes per rank of one training step's peak, by component, for `s.sequences` sequences per
    rank. With FSDP the weights, gradients and optimiser state of the trained copy are split over
    ranks; rank 0 also keeps the whole network it samples with (harness.distributed), counted as
    `sampling copy` (and, for a moment before sharding, a second whole copy it shards from)."""
    wbytes = _BYTES[s.weights]
    total = arch.parameters()
    trained = arch.lora_parameters(s.lora_rank, list(s.lora_targets)) if s.lora_rank else total
    tbytes = 4 if s.lora_rank else wbytes  # peft keeps adapters in fp32
    shard = s.ranks if s.strategy == "fsdp" else 1
    master = s.fp32_master and tbytes == 2
    parts = {
        "weights": (total * wbytes + (trained * 4 if s.lora_rank else 0)) / shard,
        # at the optimiser step a master copy's gradient is fp32 (the half one is dropped as it is copied)
        "gradients": trained * (4 if master else tbytes) / shard,
        "optimizer state": trained * (2 if "8bit" in s.optimizer else 8) / shard,
        "fp32 master": trained * 4 / shard if master else 0.0,
    }
    if s.strategy == "fsdp" and s.ranks > 1:
        parts["sampling copy"] = total * wbytes
    tokens = s.sequences * s.max_length
    per_layer = activation_bytes_per_token_layer(arch, s.activation_bytes)
    if s.gradient_checkpointing:
        parts["activations"] = tokens * arch.layers * arch.hidden * s.activation_bytes  # each layer's input
        parts["recomputed layer"] = tokens * per_layer  # during backward, one layer at a time
    else:
        parts["activations"] = tokens * arch.layers * per_layer
    parts["log-probs"] = tokens * arch.vocab * 4  # the fp32 log-softmax over the vocabulary, kept for backward
    parts["log-probs backward"] = tokens * arch.vocab * 8  # two fp32 gradients of that size, briefly
    return parts


def reference_phase(arch: Architecture, s: Setup) -> dict[str, float]:
    """Computing the reference log-probs: a full fine-tune holds the frozen copy next to the
    policy (freed before training); LoRA's reference is the same network with the adapter off."""
    w = arch.parameters() * _BYTES[s.weights]
    tokens = s.sequences * s.max_length
    return {"weights": w, "reference copy": 0.0 if s.lora_rank else w,
            "log-probs": tokens * arch.vocab * (s.activation_bytes + 4)}  # head output and its log-softmax, no grad


def plan(arch: Architecture, s: Setup) -> dict[str, float]:
    """GiB per phase, and the run's peak with a colocated vLLM engine (which holds its share of
    the GPU throughout unless it sleeps while training)."""
    train = sum(training_phase(arch, s).values()) / GIB
    ref = sum(reference_phase(arch, s).values()) / GIB
    engine = s.vllm_fraction * s.gpu_gib
    colocated = max(train, ref) if s.sleep_mode else max(train, ref) + engine
    return {"reference": ref, "training": train, "vllm engine": engine, "peak": max(colocated, engine)}
