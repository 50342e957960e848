"""The comparison's controls in the report folder (harness/reporting/build.py), end to end from
hand-made run directories: the dose-response files, the controls and the markdown."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
import pytest

from comparison_runs import (
    make_run,
    noisy,
    wins_of,
)
from harness.evaluation import comparison as cmp
from harness.reporting.build import build
from harness.stats import mean_ci_across_seeds

# --- the report, end to end from run directories -----------------------------------------------

PROMPTS = 12


def _report_runs(root: Path) -> list[Path]:
    """sft around 40%; the oracle clearly better; random level with sft; p = 0 worse; p = 0.7 in between;
    one self-judging method. Per-prompt wins are chosen so each run's gain over sft is known."""
    dirs = []
    for seed in (0, 1, 2):
        base = [1.0] * 4 + [0.5] * 2 + [0.0] * 6  # 41.7%
        dirs.append(make_run(root, "sft", seed, 40.0 + seed, wins_of(base)))

        def run(label, method_cfg, extra_wins, wr, method="online_dpo", **kw):
            wins = [min(1.0, max(0.0, w + extra_wins)) for w in base]
            dirs.append(make_run(root, method, seed, wr, wins_of(wins), label=label, method_cfg=method_cfg, **kw))

        run("", {"name": "online_dpo", "external_judge": "oracle", "judge_accuracy": 1.0}, 0.5 + 0.1 * seed, 70.0 + seed,
            iterations=[{"realised_judge_accuracy": 1.0, "realised_judge_accuracy_pairs": 8}])
        run("random", {"name": "online_dpo", "external_judge": "random", "judge_accuracy": 1.0}, 0.0, 40.0 + seed)
        run("noisy_oracle p=0", noisy(0.0), -0.5 - 0.1 * seed, 15.0 + seed)
        run("noisy_oracle p=0.7", noisy(0.7), 0.25, 52.0 + seed,
            iterations=[{"realised_judge_accuracy": 0.7, "realised_judge_accuracy_pairs": 10}])
        run("", {"name": "self_judge"}, 0.25, 50.0 + seed, method="self_judge",
            iterations=[{"train": {"realised_judge_accuracy": 0.6, "realised_judge_accuracy_pairs": 10}}])
    return dirs


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    out = tmp_path_factory.mktemp("results") / "comparison"
    result = build(_report_runs(root), out, "python scripts/comparison.py --seeds 0 1 2",
                   walls={"methods": 120.0, "noisy_oracle": 30.0})
    return out, result["markdown"]


