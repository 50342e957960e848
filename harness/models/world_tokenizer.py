"""A byte-level BPE tokenizer trained on the embedded world's text.

Built so that the logit judges work on it the way they do on real tokenizers: every digit is its
own token (digit-expectation judges read one position), and "A", "B", " A", " B" are single
tokens (pairwise letter judges). Capital letters are never merged with their neighbours: the
world's answers are strings of capitals and digits, and a model that sees the same token for a
symbol wherever it stands can learn a family's rule (sort, sort descending, alphabetical order) instead of
memorising merged chunks.
"""

from __future__ import annotations

from typing import Iterable

from tokenizers import Regex, Tokenizer, decoders, models, pre_tokenizers, trainers
from transformers import PreTrainedTokenizerFast

USER, ASSISTANT, END, PAD = "<|user|>", "<|assistant|>", "<|end|>", "<|pad|>"

# One turn per message; the assistant turn ends with END, which is also EOS so generation stops
# at the end of a turn. Written for this tokenizer only.
CHAT_TEMPLATE = (
    "{% for m in messages %}"
    "{% if m['role'] == 'user' %}" + USER + "\n{{ m['content'] }}" + END + "\n"
    "{% elif m['role'] == 'assistant' %}" + ASSISTANT + "\n{{ m['content'] }}" + END + "\n"
    "{% else %}<|system|>\n{{ m['content'] }}" + END + "\n{% endif %}"
    "{% endfor %}"
    "{% if add_generation_prompt %}" + ASSISTANT + "\n{% endif %}"
)

# Guarantees the merges " A" and " B" (the pairwise judges' answer tokens).
_LETTER_DRILL = " A B A B" * 2000


def train_world_tokenizer(texts: Iterable[str], vocab_size: int) -> PreTrainedTokenizerFast:
    tok = Tokenizer(models.BPE(unk_token=None))
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        # A capital is its own token, whatever precedes it, so "PVZG" after "of " and at the
        # start of an answer are the same four tokens; only a capital standing alone (the judges'
        # " A" / " B") keeps its leading space, as real tokenizers have it.
        pre_tokenizers.Split(Regex(" [A-Z](?![A-Za-z])|[A-Z]"), behavior="isolated"),
        pre_tokenizers.Digits(individual_digits=True),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=True),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        special_tokens=[PAD, USER, ASSISTANT, END, "<|system|>"],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
        show_progress=False,
    )
    tok.train_from_iterator(list(texts) + [_LETTER_DRILL], trainer=trainer)
    fast = PreTrainedTokenizerFast(
        tokenizer_object=tok, eos_token=END, pad_token=PAD, bos_token=None, unk_token=None,
    )
    fast.chat_template = CHAT_TEMPLATE
    fast.padding_side = "left"
    return fast
