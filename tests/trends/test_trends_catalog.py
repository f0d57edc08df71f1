"""The shipped trend catalog is complete and consistent; broken catalogs fail precisely."""

from __future__ import annotations

import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from trendpath.kit.taxonomy import VALUE_AXES, load_taxonomy
from trendpath.trends.catalog import (
    CatalogError,
    catalog_by_slug,
    load_catalog,
    load_categories,
    parse_trend,
)

DATA = Path(__file__).resolve().parents[2] / "data"
HANGUL = re.compile(r"[가-힣]")

# Trends the issue names explicitly; all must be in the catalog under these stable slugs.
REQUIRED = [
    "generative-ai",
    "ai-semiconductor",
    "secondary-battery",
    "cybersecurity",
    "cloud-native",
    "bio-health",
    "digital-healthcare",
    "robotics",
    "autonomous-driving",
    "uam",
    "fintech",
    "esg",
    "smart-factory",
    "content-creator",
    "game",
    "metaverse-xr",
    "quantum-computing",
    "space-economy",
    "hydrogen-economy",
    "carbon-neutrality",
    "data-engineering",
    "mlops",
    "blockchain",
    "foodtech",
    "edutech",
    "silver-industry",
    "pet-industry",
    "k-beauty",
    "k-content",
]


def test_catalog_is_large_and_has_the_named_trends() -> None:
    trends = load_catalog(DATA)
    assert len(trends) >= 45
    slugs = [t.slug for t in trends]
    assert len(set(slugs)) == len(slugs)
    assert set(REQUIRED) <= set(slugs)
    assert list(catalog_by_slug(DATA)) == slugs


def test_every_reference_resolves_and_every_tag_and_category_is_used() -> None:
    tax = load_taxonomy(DATA)
    trends = load_catalog(DATA)
    categories = load_categories(DATA)
    assert 6 <= len(categories) <= 12
    assert {t.category for t in trends} == set(categories)
    used_tags = {tag for t in trends for tag in t.interest_tags}
    assert used_tags <= set(tax.interests)
    # A tag no trend uses would be a dead end for a user who picks it at sign-up.
    assert used_tags == set(tax.interests)
    assert {s.skill for t in trends for s in t.core_skills} <= set(tax.skills)


def test_each_trend_is_complete_and_korean() -> None:
    for t in load_catalog(DATA):
        assert HANGUL.search(t.name_ko), t.slug
        assert HANGUL.search(t.description_ko), t.slug
        assert HANGUL.search(t.search_keyword) or t.search_keyword.isascii(), t.slug
        sentences = [s for s in re.split(r"(?<=\.)\s+", t.description_ko.strip()) if s.strip()]
        assert 2 <= len(sentences) <= 3, (t.slug, sentences)
        # one speech level on every page: the dashboard speaks 해요체, so do the descriptions
        assert all(s.endswith("요.") for s in sentences), (t.slug, sentences)
        assert 4 <= len(t.core_skills) <= 7, t.slug
        assert 5 <= len(t.keywords_ko) <= 10, t.slug
        assert tuple(t.value_profile) == VALUE_AXES
        assert all(0.0 <= v <= 1.0 for v in t.value_profile.values())
        assert t.sources and all(not s.startswith("http") for s in t.sources), t.slug


def test_value_profiles_encode_the_documented_judgements() -> None:
    by_slug = catalog_by_slug(DATA)
    bio = by_slug["bio-health"].value_profile
    assert bio["social_contribution"] >= 0.8
    chain = by_slug["blockchain"].value_profile
    assert chain["change_orientation"] >= 0.8 >= 0.4 >= chain["job_security"]
    creator = by_slug["content-creator"].value_profile
    assert creator["autonomy"] == max(creator.values())
    # Profiles must differ between trends, or value matching would carry no information.
    vectors = {t.value_vector() for t in by_slug.values()}
    assert len(vectors) == len(by_slug)


def _copy(tmp_path: Path) -> Path:
    shutil.copytree(DATA / "taxonomy", tmp_path / "taxonomy")
    shutil.copytree(DATA / "trends", tmp_path / "trends")
    return tmp_path


def _break(tmp_path: Path, change: Callable[[dict[str, Any]], None]) -> Path:
    root = _copy(tmp_path)
    path = root / "trends" / "catalog.yaml"
    doc = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    change(doc["trends"][0])
    path.write_text(yaml.dump(doc, Dumper=yaml.CSafeDumper, allow_unicode=True), encoding="utf-8")
    return root


