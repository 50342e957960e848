"""Where each kind of record comes from: the embedded world's generators by default, a real
dataset's adapter for the kinds it provides when `data.source` is set, or a local file when that
kind's `data.*_path` is set (a file wins over the adapter). Results are memoised: every stage of a
run sees the same prompts."""

from __future__ import annotations

from functools import cached_property

from omegaconf import OmegaConf

from ..judges.rubric import RubricJudgeConfig
from ..judges.templates import render
from ..records import LabelledPair, PreferencePair, PromptRecord, SFTExample
from .local import load_local


class DataProvider:
    def __init__(self, dcfg, judge_template: str = RubricJudgeConfig.template):
        from ..world import WorldConfig

        self.dcfg = dcfg
        self.judge_template = judge_template
        self.world = WorldConfig(**(OmegaConf.to_container(dcfg.world) if OmegaConf.is_config(dcfg.world) else dcfg.world))
        self._source_memo: dict[tuple[str, int], list] = {}

    @cached_property
    def source(self):
        """The real-dataset adapter named by data.source, or None (the world). Its seeded choices
        (A/B order, UltraFeedback's rejected completion) use the data's own seed, data.world.seed,
        so they stay fixed across run seeds."""
        name = getattr(self.dcfg, "source", None)
        if not name:
            return None
        from .sources import open_source

        return open_source(name, self.dcfg.source_path, self.dcfg.source_subset, seed=self.world.seed,
                           render_judge_prompt=self.render_judge_prompt, n_judge_pairs=self.dcfg.n_judge_pairs)

    def from_source(self, kind: str) -> bool:
        """Whether records of this kind come from the data.source adapter."""
        return self.source is not None and kind in self.source.provides

    def _source_records(self, kind: str, limit: int) -> list:
        """The adapter's first `limit` records of a kind, read once per provider."""
        if (kind, limit) not in self._source_memo:
            self._source_memo[(kind, limit)] = getattr(self.source, kind)(limit)
        return self._source_memo[(kind, limit)]

    def check_local_files(self) -> None:
        """Reads every configured local file (and the data.source records that are read as whole
        sets) once, so a malformed row fails the run before any compute is spent on it."""
        kinds = {"train_prompts_path": PromptRecord, "eval_prompts_path": PromptRecord, "ift_path": SFTExample,
                 "eft_path": SFTExample, "preference_pairs_path": PreferencePair, "judge_pairs_path": LabelledPair}
        for key, cls in kinds.items():
            path = getattr(self.dcfg, key)
            if path:
                load_local(path, cls)
        if self.dcfg.alpaca_eval_set:
            _ = self.eval_prompts
        for kind in ("train_prompts", "eval_prompts", "preference_pairs", "judge_pairs"):
            if self.from_source(kind):
                _ = getattr(self, kind)

    def world_identity(self) -> dict:
        from ..judges.templates import TEMPLATES
        from ..world.generators import WORLD_VERSION

        # the judge templates shape the seed data too (EFT, meta-judge and pairwise prompts)
        # and the knobs that shape training text (the tiny base is pre-trained on IFT data)
        return {"families": self.world.family_names, "seed": self.world.seed, "version": WORLD_VERSION,
                "verbosity": self.world.verbosity, "ift_wrap_rate": self.world.ift_wrap_rate,
                "templates": {name: TEMPLATES[name] for name in sorted(TEMPLATES)}}

    def render_judge_prompt(self, instruction: str, response: str) -> str:
        return render(self.judge_template, instruction=instruction, response=response)

    # -- the tiny model's own pre-training data -----------------------------------------------
    def tokenizer_corpus(self) -> list[str]:
        from ..world import corpus_texts, eft_examples, preference_pairs

        judge_texts = eft_examples(self.world, 300, self.render_judge_prompt) + self.meta_judgments(100)
        # the pairwise A/B format too, so a pairwise judge's prompts are in the tokenizer's vocabulary
        judge_texts += self.pairwise_judgments_of(preference_pairs(self.world, 100), "pairwise_ab_v1")
        return corpus_texts(self.world, 6000) + [e.prompt + "\n" + e.response for e in judge_texts]

    def pretrain_examples(self, n: int) -> list[SFTExample]:
        from ..world import ift_examples

        return ift_examples(self.world, n)

    # -- records used by methods and evaluation ---------------------------------------------
    def _records(self, kind: str, path, record_type, n: int, from_world, cut: bool = False) -> list:
        """One record kind from, in order: its local file (cut to n when `cut`), the dataset
        adapter when data.source provides the kind, else the world's generator (`from_world()`)."""
        if path:
            rows = load_local(path, record_type)
            return rows[:n] if cut else rows
        if self.from_source(kind):
            return self._source_records(kind, n)
        return from_world()

    @cached_property
    def eval_prompts(self) -> list[PromptRecord]:
        if self.dcfg.alpaca_eval_set:
            from .alpaca_set import load_alpaca_eval_set

            return load_alpaca_eval_set(self.dcfg.alpaca_eval_set)[: self.dcfg.n_eval_prompts]
        from ..world import make_prompts

        n = self.dcfg.n_eval_prompts
        return self._records("eval_prompts", self.dcfg.eval_prompts_path, PromptRecord, n,
                             lambda: make_prompts(self.world, "eval", n))

    @cached_property
    def train_prompts(self) -> list[PromptRecord]:
        """Prompts for on-policy sampling; never the evaluation prompts."""
        from ..world import make_prompts

        n = self.dcfg.n_train_prompts
        prompts = self._records("train_prompts", self.dcfg.train_prompts_path, PromptRecord, n,
                                lambda: make_prompts(self.world, "prompts", n))
        held_out = {p.instruction for p in self.eval_prompts}
        return [p for p in prompts if p.instruction not in held_out]

    def ift(self, n: int) -> list[SFTExample]:
        from ..world import ift_examples

        return self._records("ift", self.dcfg.ift_path, SFTExample, n, lambda: ift_examples(self.world, n), cut=True)

    def eft(self, n: int) -> list[SFTExample]:
        from ..world import eft_examples

        return self._records("eft", self.dcfg.eft_path, SFTExample, n,
                             lambda: eft_examples(self.world, n, self.render_judge_prompt), cut=True)

    def meta_judgments(self, n: int) -> list[SFTExample]:
        """Meta-judge seed data: two reviews of one response, the verdict names the one whose
        checks are right. Made by the world's oracle, so it exists for the embedded world only
        (none is made for other data)."""
        if not n or self.source is not None or self.dcfg.eft_path:
            return []
        from ..world import meta_judgment_examples

        return meta_judgment_examples(self.world, n, lambda i, r, a, b: render(
            "meta_judge_v1", instruction=i, response=r, judgment_a=a, judgment_b=b))

    @staticmethod
    def pairwise_judgments_of(pairs: list[PreferencePair], template: str) -> list[SFTExample]:
        from ..judges.pairwise import jsft_examples

        return [e for p in pairs for e in jsft_examples(
            LabelledPair(p.prompt_id, p.prompt, p.chosen, p.rejected, label=0), template)]

    @cached_property
    def preference_pairs(self) -> list[PreferencePair]:
        from ..world import preference_pairs

        n = self.dcfg.n_preference_pairs
        return self._records("preference_pairs", self.dcfg.preference_pairs_path, PreferencePair, n,
                             lambda: preference_pairs(self.world, n))

    @cached_property
    def judge_pairs(self) -> list[LabelledPair]:
        from ..world import judge_test_pairs

        n = self.dcfg.n_judge_pairs
        return self._records("judge_pairs", self.dcfg.judge_pairs_path, LabelledPair, n,
                             lambda: judge_test_pairs(self.world, n))