def test_the_report_writes_the_dose_response_and_its_markdown(report):
    out, text = report
    names = {p.name for p in out.iterdir()}
    assert {"dose-response.csv", "dose-response.png", "report.json", "report.md", "report.html"} <= names
    png = (out / "dose-response.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 1000
    assert (out / "report.md").read_text() == text and "![Dose-response](dose-response.png)" in text


def test_report_json_summary_and_controls(report):
    out, _ = report
    data = json.loads((out / "report.json").read_text())
    s, v = data["summary"], data["controls"]
    assert set(s) == {"sft", "online_dpo", "online_dpo[random]", "online_dpo[noisy_oracle p=0]",
                      "online_dpo[noisy_oracle p=0.7]", "self_judge"}
    assert s["online_dpo[random]"]["vs_sft"]["gain"]["mean"] == pytest.approx(0.0)
    assert v["positive"]["pass"] is True and v["positive"]["cis_disjoint"] is True
    assert v["negative_random"] == {"win_rate": pytest.approx(41.0), "gain": pytest.approx(0.0),
                                    "gain_ci": pytest.approx([0.0, 0.0]), "pass": True, "mean_within_sft_ci": True}
    assert v["negative_adversarial"]["pass"] is True and v["negative_adversarial"]["p"] == 0.0
    assert v["monotone_within_cis"] is True
    assert s["self_judge"]["realised_accuracy"]["mean"] == pytest.approx(60.0)
    assert s["online_dpo[noisy_oracle p=0.7]"]["realised_accuracy"]["mean"] == pytest.approx(70.0)


def _expected_gain(extra_by_seed):
    base = np.array([1.0] * 4 + [0.5] * 2 + [0.0] * 6)
    per_seed = [100 * float(np.mean(np.clip(base + e, 0, 1) - base)) for e in extra_by_seed]
    return mean_ci_across_seeds(per_seed)


def test_report_csv_rows(report):
    out, _ = report
    rows = list(csv.reader(io.StringIO((out / "dose-response.csv").read_text())))
    assert rows[0] == ["kind", "arm", "judge_accuracy_pct", "gain", "gain_ci_low", "gain_ci_high"]
    body = [(r[0], r[1], float(r[2])) for r in rows[1:]]
    assert body == [("control", "online_dpo[noisy_oracle p=0]", 0.0), ("control", "online_dpo[noisy_oracle p=0.7]", 70.0),
                    ("control", "online_dpo", 100.0), ("random", "online_dpo[random]", 50.0),
                    ("method", "self_judge", 60.0)]
    gains = {r[1]: [float(x) for x in r[3:]] for r in rows[1:]}
    oracle = _expected_gain([0.5, 0.6, 0.7])
    assert gains["online_dpo"] == pytest.approx([oracle.value, oracle.ci_low, oracle.ci_high])
    adversarial = _expected_gain([-0.5, -0.6, -0.7])
    assert gains["online_dpo[noisy_oracle p=0]"] == pytest.approx([adversarial.value, adversarial.ci_low, adversarial.ci_high])
    assert gains["online_dpo[random]"] == pytest.approx([0.0, 0.0, 0.0])
    assert gains["self_judge"][0] == pytest.approx(_expected_gain([0.25] * 3).value)


def test_report_markdown(report):
    _, text = report
    lines = text.splitlines()
    table = [line for line in lines if line.startswith("| ") and "arm" not in line and not line.startswith("| p |")]
    arms = [line.split("|")[1].strip() for line in table[:6]]
    # sft first, the methods by win rate, then the labelled variants by name
    assert arms == ["sft", "online_dpo", "self_judge", "online_dpo[noisy_oracle p=0.7]", "online_dpo[noisy_oracle p=0]",
                    "online_dpo[random]"]
    assert "- positive control (oracle beats sft by >= 10 points, CIs disjoint): PASS" in text
    assert ("- negative control (random judge's paired gain CI contains 0): PASS (gain 0.0 [0.0, 0.0]; win rate 41.0, "
            "inside sft's CI)") in text
    assert "- negative control (a judge with p = 0 loses: gain CI below 0): PASS" in text
    assert "- dose-response monotone within CIs (p >= 0.5): yes" in text
    assert "| 0.7 | online_dpo[noisy_oracle p=0.7] | 16.7 [16.7, 16.7] | 3 | 70.0 |" in lines  # realised accuracy last
    assert "| 0 | online_dpo[noisy_oracle p=0] | -28.3 [-36.6, -20.1] | 3 | – |" in lines
    assert "## Wall time\n\nmethods 2.0 min, noisy_oracle 0.5 min" in text
    assert "Regenerate: `python scripts/comparison.py --seeds 0 1 2`" in lines[2]


def test_report_shows_failing_controls(tmp_path):
    dirs = []
    for seed in (0, 1):
        dirs.append(make_run(tmp_path, "sft", seed, 40.0 + 2 * seed, wins_of([0.5] * 12)))
        dirs.append(make_run(tmp_path, "online_dpo", seed, 43.0 + 2 * seed, wins_of([0.5] * 10 + [1.0] * 2),
                             method_cfg={"name": "online_dpo", "external_judge": "oracle", "judge_accuracy": 1.0}))
        dirs.append(make_run(tmp_path, "online_dpo", seed, 60.0, wins_of([1.0] * 12), label="random",
                             method_cfg={"name": "online_dpo", "external_judge": "random", "judge_accuracy": 1.0}))
    text = build(dirs, tmp_path / "out", "cmd")["markdown"]
    assert "positive control (oracle beats sft by >= 10 points, CIs disjoint): FAIL" in text
    assert "negative control (random judge's paired gain CI contains 0): FAIL (gain " in text
    assert "Wall time" not in text
    assert (tmp_path / "out" / "dose-response.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_a_run_written_before_variants_existed_joins_the_report_without_crashing(tmp_path):
    old = make_run(tmp_path, "sft", 0, 40.0, wins_of([0.0] * 12))
    metrics = json.loads((old / "metrics.json").read_text())
    del metrics["variant"]  # metrics.json of an older harness: the report takes the hash from config.yaml
    (old / "metrics.json").write_text(json.dumps(metrics))
    new = make_run(tmp_path, "sft", 1, 50.0, wins_of([1.0] * 12))
    summary = cmp.summarise(cmp.load_runs([old, new]))
    assert sum(len(s["seeds"]) for s in summary.values()) == 2
    assert all(name.startswith("sft") for name in summary)