def test_unknown_interest_tag_names_trend_field_and_tag(tmp_path: Path) -> None:
    def change(t: dict[str, Any]) -> None:
        t["interest_tags"] = ["ai", "aii"]

    root = _break(tmp_path, change)
    with pytest.raises(CatalogError) as err:
        load_catalog(root)
    msg = str(err.value)
    assert "trends[0]" in msg and "'generative-ai'" in msg
    assert "'interest_tags'" in msg and "'aii'" in msg


def test_unknown_skill_names_its_position(tmp_path: Path) -> None:
    def change(t: dict[str, Any]) -> None:
        t["core_skills"][1]["skill"] = "wizardry"

    with pytest.raises(CatalogError, match=r"'generative-ai' field 'core_skills\[1\]\.skill'.*"):
        load_catalog(_break(tmp_path, change))


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda t: t["core_skills"][0].update(level=6), r"'core_skills\.0\.level'"),
        (lambda t: t["core_skills"][0].update(level=2.5), r"'core_skills\.0\.level'"),
        (lambda t: t["value_profile"].pop("autonomy"), r"'value_profile'.*missing.*autonomy"),
        (lambda t: t["value_profile"].update(happiness=0.5), r"'value_profile'.*happiness"),
        (lambda t: t["value_profile"].update(autonomy=1.5), r"'value_profile'.*outside 0\.\.1"),
        (lambda t: t.update(category="magic"), r"'category': unknown category 'magic'"),
        (lambda t: t.update(slug="Generative AI"), r"'slug'"),
        (lambda t: t.update(core_skills=t["core_skills"][:2]), r"'core_skills'"),
        (lambda t: t.update(colour="blue"), r"'colour'"),
    ],
)
def test_shape_errors_name_trend_and_field(
    tmp_path: Path, change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    with pytest.raises(CatalogError, match=expected):
        load_catalog(_break(tmp_path, change))


def test_duplicate_slug_is_rejected(tmp_path: Path) -> None:
    def change(t: dict[str, Any]) -> None:
        t["slug"] = "ai-agents"

    with pytest.raises(CatalogError, match=r"duplicate trend slug 'ai-agents'"):
        load_catalog(_break(tmp_path, change))


def test_parse_trend_validates_one_submitted_trend() -> None:
    tax = load_taxonomy(DATA)
    categories = load_categories(DATA)
    raw = catalog_by_slug(DATA)["robotics"].model_dump()
    raw["slug"] = "humanoid-robots"
    assert parse_trend(raw, tax, categories).slug == "humanoid-robots"
    raw["interest_tags"] = ["robotics", "unicorns"]
    with pytest.raises(CatalogError, match=r"'humanoid-robots' field 'interest_tags'.*unicorns"):
        parse_trend(raw, tax, categories)


JOB_FAMILIES: dict[str, tuple[str, set[str]]] = {
    # family Korean users name -> (a trend for it, interest tags it should carry, any of)
    "마케팅·그로스": ("growth-marketing", {"marketing"}),
    "데이터 분석": ("data-analytics", {"data"}),
    "서비스 기획·UX": ("product-ux", {"product_planning", "ux_ui"}),
    "회계·재무": ("finance-accounting-digital", {"accounting"}),
    "인사": ("hr-tech", {"hr"}),
    "영업": ("b2b-sales", {"sales"}),
    "공공·행정": ("digital-government", {"public_policy"}),
    "간호·보건": ("smart-nursing", {"nursing"}),
    "교육": ("edutech", {"education"}),
    "디자인": ("digital-design", {"design"}),
    "영상·미디어": ("ott-media", {"video", "media"}),
    "법무": ("legal-tech", {"law"}),
    "연구": ("ai-for-science", {"research"}),
    "하드웨어": ("embedded-iot", {"hardware"}),
    "IT·소프트웨어": ("web-mobile-services", {"it_general", "software_development"}),
    "상담·심리": ("mental-health-care", {"mental_health"}),
    "고객 응대·CS": ("customer-experience", {"sales", "ecommerce"}),
    "사무 자동화": ("work-automation", {"it_general"}),
}


def test_every_job_family_korean_users_name_has_a_trend() -> None:
    by_slug = catalog_by_slug(DATA)
    assert len(by_slug) >= 70
    for family, (slug, tags) in JOB_FAMILIES.items():
        assert slug in by_slug, family
        assert tags & set(by_slug[slug].interest_tags), family
    tax = load_taxonomy(DATA)
    for tag in ("it_general", "research", "hardware", "accounting", "hr", "sales", "nursing"):
        assert tag in tax.interests
    assert "excel" in tax.skills and tax.skills["excel"].ko.startswith("엑셀")
