"""alpaca_eval's own API annotators (e.g. `weighted_alpaca_eval_gpt4_turbo`, the annotator of the
public AlpacaEval 2 leaderboard), run through its `PairwiseAnnotator`: alpaca_eval renders its
prompt, calls the API, parses the answer and randomises the output order itself. Only numbers
from the official annotator config are comparable with the public leaderboard.

Annotations are cached in the selfalign cache folder (alpaca_eval's own cache format), so
re-scoring a run, or scoring the same output twice, is not paid for twice. Each pair is sent in a
canonical order and flipped back, so both orders of one comparison share one cache entry.
"""

from __future__ import annotations

import logging
import math
import os
import warnings
from pathlib import Path

from ..errors import ConfigError, ServiceError

OFFICIAL_CONFIG = "weighted_alpaca_eval_gpt4_turbo"
KEY_VARIABLES = ("OPENAI_API_KEY", "OPENAI_API_KEYS")


def api_credentials_present() -> bool:
    """A key in the environment, or an alpaca_eval client config file (its recommended way)."""
    config_file = os.environ.get("OPENAI_CLIENT_CONFIG_PATH")
    return any(os.environ.get(k) for k in KEY_VARIABLES) or bool(config_file and Path(config_file).is_file())


class _QuietClientNotice(logging.Filter):
    """alpaca_eval warns on every request that it builds its client from environment variables;
    that is the documented way to pass a key here, so say nothing. It also logs a full traceback
    for a request error before raising it; `prefer` turns that error into one paragraph, so the
    traceback would only bury it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("We are using environment variables to construct the client" in message
                    or message.startswith("Unknown error:"))


def _service_error(err: Exception, config: str) -> ServiceError:
    """One paragraph for an API request that failed for a reason the user can fix."""
    import openai

    request = getattr(err, "request", None)
    where = str(request.url) if request is not None else os.environ.get("OPENAI_BASE_URL", "the OpenAI API")
    if isinstance(err, openai.APIConnectionError):  # also a timeout
        what = f"cannot reach {where} ({err}). Check the network, a proxy, or OPENAI_BASE_URL"
    elif isinstance(err, openai.AuthenticationError):
        what = f"{where} refused the API key (401). Check OPENAI_API_KEY or the client config file"
    else:
        status = getattr(err, "status_code", None)
        what = (f"{where} answered {status}: {getattr(err, 'message', err)}. Check the account's quota and that "
                f"it may use the config's model")
    return ServiceError(
        f"eval.annotator=api (alpaca_eval config {config!r}): {what}. Annotations made before this one are cached, "
        f"and finished stages are kept, so the same command resumes once the API answers; eval.annotator=model "
        f"evaluates offline instead.")


def _preference(value) -> float | None:
    """alpaca_eval's preference: 1..2, 0 when both outputs are identical (a draw), NaN when the
    API gave nothing parseable (a failure)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    value = float(value)
    return 1.5 if value == 0 else value


class ApiAnnotator:
    def __init__(self, config: str = OFFICIAL_CONFIG, cache_root: str = "~/.cache/selfalign", seed: int = 0):
        if not api_credentials_present():
            raise ConfigError(
                f"eval.annotator=api (alpaca_eval config {config!r}) needs API credentials, and none are set. "
                f"Export OPENAI_API_KEY (or OPENAI_CLIENT_CONFIG_PATH, alpaca_eval's client config file), or use "
                f"eval.annotator=model for an offline local judge.")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # alpaca_eval imports the deprecated pkg_resources
            from alpaca_eval.annotators import PairwiseAnnotator

        root = logging.getLogger()
        if not any(isinstance(f, _QuietClientNotice) for f in root.filters):
            root.addFilter(_QuietClientNotice())
        folder = Path(cache_root).expanduser() / "alpaca_eval_annotations"
        folder.mkdir(parents=True, exist_ok=True)
        self.name = f"api:{config}"
        self.config = config
        self.cost_usd = 0.0
        try:
            self.annotator = PairwiseAnnotator(annotators_config=config, seed=seed,
                                               caching_path=folder / f"{config}_seed{seed}.json")
        except (FileNotFoundError, KeyError, ValueError) as e:
            raise ConfigError(f"alpaca_eval has no annotator config {config!r} ({type(e).__name__}: {e}). Use one of the "
                              f"folder names under alpaca_eval/evaluators_configs, e.g. {OFFICIAL_CONFIG}.") from None

    def prefer(self, prompts, outputs_1, outputs_2) -> list[float | None]:
        swapped = [o1 > o2 for o1, o2 in zip(outputs_1, outputs_2)]
        rows = [{"instruction": p.instruction, "output_1": o2 if s else o1, "output_2": o1 if s else o2}
                for p, o1, o2, s in zip(prompts, outputs_1, outputs_2, swapped)]
        if not rows:
            return []
        import openai

        try:
            annotated = self.annotator.annotate_pairs(rows)
        except openai.OpenAIError as err:  # alpaca_eval retries rate limits itself; what reaches here is final
            raise _service_error(err, self.config) from None
        by_key = {(a["instruction"], a["output_1"], a["output_2"]): a for a in annotated}
        out = []
        for row, s in zip(rows, swapped):
            found = by_key.get((row["instruction"], row["output_1"], row["output_2"]), {})
            price = found.get("preference_price_per_example")
            if isinstance(price, (int, float)) and not math.isnan(price):
                self.cost_usd += price
            pref = _preference(found.get("preference"))
            out.append(None if pref is None else (3.0 - pref if s else pref))
        return out
