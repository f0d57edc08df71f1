"""SFT data: the committed dialogues, the generator's variety checks, corrupt-line errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from pydantic import ValidationError

from trendpath.ai.finetune import sftgen
from trendpath.ai.finetune.dataset import DatasetError, load_sft_jsonl
from trendpath.ai.finetune.schema import AXES, ValueScores, analysis_messages, parse_value_scores

ROOT = Path(__file__).resolve().parents[3]
SFT = ROOT / "data" / "sft" / "dialogues.jsonl"
BLOCKS = ROOT / "data" / "sft" / "blocks.yaml"


@pytest.fixture(scope="module")
def dialogues() -> list:
    return load_sft_jsonl(SFT)


def test_committed_file_is_what_the_generator_makes() -> None:
    records = sftgen.generate(blocks_path=BLOCKS)
    expected = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    assert SFT.read_text(encoding="utf-8") == expected, "run `trendpath llm dataset build`"


def test_dataset_is_large_varied_and_balanced(dialogues: list) -> None:
    records = [{"messages": d.messages, "labels": d.labels, "split": d.split} for d in dialogues]
    assert sftgen.check_variety(records) == []
    report = sftgen.variety_report(records)
    assert report["dialogues"] >= 300
    assert set(report["strongest"]) == set(AXES) and set(report["weakest"]) == set(AXES)
    assert 0.05 <= report["splits"]["validation"] / report["dialogues"] <= 0.2


def test_labels_agree_with_the_value_json(dialogues: list) -> None:
    for d in dialogues:
        scores = parse_value_scores(d.messages[-1]["content"])
        assert scores is not None
        ranked = sorted(scores.values, key=lambda a: scores.values[a].score)
        assert ranked[-1] == d.labels["strongest"], d.id
        assert ranked[0] == d.labels["weakest"], d.id
        assert scores.values[d.labels["strongest"]].evidence, d.id


def test_coach_asks_open_and_forced_choice_questions(dialogues: list) -> None:
    forced = [fc["question"] for fc in sftgen.load_blocks(BLOCKS)["forced_choices"]]
    for d in dialogues:
        coach = [m["content"] for m in d.messages[:-1] if m["role"] == "assistant"]
        assert len(coach) >= 4
        assert all(c.rstrip().endswith("?") for c in coach), d.id
        assert sum(any(q in c for q in forced) for c in coach) == 1, d.id


def test_variety_check_catches_duplicates_and_imbalance() -> None:
    records = sftgen.generate(n=27, blocks_path=BLOCKS)
    dup = [*records, records[0]]
    assert any("duplicate" in p for p in sftgen.check_variety(dup, min_dialogues=10))
    skewed = [r for r in records if r["labels"]["strongest"] != "autonomy"]
    assert any("unbalanced" in p for p in sftgen.check_variety(skewed, min_dialogues=10))


@pytest.mark.parametrize(
    ("word", "josa", "expected"),
    [("자기계발", "을", "자기계발을"), ("직업안정", "이", "직업안정이"), ("성취", "을", "성취를"),
     ("성취", "은", "성취는"), ("개발자", "으로", "개발자로"), ("3학년", "으로", "3학년으로"),
     ("서울", "으로", "서울로")],
)  # fmt: skip
def test_korean_particles_follow_the_final_consonant(word: str, josa: str, expected: str) -> None:
    assert sftgen.attach_josa(word, josa) == expected


def test_value_scores_schema_rejects_bad_objects() -> None:
    good = json.loads(SFT.read_text(encoding="utf-8").splitlines()[0])["messages"][-1]["content"]
    obj = json.loads(good)
    ValueScores.model_validate(obj)
    missing = json.loads(good)
    del missing["values"]["autonomy"]
    high = json.loads(good)
    high["values"]["autonomy"]["score"] = 1.5
    for bad in (missing, high):
        with pytest.raises(ValidationError):
            ValueScores.model_validate(bad)
    assert parse_value_scores("설명: " + good + " 끝") is not None
    assert parse_value_scores(good[:-20]) is None


def test_corrupt_lines_are_reported_with_line_numbers(tmp_path: Path) -> None:
    lines = SFT.read_text(encoding="utf-8").splitlines()[:6]
    bad_json = lines[1][:-10]
    no_messages = json.dumps({"id": "x", "split": "train"})
    rec = json.loads(lines[3])
    rec["messages"][-1]["content"] = '{"values": {}}'
    fake_quote = json.loads(lines[4])
    scores = json.loads(fake_quote["messages"][-1]["content"])
    scores["values"]["autonomy"]["evidence"] = ["사용자가 한 적 없는 말이에요."]
    fake_quote["messages"][-1]["content"] = json.dumps(scores, ensure_ascii=False)
    body = [lines[0], bad_json, no_messages, json.dumps(rec), json.dumps(fake_quote), lines[5]]
    path = tmp_path / "bad.jsonl"
    path.write_text("\n".join(body) + "\n", encoding="utf-8")
    with pytest.raises(DatasetError) as err:
        load_sft_jsonl(path)
    assert [n for n, _ in err.value.problems] == [2, 3, 4, 5]
    text = str(err.value)
    assert "line 2: invalid JSON" in text and "line 3:" in text
    assert "value-score JSON" in text and "not quoted" in text


def test_analysis_messages_rebuild_the_training_prompt(dialogues: list) -> None:
    for d in dialogues[:20]:
        conversation = [m for m in d.messages[:-2] if m["role"] != "system"]
        assert analysis_messages(conversation) == d.messages[:-1]
