"""`trendpath llm` sub-commands: dataset build/validate and train's early refusals."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from trendpath.ai.finetune.cli import app

ROOT = Path(__file__).resolve().parents[3]
SFT = ROOT / "data" / "sft" / "dialogues.jsonl"
TINY_CONFIG = ROOT / "configs" / "llm" / "qlora-tiny-cpu.yaml"


def test_dataset_build_writes_a_valid_balanced_set(tmp_path: Path) -> None:
    out = tmp_path / "d.jsonl"
    runner = CliRunner()
    built = runner.invoke(app, ["dataset", "build", "--out", str(out), "--n", "306", "--seed", "5"])
    assert built.exit_code == 0, built.output
    assert len(out.read_text(encoding="utf-8").splitlines()) == 306
    checked = runner.invoke(app, ["dataset", "validate", str(out)])
    assert checked.exit_code == 0 and "306 dialogues OK" in checked.output
    too_few = runner.invoke(app, ["dataset", "build", "--out", str(tmp_path / "x"), "--n", "90"])
    assert too_few.exit_code == 1 and "need at least 300" in too_few.output
    assert not (tmp_path / "x").exists()


def test_dataset_validate_names_bad_lines(tmp_path: Path) -> None:
    lines = SFT.read_text(encoding="utf-8").splitlines()[:4]
    rec = json.loads(lines[2])
    rec["split"] = "dev"
    bad = tmp_path / "bad.jsonl"
    bad.write_text("\n".join([lines[0], lines[1], json.dumps(rec), "not json"]) + "\n", "utf-8")
    result = CliRunner().invoke(app, ["dataset", "validate", str(bad)])
    assert result.exit_code == 1
    assert "line 3: split must be" in result.output and "line 4: invalid JSON" in result.output


def test_train_refuses_missing_model_path_with_a_clear_message(tmp_path: Path) -> None:
    args = ["train", "--config", str(TINY_CONFIG), "--set", f"model.path={tmp_path / 'absent'}"]
    args += ["--set", f"train.data={SFT}", "--set", f"train.output_dir={tmp_path / 'run'}"]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 2  # a configuration problem, found before any work
    assert "not found" in result.output and "never downloaded" in result.output
