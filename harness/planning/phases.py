"""A run's work, phase by phase, as a method's recipe fixes it before anything runs.

A Phase is one stage of a run, named as the run names it (`iter1/judge`, `eval/M2/outputs`), with
the counts the run's cost counters will record when nothing is served from the judgment cache
(harness/context.py: sampler_calls, judge_calls, tokens_generated, train_tokens). Counts the
recipe fixes are exact; counts that depend on what the model writes (pairs kept after ties,
deduplicated samples, meta-judge requests) are upper bounds and say so. Token counts are bounds
(sequences x max_new_tokens, training sequences x model.max_length) until stored runs of the
same recipe give measured rates (bill.measured).

The shared stages (seed model, evaluation, inference-time candidates) are built here; each method
adds its own phases with the plan function it registers (harness/registry.py)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Phase:
    stage: str
    sequences: int = 0  # sequences generated through the run's sampler (each adds <= max_new_tokens)
    max_new_tokens: int = 0
    forward_calls: int = 0  # log-prob passes through the run's sampler: sampler calls without tokens
    judge_calls: int = 0  # judge calls with a cold judgment cache
    judge_generates: bool = False  # the sequences are a judge's (reviews, verdicts), not the policy's answers
    train_sequences: int = 0  # training sequences per epoch (a preference pair is two)
    epochs: int = 1
    prompts: int = 0  # fresh training prompts drawn from the pool
    loads: int = 0  # model copies loaded besides the policy (frozen references, judges)
    syncs: int = 0  # times the sampler must take the policy's new weights (vLLM: one reload each)
    exact: bool = True  # False: the counts are upper bounds that depend on what the model writes

    @property
    def evaluation(self) -> bool:
        return self.stage.startswith("eval/")

    @property
    def sampler_calls(self) -> int:
        return self.sequences + self.forward_calls


def seed_model(cfg, examples: int) -> Phase:
    """Building M1: the shared seed SFT (`seed_sft`), examples x epochs sequences. Its cost is
    charged to every run that uses it, built or found in the cache."""
    return Phase("seed_sft", train_sequences=examples, epochs=int(cfg.seed_sft.train.epochs), loads=1)


def eft_examples(cfg) -> int:
    """The EFT seed mix (IFT + rubric reviews + meta-judgments on the world)."""
    s = cfg.seed_sft
    meta = int(s.meta_judge_examples) if _on_world(cfg) and not cfg.data.eft_path else 0
    return int(s.ift_examples) + int(s.eft_examples) + meta


def _on_world(cfg) -> bool:
    return not cfg.data.get("source")


@dataclass(frozen=True)
class JudgeCost:
    """What one judged item costs a judge: its calls, the tokens each call writes (0 for a judge
    that reads log-probs), and whether it runs on the run's sampler (the implicit-reward judge
    reads the policy directly)."""
    calls_per_item: int = 1
    tokens: int = 0
    on_sampler: bool = True

    def phase(self, stage: str, items: int, exact: bool = True) -> Phase:
        calls = items * self.calls_per_item
        if not self.on_sampler:
            return Phase(stage, judge_calls=calls, exact=exact)
        if self.tokens:
            return Phase(stage, judge_calls=calls, sequences=calls, max_new_tokens=self.tokens, judge_generates=True,
                         exact=exact)
        return Phase(stage, judge_calls=calls, forward_calls=calls, exact=exact)


def evaluate(cfg, model: str, judge: JudgeCost | None = None) -> list[Phase]:
    """stages.evaluate for model M: greedy outputs on the evaluation prompts, and, for a method
    that passes its judge, the judge's accuracy on the labelled pairs (both responses of each)."""
    e = cfg.eval
    phases = [Phase(f"eval/{model}/outputs", sequences=n_eval(cfg), max_new_tokens=int(e.max_new_tokens))]
    if judge is not None and e.judge_accuracy and cfg.data.n_judge_pairs:
        phases.append(judge.phase(f"eval/{model}/judge_accuracy", 2 * int(cfg.data.n_judge_pairs)))
    return phases


def n_eval(cfg) -> int:
    """Evaluation prompts: data.n_eval_prompts (a local evaluation file may hold fewer)."""
    return int(cfg.data.n_eval_prompts)


def candidates(cfg, stage: str, inference) -> Phase:
    """N sampled outputs per evaluation prompt for inference-time selection (N = the largest asked)."""
    return Phase(stage, sequences=n_eval(cfg) * inference.max_n, max_new_tokens=int(inference.sampling.max_new_tokens))


def new_prompts(cfg, stage: str, n: int, mode: str) -> Phase:
    """An iteration's fresh prompts: the next slice of the pool (no model work), or written by the
    model (self_instruct: 2 requests per missing prompt a round, up to 4 rounds, 40 new tokens
    each; how many rounds depends on how many come back new)."""
    if mode == "dataset":
        return Phase(stage, prompts=n)
    return Phase(stage, sequences=8 * n, max_new_tokens=40, exact=False)
