"""Particles by pronunciation: Hangul, digits, acronyms, English words and parentheses."""

from __future__ import annotations

import pytest

from trendpath.kit.josa import ending, josa, particle

CASES = [
    # English words read the Korean way
    ("Docker", "은", "Docker는"),
    ("Git", "은", "Git은"),
    ("Python", "으로", "Python으로"),
    ("Excel", "으로", "Excel로"),
    ("Kubernetes", "을", "Kubernetes를"),
    ("Slack", "이", "Slack이"),
    ("Figma", "과", "Figma와"),
    ("PyTorch", "는", "PyTorch는"),
    ("TensorFlow", "을", "TensorFlow를"),
    ("DevOps", "은", "DevOps는"),
    ("Notion", "이에요", "Notion이에요"),
    ("Marketing", "을", "Marketing을"),
    ("React", "로", "React로"),
    ("Spring", "으로", "Spring으로"),
    # acronyms letter by letter
    ("SQL", "으로", "SQL로"),
    ("SQL", "을", "SQL을"),
    ("AI", "은", "AI는"),
    ("XR", "은", "XR은"),
    ("LLM", "을", "LLM을"),
    ("IoT", "가", "IoT가"),
    ("R", "로", "R로"),
    ("C++", "는", "C++는"),
    ("C#", "은", "C#은"),
    ("Node.js", "는", "Node.js는"),
    ("5G", "이", "5G가"),
    # digits the Sino-Korean way
    ("9", "은", "9는"),
    ("1", "으로", "1로"),
    ("3", "을", "3을"),
    ("6", "으로", "6으로"),
    ("7", "로", "7로"),
    ("10", "이", "10이"),
    ("100", "은", "100은"),
    ("2", "이에요", "2예요"),
    ("7.2", "로", "7.2로"),
    ("1,000", "이", "1,000이"),
    ("2030", "과", "2030과"),
    ("80%", "가", "80%가"),
    # Hangul
    ("파이썬", "을", "파이썬을"),
    ("데이터 분석", "으로", "데이터 분석으로"),
    ("엑셀", "으로", "엑셀로"),
    ("지수", "이에요", "지수예요"),
    ("63점", "이에요", "63점이에요"),
    ("서울", "로", "서울로"),
    # a trailing parenthesis is skipped
    ("MLOps(머신러닝 운영)", "은", "MLOps(머신러닝 운영)는"),
    ("파이썬(4/5)", "을", "파이썬(4/5)을"),
    ("'AI', '데이터'", "과", "'AI', '데이터'와"),
    ("'인공지능'", "과", "'인공지능'과"),
    ("생성형 AI", "은", "생성형 AI는"),
    ("MLOps", "이", "MLOps가"),
]


@pytest.mark.parametrize(("word", "which", "expected"), CASES)
def test_particle_follows_pronunciation(word: str, which: str, expected: str) -> None:
    assert josa(word, which) == expected


def test_either_form_or_the_pair_may_be_named() -> None:
    assert josa("Docker", "는") == josa("Docker", "은/는") == "Docker는"
    assert particle("서울", "으로/로") == "로"


def test_unreadable_words_get_both_forms() -> None:
    assert ending("★") is None
    assert josa("★", "은") == "★은(는)"
    assert josa("", "을") == "을(를)"


def test_unknown_particle_is_a_key_error() -> None:
    with pytest.raises(KeyError):
        particle("파이썬", "의")
