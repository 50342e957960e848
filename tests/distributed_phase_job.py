"""One training phase through the shared `optimise`, on however many processes launched it.

`python tests/distributed_phase_job.py STRATEGY LOSS OUT [SEED]` (one process) or under
`torchrun --nproc_per_node 2 ...`: builds a small Llama (same seed everywhere), runs a DAA or SFT
phase whose batches split unevenly across ranks (one batch smaller than the world), and saves
the per-step numbers the loop logs and the final weights, for tests/test_distributed.py.
"""

from __future__ import annotations

import random
import sys

import torch
from omegaconf import OmegaConf
from transformers import LlamaConfig, LlamaForCausalLM

from harness.config import TrainConfig
from harness.distributed import runtime
from harness.distributed.phase import serve
from harness.tracking import current
from harness.training.daa import DAALoss, logps_of
from harness.training.loop import optimise
from harness.training.sft import SFTLoss

N_ITEMS = 13  # with batch_size 4: batches of 4, 4, 4, 1


class StepRecorder:
    """Stands in for a tracker backend: keeps what the loop logs per optimiser step."""

    def __init__(self):
        self.steps = []

    def scalars(self, numbers, step):
        self.steps.append(numbers)

    def close(self):
        pass


def sequences(rng: random.Random, n: int) -> list[tuple[list[int], list[int]]]:
    out = []
    for _ in range(n):
        prompt = [rng.randrange(1, 64) for _ in range(rng.randint(2, 6))]
        answer = [rng.randrange(1, 64) for _ in range(rng.randint(1, 8))]
        out.append((prompt + answer, [-100] * len(prompt) + answer))
    return out


def main(strategy: str, kind: str, out: str, seed: str = "3") -> None:
    torch.set_num_threads(1)
    if runtime.init_from_env() and runtime.rank() != 0:
        return serve()
    try:
        runtime.configure(OmegaConf.create({"dist": {"strategy": strategy}, "sampler": {"backend": "hf"}}))
        torch.manual_seed(0)
        model = LlamaForCausalLM(LlamaConfig(vocab_size=64, hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                                             num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=64))
        if kind == "daa_lora":
            from peft import LoraConfig, get_peft_model

            model = get_peft_model(model, LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj"]))
        rng = random.Random(0)
        if kind == "sft":
            loss = SFTLoss(sequences(rng, N_ITEMS), pad_id=0)
        else:
            seqs = sequences(rng, 2 * N_ITEMS)
            with torch.no_grad():
                ref = logps_of(model, seqs, list(range(len(seqs))), "sum", 0, torch.device("cpu"))[0].detach()
            dcfg = OmegaConf.create({"loss": "dpo", "beta": 0.1, "gamma": 0.0, "nll_weight": 0.5})
            ref[1::2] -= 0.3  # the rejected answers start less likely than under the reference: margins > 0
            loss = DAALoss(seqs, ref, dcfg, "sum", pad_id=0)
        train = TrainConfig(lr=5e-3, epochs=2, batch_size=4, grad_accum=2, warmup_ratio=0.2, weight_decay=0.01)
        current._TRACKER = recorder = StepRecorder()
        stats = optimise(model, N_ITEMS, loss, train, seed=int(seed), desc=kind, progress=False)
        state = {k: v.detach().clone() for k, v in model.state_dict().items()}
        torch.save({"steps": recorder.steps, "stats": stats, "state": state}, out)
    finally:
        current._TRACKER = None
        runtime.shutdown()


if __name__ == "__main__":
    main(*sys.argv[1:5])
