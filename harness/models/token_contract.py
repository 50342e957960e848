"""Token ids that logit judges read, derived per tokenizer (never hard-coded)."""

from __future__ import annotations

from ..errors import TokenizerContractError


def single_token_id(tokenizer, prefix: str, text: str) -> int:
    """The id of `text` when it directly follows `prefix`, refusing if it is not one token.

    Encoding `prefix + text` and diffing against `prefix` catches tokenizers that merge the
    text with the preceding characters (where encoding `text` alone would give a wrong id).
    """
    base = tokenizer(prefix, add_special_tokens=False)["input_ids"]
    full = tokenizer(prefix + text, add_special_tokens=False)["input_ids"]
    if full[: len(base)] != base or len(full) - len(base) != 1:
        raise TokenizerContractError(
            f"Tokenizer {getattr(tokenizer, 'name_or_path', '?')!r} does not encode {text!r} as a single "
            f"token after {prefix[-40:]!r} (got {len(full) - len(base)} tokens). Logit judges need one "
            f"token per answer option; use a model whose tokenizer does, or a generative judge instead."
        )
    return full[-1]


def digit_token_ids(tokenizer, prefix: str) -> list[int]:
    return [single_token_id(tokenizer, prefix, str(d)) for d in range(10)]
