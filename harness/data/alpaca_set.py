"""The AlpacaEval instruction set as evaluation prompts: the 805 instructions with their
reference outputs, from the hub (online) or from a local JSON/JSONL file in the same format: rows
with `instruction` and `output` (the reference output), optionally `dataset` (the source subset)
and `generator` (who wrote the reference).

On the hub, `tatsu-lab/alpaca_eval` means AlpacaEval 2's references, GPT-4 Turbo's outputs
(alpaca_eval_gpt4_baseline.json), the baseline every paper here reports against;
`tatsu-lab/alpaca_eval:alpaca_eval.json` names another file of the repo, here AlpacaEval 1's
text-davinci-003 references.
"""

from __future__ import annotations

import json
from pathlib import Path

from ..errors import DataError
from ..records import PromptRecord

HUB_REPO = "tatsu-lab/alpaca_eval"
HUB_FILE = "alpaca_eval_gpt4_baseline.json"  # AlpacaEval 2: GPT-4 Turbo's outputs are the references


def _rows_from_file(path: Path) -> list[dict]:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    data = json.loads(text)
    if not isinstance(data, list):
        raise DataError(f"{path}: expected a JSON list of {{instruction, output}} rows.")
    return data


def load_alpaca_eval_set(source: str = HUB_REPO) -> list[PromptRecord]:
    path = Path(source).expanduser()
    if path.exists() or (path.suffix in (".json", ".jsonl") and ":" not in source):  # a local file
        if not path.exists():
            raise DataError(f"AlpacaEval set {str(path)!r} does not exist.")
        rows = _rows_from_file(path)
    else:
        import huggingface_hub

        repo, _, name = source.partition(":")
        name = name or HUB_FILE
        try:
            rows = _rows_from_file(Path(huggingface_hub.hf_hub_download(repo, name, repo_type="dataset")))
        except Exception as e:  # offline, or a wrong repo: say so and what to do instead
            raise DataError(f"Could not fetch {name} from {repo!r} ({type(e).__name__}). Offline, set "
                            f"data.alpaca_eval_set to a local copy of it (rows with instruction and output).") from None
    prompts = []
    for i, row in enumerate(rows):
        if not isinstance(row.get("instruction"), str) or not isinstance(row.get("output"), str):
            raise DataError(f"{source}: row {i} needs text fields `instruction` and `output` (the reference output).")
        prompts.append(PromptRecord(id=f"alpaca_eval-{i}", instruction=row["instruction"], reference=row["output"],
                                    family=row.get("dataset") or "alpaca_eval",
                                    meta={"reference_generator": row.get("generator")}))
    if not prompts:
        raise DataError(f"{source} has no rows.")
    return prompts
