"""The dashboard's two languages: Korean by default, English on ``?lang=en`` (remembered).

Every heading, button and main label of every page comes from :data:`MESSAGES` (one catalog keyed
by message id, ``(ko, en)`` each) through the template global ``t``. Data keeps its own language:
trend names, descriptions and taxonomy terms have English versions and are picked with ``pick``
and ``term``; prose written by the services (explanations, notices) stays Korean. Korean sentences
the dashboard's Python code passes to templates (errors) are swapped for English by the ``tr``
filter when the catalog knows them.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from fastapi import Request
from jinja2 import pass_context

from trendpath.kit.taxonomy import Taxonomy, TaxonomyError, load_taxonomy
from trendpath.web.messages import MESSAGES

LANG_COOKIE = "tp_lang"
LANGS = ("ko", "en")
_BY_KOREAN = {ko: en for key, (ko, en) in MESSAGES.items() if key.startswith("msg.")}


def lang_of(request: Request) -> str:
    """``en`` when asked for by ``?lang=en`` or remembered in the cookie, else ``ko``."""
    asked = request.query_params.get("lang") or request.cookies.get(LANG_COOKIE)
    return "en" if asked == "en" else "ko"


def text(lang: str, key: str, **values: Any) -> str:
    """The message ``key`` in ``lang`` with ``{name}`` placeholders filled; KeyError if unknown."""
    ko, en = MESSAGES[key]
    chosen = en if lang == "en" else ko
    return chosen.format(**values) if values else chosen


def translated(lang: str, korean: str) -> str:
    """A Korean sentence from the catalog in ``lang`` (unknown sentences stay as they are)."""
    return _BY_KOREAN.get(korean, korean) if lang == "en" else korean


def _lang(ctx: Any) -> str:
    return lang_of(ctx["request"])


@pass_context
def t(ctx: Any, key: str, **values: Any) -> str:
    """Template global: the message ``key`` in the page's language."""
    return text(_lang(ctx), key, **values)


@pass_context
def tr(ctx: Any, korean: str | None) -> str:
    """Template filter: a Korean sentence from the dashboard's code, in the page's language."""
    return translated(_lang(ctx), korean or "")


@pass_context
def pick(ctx: Any, item: Any, base: str = "") -> str:
    """``item[base_en]`` on English pages when present, else ``item[base_ko]``.

    ``base`` "" picks ``en``/``ko`` (taxonomy tags), "name" picks ``name_en``/``name_ko``.
    """
    ko_key, en_key = (f"{base}_ko", f"{base}_en") if base else ("ko", "en")
    getter = item.get if isinstance(item, dict) else (lambda k: getattr(item, k, None))
    if _lang(ctx) == "en" and getter(en_key):
        return str(getter(en_key))
    return str(getter(ko_key) or "")


def _taxonomy(request: Request) -> Taxonomy | None:
    try:
        return load_taxonomy(request.app.state.settings.data_dir)
    except TaxonomyError:
        return None


def term_label(request: Request, kind: str, slug: str, lang: str) -> str:
    """A taxonomy term's label in ``lang`` (``skill``, ``interest``, ``skill_group``,
    ``interest_group``, ``value``); the slug itself when the taxonomy does not know it."""
    tax = _taxonomy(request)
    if tax is None:
        return slug
    terms: dict[str, Mapping[str, Any]] = {
        "skill": tax.skills,
        "interest": tax.interests,
        "skill_group": tax.skill_groups,
        "interest_group": {g.slug: g for g in tax.interest_groups},
        "value": {a.slug: a for a in tax.value_axes},
    }
    found = terms[kind].get(slug)
    if found is None:
        return slug
    return str(found.en if lang == "en" else found.ko)


@pass_context
def term(ctx: Any, kind: str, slug: str) -> str:
    """Template global: a taxonomy term's label in the page's language."""
    return term_label(ctx["request"], kind, slug, _lang(ctx))


GLOBALS: dict[str, Any] = {"t": t, "pick": pick, "term": term, "lang_of": lang_of}
FILTERS: dict[str, Any] = {"tr": tr}
