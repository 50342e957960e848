"""The base of the judges that read next-token log-probabilities instead of generating text."""

from __future__ import annotations

from .judgment_cache import cached_calls, template_identity
from .protocol import JudgeCalls, report
from .templates import check_template, render


class LogitJudge:
    """Base of the judges that read next-token log-probabilities (one forward pass per input,
    nothing generated, so nothing can fail to parse); `answer_context` is the model-ready text
    right before the answer token, where the subclass derives its token ids."""

    kind = "pointwise"

    def __init__(self, sampler, template: str):
        self.sampler = sampler
        self.template = check_template(template)

    def answer_context(self, **fields) -> str:
        return self.sampler.policy.chat_prompt(render(self.template, **fields))

    def answer_logprobs(self, prompts: list[str], token_ids: list[int], prefix: str = "",
                        calls: JudgeCalls | None = None) -> list[list[float]]:
        """Log-probs of the answer tokens for each rendered judge prompt; prompts judged before by
        the same weights come from the judgment cache and cost no judge call."""
        identity = {"judge": type(self).__name__, **template_identity(self.template), "token_ids": list(token_ids),
                    "prefix": prefix}
        rows, computed = cached_calls(self.sampler, identity, prompts,
                                      lambda ps: self.sampler.next_token_logprobs(ps, token_ids, prefix=prefix))
        report(calls, computed)
        return rows
