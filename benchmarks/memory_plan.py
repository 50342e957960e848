"""Memory plan: the peak GPU memory of each phase for SmolLM2-135M, Llama-3.2-1B and Llama-3.1-8B,
with LoRA and with a full fine-tune, computed by harness/planning/memory.py; then the same counts
checked against tensors measured on this machine (weights, gradients, optimiser state after one
real step; the bytes autograd saves for backward), and on a GPU the measured peak of a step.

    python benchmarks/memory_plan.py [--sequences 8] [--max-length 1024] [--gpu-gib 80]
"""

from __future__ import annotations

import argparse
import gc
from dataclasses import replace

import torch
from report import machine, write_section

from harness.planning.memory import ARCHITECTURES, GIB, Architecture, Setup, plan, training_phase
from harness.planning.memory_check import build, measure

COMPONENTS = ("weights", "gradients", "optimizer state", "fp32 master", "activations", "log-probs")


def _gib(x: float) -> str:
    return f"{x / GIB:.1f}"


def computed_table(base: Setup) -> str:
    variants = [
        ("LoRA r=16, all linear", dict(lora_rank=16, lora_targets=("all-linear",))),
        ("full fine-tune", dict()),
        ("full, 8-bit AdamW", dict(optimizer="adamw_8bit")),
        ("full, FSDP over 8 GPUs", dict(strategy="fsdp", ranks=8)),
    ]
    rows = ["| model | training | " + " | ".join(COMPONENTS) + " | other | training peak | reference phase | "
            f"peak with vLLM at {base.vllm_fraction:.0%} | with sleep mode | fits on {base.gpu_gib:.0f} GB |",
            "|---|---|" + "---|" * (len(COMPONENTS) + 6)]
    for arch in ARCHITECTURES.values():
        for label, knobs in variants:
            s = replace(base, **knobs)
            parts = training_phase(arch, s)
            other = sum(v for k, v in parts.items() if k not in COMPONENTS)
            p, slept = plan(arch, s), plan(arch, replace(s, sleep_mode=True))
            if s.ranks > 1:  # several processes sample with HF generate (vLLM is refused there)
                alone = max(p["training"], p["reference"])
                engine, asleep, fits = "–", "–", "yes (sampler=hf)" if alone <= s.gpu_gib else "no"
            else:
                engine, asleep = f"{p['peak']:.1f}", f"{slept['peak']:.1f}"
                fits = "yes" if p["peak"] <= s.gpu_gib else ("with sleep mode" if slept["peak"] <= s.gpu_gib else "no")
            rows.append(f"| {arch.name} ({arch.parameters() / 1e9:.2f}B) | {label} | "
                        + " | ".join(_gib(parts.get(k, 0.0)) for k in COMPONENTS)
                        + f" | {_gib(other)} | {p['training']:.1f} | {p['reference']:.1f} | {engine} | {asleep} | {fits} |")
    return "\n".join(rows)


def measured_table(device: str) -> str:
    """Computed against measured, on shapes this machine can train: the static parts must match
    exactly; the saved activations are compared as a ratio."""
    small = Architecture("small Llama", 128, 4, 384, 1024, 4, 2, True)
    checks = [
        (small, Setup(weights="float32", activation_bytes=4, sequences=4, max_length=64)),
        (small, Setup(weights="float32", activation_bytes=4, sequences=4, max_length=64, gradient_checkpointing=True)),
        (ARCHITECTURES["smollm2-135m"], Setup(weights="float32", activation_bytes=4, sequences=4, max_length=64)),
        (ARCHITECTURES["smollm2-135m"], Setup(weights="bfloat16", activation_bytes=2, sequences=4, max_length=64)),
        (ARCHITECTURES["smollm2-135m"], Setup(weights="float32", activation_bytes=4, sequences=4, max_length=64,
                                              gradient_checkpointing=True)),
        (ARCHITECTURES["smollm2-135m"], Setup(weights="float32", activation_bytes=4, sequences=4, max_length=64,
                                              lora_rank=8, lora_targets=("all-linear",))),
    ]
    try:
        import bitsandbytes  # noqa: F401
        checks.append((ARCHITECTURES["smollm2-135m"], Setup(weights="float32", activation_bytes=4, sequences=4,
                                                            max_length=64, optimizer="adamw_8bit")))
    except ImportError:
        pass
    rows = ["| model | setup | weights MB (computed / measured) | gradients MB | optimizer state MB | fp32 master MB | "
            "saved for backward MB (activations + log-probs) | measured / computed |", "|---|---|---|---|---|---|---|---|"]
    for arch, s in checks:
        computed, got = training_phase(arch, s), measure(build(arch, s, device), s)
        saved = computed["activations"] + computed["log-probs"]
        setup = (f"{s.weights}, {'LoRA r=%d' % s.lora_rank if s.lora_rank else 'full'}, {s.optimizer}"
                 f"{', checkpointing' if s.gradient_checkpointing else ''}, {s.sequences}x{s.max_length} tokens")
        cells = [f"{computed[k] / 1e6:.2f} / {got[k] / 1e6:.2f}" for k in ("weights", "gradients", "optimizer state", "fp32 master")]
        rows.append(f"| {arch.name} | {setup} | " + " | ".join(cells)
                    + f" | {saved / 1e6:.1f} / {got['saved for backward'] / 1e6:.1f} | {got['saved for backward'] / saved:.2f} |")
        gc.collect()
    return "\n".join(rows)


