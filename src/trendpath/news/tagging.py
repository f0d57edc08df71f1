"""Tag articles with catalog trends: keyword matches plus embedding similarity, with a score.

For each (article, trend) pair:

* ``keyword_score = 1 - exp(-hits / keyword_saturation)`` where ``hits`` counts the trend's
  distinct keywords (Korean and English, plus its Korean name) found in the article, a title hit
  weighing ``title_weight``. Korean keywords match as substrings with spaces ignored
  ("생성형AI" matches "생성형 AI", "반도체" matches "반도체를"); Latin keywords match as whole
  words, case-blind.
* ``embedding_score = clip(cos(article, trend) / embedding_scale, 0, 1)`` with the trend text
  being its name, keywords and description, when an encoder is given.
* ``score = keyword_weight * keyword_score + embedding_weight * embedding_score`` (the weights are
  renormalised to the keyword part alone without an encoder). Tags at or above ``threshold`` are
  kept, best ``top_k`` first.

The news service does not import the trend or AI services (they share only ``kit`` and HTTP): the
catalog and the encoder come in as any objects with the right shape (:class:`TrendLike`,
:class:`TextEncoder`), e.g. ``trendpath.trends.catalog.load_catalog()`` and
``trendpath.ai.embed.KoreanHashEncoder()`` in the embedded process, or their HTTP clients.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np


class TrendLike(Protocol):
    """The catalog fields tagging reads."""

    @property
    def slug(self) -> str: ...
    @property
    def name_ko(self) -> str: ...
    @property
    def keywords_ko(self) -> Sequence[str]: ...
    @property
    def keywords_en(self) -> Sequence[str]: ...
    @property
    def description_ko(self) -> str: ...


class TextEncoder(Protocol):
    """Texts to L2-normalised float rows (zero rows for empty texts)."""

    def encode(self, texts: Sequence[str]) -> np.ndarray: ...


@dataclass(frozen=True)
class TaggerConfig:
    """Weights and cut-offs of the score (see the module docstring)."""

    keyword_weight: float = 0.6
    embedding_weight: float = 0.4
    keyword_saturation: float = 2.0
    title_weight: float = 2.0
    embedding_scale: float = 0.5
    threshold: float = 0.3
    top_k: int = 3


@dataclass(frozen=True)
class TrendTag:
    """One trend an article is about, with the parts of its score and the keywords that hit."""

    slug: str
    score: float
    keyword_score: float
    embedding_score: float
    matched: tuple[str, ...]


@dataclass(frozen=True)
class ArticleText:
    """What the tagger reads of an article."""

    title: str
    text: str


def _fold(text: str) -> str:
    return unicodedata.normalize("NFKC", text).casefold()


@dataclass(frozen=True)
class _Matcher:
    keyword: str
    compact: str | None  # Korean/mixed: substring of the space-free text
    pattern: re.Pattern[str] | None  # pure Latin: whole word

    @classmethod
    def build(cls, keyword: str) -> _Matcher:
        folded = " ".join(_fold(keyword).split())
        if folded.isascii():
            body = r"\s*".join(re.escape(part) for part in folded.split())
            return cls(keyword, None, re.compile(rf"(?<![a-z0-9]){body}(?![a-z0-9])"))
        return cls(keyword, folded.replace(" ", ""), None)

    def hits(self, folded: str, compact: str) -> bool:
        if self.pattern is not None:
            return self.pattern.search(folded) is not None
        return self.compact is not None and self.compact in compact


class TrendTagger:
    """Scores articles against a fixed set of trends; build once, call per batch."""

    def __init__(
        self,
        trends: Sequence[TrendLike],
        encoder: TextEncoder | None = None,
        config: TaggerConfig | None = None,
    ) -> None:
        self.config = config or TaggerConfig()
        self.slugs = [t.slug for t in trends]
        self._matchers: list[list[_Matcher]] = []
        for trend in trends:
            words = dict.fromkeys(
                k for k in (trend.name_ko, *trend.keywords_ko, *trend.keywords_en)
            )
            self._matchers.append([_Matcher.build(w) for w in words if w.strip()])
        self.encoder = encoder
        self._trend_vecs: np.ndarray | None = None
        if encoder is not None and trends:
            texts = [f"{t.name_ko}. {' '.join(t.keywords_ko)}. {t.description_ko}" for t in trends]
            self._trend_vecs = np.asarray(encoder.encode(texts), dtype=np.float32)

    def _keyword_part(self, article: ArticleText) -> list[tuple[float, tuple[str, ...]]]:
        title, body = _fold(article.title), _fold(article.text)
        title_c, body_c = title.replace(" ", ""), body.replace(" ", "")
        out = []
        for matchers in self._matchers:
            hits, matched = 0.0, []
            for m in matchers:
                if m.hits(title, title_c):
                    hits += self.config.title_weight
                elif m.hits(body, body_c):
                    hits += 1.0
                else:
                    continue
                matched.append(m.keyword)
            score = 1.0 - math.exp(-hits / self.config.keyword_saturation)
            out.append((score, tuple(matched)))
        return out

    def _embedding_part(self, articles: Sequence[ArticleText]) -> np.ndarray:
        shape = (len(articles), len(self.slugs))
        if self.encoder is None or self._trend_vecs is None or not articles:
            return np.zeros(shape, dtype=np.float32)
        vecs = np.asarray(
            self.encoder.encode([f"{a.title}. {a.text}" for a in articles]), dtype=np.float32
        )
        # One matrix-vector product per article, never one matrix-matrix product for the batch:
        # BLAS picks different kernels (and summation orders) for gemm and gemv, so a batched
        # product would give an article a score a few ulps away from the one it gets alone.
        cos = np.stack([self._trend_vecs @ v for v in vecs])
        return np.clip(cos / self.config.embedding_scale, 0.0, 1.0)

    def tag_batch(self, articles: Sequence[ArticleText]) -> list[list[TrendTag]]:
        """Tags for each article, best first, at most ``top_k``, each at or above ``threshold``."""
        cfg = self.config
        emb = self._embedding_part(articles)
        kw_w, emb_w = cfg.keyword_weight, cfg.embedding_weight
        if self.encoder is None:
            kw_w, emb_w = 1.0, 0.0
        total = (kw_w + emb_w) or 1.0
        results: list[list[TrendTag]] = []
        for row, article in enumerate(articles):
            tags = []
            for col, (kw, matched) in enumerate(self._keyword_part(article)):
                e = float(emb[row, col])
                score = (kw_w * kw + emb_w * e) / total
                if score >= cfg.threshold:
                    tags.append(TrendTag(self.slugs[col], score, kw, e, matched))
            tags.sort(key=lambda t: -t.score)
            results.append(tags[: cfg.top_k])
        return results

    def tag(self, title: str, text: str) -> list[TrendTag]:
        """Tags for one article."""
        return self.tag_batch([ArticleText(title, text)])[0]
