"""The shipped taxonomy loads, is internally consistent, and bad edits fail with a precise error."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trendpath.kit.settings import default_data_dir
from trendpath.kit.taxonomy import VALUE_AXES, TaxonomyError, load_taxonomy

DATA = Path(__file__).resolve().parents[2] / "data"
HANGUL = re.compile(r"[가-힣]")


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "taxonomy", tmp_path / "taxonomy")
    return tmp_path


def _edit(path: Path, change: Callable[[dict[str, Any]], None]) -> None:
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    change(doc)
    path.write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True), encoding="utf-8")


def test_shipped_taxonomy_has_the_documented_size() -> None:
    tax = load_taxonomy(DATA)
    assert 8 <= len(tax.interest_groups) <= 12
    assert 60 <= len(tax.interests) <= 90
    assert 40 <= len(tax.skills) <= 80
    assert tuple(a.slug for a in tax.value_axes) == VALUE_AXES
    assert len(VALUE_AXES) == 9
    assert {s.slug for s in tax.value_summaries} == {"growth_orientation", "stability_preference"}


def test_default_data_dir_is_the_shipped_one_and_cached() -> None:
    assert default_data_dir().resolve() == DATA.resolve()
    assert load_taxonomy() is load_taxonomy(DATA)


def test_labels_are_korean_and_every_tag_has_a_group() -> None:
    tax = load_taxonomy(DATA)
    for group in tax.interest_groups:
        assert HANGUL.search(group.ko), group.slug
    assert all(t.ko and t.en for t in tax.interests.values())
    assert set(tax.interest_group_of) == set(tax.interests)
    for skill in tax.skills.values():
        assert HANGUL.search(skill.description_ko), skill.slug
        assert skill.group in tax.skill_groups
    for axis in tax.value_axes:
        assert HANGUL.search(axis.ko) and HANGUL.search(axis.description_ko)
    assert list(tax.skill_levels) == [1, 2, 3, 4, 5]


def test_value_axes_have_the_national_test_names_in_order() -> None:
    tax = load_taxonomy(DATA)
    names = [a.ko for a in tax.value_axes]
    assert names == [
        "사회공헌",
        "성취",
        "경제적 보상",
        "일과 삶의 균형",
        "자기계발",
        "자율성",
        "사회적 인정",
        "직업안정",
        "변화지향",
    ]


def test_summaries_are_means_of_their_components() -> None:
    tax = load_taxonomy(DATA)
    scores = {axis: i / 10 for i, axis in enumerate(VALUE_AXES)}
    got = tax.summarise_values(scores)
    growth = (scores["self_development"] + scores["change_orientation"] + scores["achievement"]) / 3
    stability = (scores["job_security"] + scores["work_life_balance"]) / 2
    assert got["growth_orientation"] == pytest.approx(growth)
    assert got["stability_preference"] == pytest.approx(stability)


def test_skill_paths_put_prerequisites_first() -> None:
    tax = load_taxonomy(DATA)
    for slug in tax.skills:
        path = tax.skill_path(slug)
        assert path[-1] == slug
        assert len(set(path)) == len(path)
        for i, step in enumerate(path):
            assert set(tax.skills[step].prerequisites) <= set(path[:i])
    assert tax.skill_path("mlops")[:2] == ["programming_basics", "python"]
    with pytest.raises(KeyError):
        tax.skill_path("juggling")


def test_prerequisite_cycle_is_reported_with_its_path(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def make_cycle(doc: dict[str, Any]) -> None:
        for skill in doc["skills"]:
            if skill["slug"] == "programming_basics":
                skill["prerequisites"] = ["mlops"]

    _edit(root / "taxonomy" / "skills.yaml", make_cycle)
    with pytest.raises(TaxonomyError, match=r"prerequisite cycle: .*mlops.*programming_basics"):
        load_taxonomy(root)


def test_unknown_prerequisite_names_the_skill(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def add_unknown(doc: dict[str, Any]) -> None:
        doc["skills"][0]["prerequisites"] = ["telepathy"]

    _edit(root / "taxonomy" / "skills.yaml", add_unknown)
    with pytest.raises(TaxonomyError, match=r"skill 'math_statistics'.*'telepathy'"):
        load_taxonomy(root)


def test_reordered_value_axes_are_rejected(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def swap(doc: dict[str, Any]) -> None:
        doc["axes"][0], doc["axes"][1] = doc["axes"][1], doc["axes"][0]

    _edit(root / "taxonomy" / "values.yaml", swap)
    with pytest.raises(TaxonomyError, match="in this order"):
        load_taxonomy(root)


def test_duplicate_interest_tag_is_rejected(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    first = load_taxonomy(DATA).interest_groups[0].tags[0].slug

    def duplicate(doc: dict[str, Any]) -> None:
        doc["groups"][1]["tags"].append(dict(doc["groups"][0]["tags"][0]))

    _edit(root / "taxonomy" / "interests.yaml", duplicate)
    with pytest.raises(TaxonomyError, match=f"duplicate interest tag slug '{first}'"):
        load_taxonomy(root)


def test_schema_errors_name_the_entry(tmp_path: Path) -> None:
    root = _copy(tmp_path)

    def bad_slug(doc: dict[str, Any]) -> None:
        doc["skills"][2]["slug"] = "Not A Slug"

    _edit(root / "taxonomy" / "skills.yaml", bad_slug)
    with pytest.raises(TaxonomyError, match=r"skills\.yaml.*\n.*skills\.2\.slug"):
        load_taxonomy(root)


def test_missing_file_is_a_taxonomy_error(tmp_path: Path) -> None:
    root = _copy(tmp_path)
    (root / "taxonomy" / "values.yaml").unlink()
    with pytest.raises(TaxonomyError, match=r"values\.yaml: file not found"):
        load_taxonomy(root)