def gpu_table(base: Setup) -> str:
    """On a GPU: the measured peak of one bf16 training step against the computed training peak."""
    rows = ["| model | training | computed peak GiB | measured peak GiB |", "|---|---|---|---|"]
    for arch in (ARCHITECTURES["smollm2-135m"], ARCHITECTURES["llama-3.2-1b"]):
        for label, knobs in (("LoRA r=16, all linear", dict(lora_rank=16, lora_targets=("all-linear",))), ("full", {})):
            s = replace(base, **knobs)
            torch.cuda.empty_cache()
            torch.cuda.reset_peak_memory_stats()
            with torch.autocast("cuda", dtype=torch.bfloat16):
                measure(build(arch, s, "cuda"), s)
            rows.append(f"| {arch.name} | {label} | {plan(arch, s)['training']:.2f} | "
                        f"{torch.cuda.max_memory_allocated() / GIB:.2f} |")
            gc.collect()
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sequences", type=int, default=8, help="sequences per micro-batch (DAA: 2 per pair)")
    ap.add_argument("--max-length", type=int, default=1024, help="tokens per sequence (model.max_length)")
    ap.add_argument("--gpu-gib", type=float, default=80.0, help="memory of one GPU")
    ap.add_argument("--vllm-fraction", type=float, default=0.5, help="sampler.gpu_memory_utilization when colocated")
    args = ap.parse_args()
    base = Setup(weights="bfloat16", gradient_checkpointing=True, sequences=args.sequences, max_length=args.max_length,
                 vllm_fraction=args.vllm_fraction, gpu_gib=args.gpu_gib)
    command = "python benchmarks/memory_plan.py" + (f" --sequences {args.sequences} --max-length {args.max_length}"
                                                    f" --gpu-gib {args.gpu_gib:g} --vllm-fraction {args.vllm_fraction:g}")
    body = [f"## Memory plan\n\n`{command}` on {machine()}.\n",
            f"Computed GiB per GPU: bf16 weights, gradient checkpointing on, AdamW (fp32 state) unless named, one "
            f"micro-batch of {args.sequences} sequences x {args.max_length} tokens per GPU. 'other' is rank 0's whole "
            "sampling copy under FSDP, the one recomputed layer and the log-softmax's gradients in backward. With a "
            "master copy the gradients are counted in fp32, as they are at the optimiser step. The reference "
            "phase (a full fine-tune's frozen copy while its log-probs are computed) is freed before training. "
            "vLLM colocated holds its share of the GPU throughout, unless it sleeps during training "
            "(sampler.sleep_mode); with several processes (dist=) sampling uses HF generate.\n", computed_table(base),
            "\n### Computed against measured on this machine\n\nOne real step on random tokens: weights, gradients, "
            "optimiser state and the fp32 master copy are summed over the tensors that exist afterwards; 'saved for "
            "backward' is every storage autograd keeps at the end of the forward pass (weights excluded).\n",
            measured_table("cpu")]
    if torch.cuda.is_available():
        body += ["\n### Measured peak on the GPU\n", gpu_table(base)]
    else:
        body.append("\nNo GPU on this machine: the measured GPU peaks are filled in when this runs on one.")
    write_section("memory-plan", "\n".join(body))


if __name__ == "__main__":
    main()
