"""What the worker computes for each new article: keywords, deal, embedding and trend tags.

:class:`Analyser` is built from what the siblings could give this cycle: the trend catalog (or
None when the trend service is unreachable) and an encoder (or None when the AI service is). It
degrades instead of failing:

* no catalog - no tags, ``tagged=False``: the article is stored and tagged later;
* no encoder, or it fails mid-batch - no embedding, tags from keywords alone: the embedding is
  filled in later (search uses it; the tags stay keyword-based).

Keywords and deals are local and always computed. All methods are CPU-bound and blocking (the
encoder calls the AI service from the calling thread): run them in a worker thread. One lock
serialises batches: Kiwi and the primed encoder are shared.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from trendpath.news.deals import Deal, detect_deal
from trendpath.news.dedup import Article
from trendpath.news.embedder import EmbeddingUnavailable, PrimedEncoder, ServiceEncoder
from trendpath.news.keywords import get_extractor
from trendpath.news.tagging import ArticleText, TaggerConfig, TrendLike, TrendTag, TrendTagger

TOP_KEYWORDS = 10
_KIWI = threading.Lock()  # one Kiwi per process, shared by the worker and search queries


def nouns(text: str) -> list[str]:
    """The keyword terms of ``text`` (a search query), in order."""
    with _KIWI:
        return get_extractor().terms(text)


@dataclass(frozen=True)
class Analysed:
    """One article with everything stored beside it."""

    article: Article
    keywords: tuple[str, ...]
    deal: Deal | None
    embedding: np.ndarray | None  # None: not computed; a zero row: the text has nothing to embed
    tags: tuple[TrendTag, ...]
    tagged: bool


def article_text(title: str, text: str) -> str:
    """The text embedded for an article (the same string the tagger embeds)."""
    return f"{title}. {text}"


class Analyser:
    """Keywords, deals, embeddings and tags (see the module docstring)."""

    def __init__(
        self,
        trends: Sequence[TrendLike] | None,
        encoder: ServiceEncoder | None,
        usd_krw: float,
        config: TaggerConfig | None = None,
    ) -> None:
        self.trends = list(trends) if trends is not None else None
        self.encoder = encoder
        self.usd_krw = usd_krw
        self.config = config
        self._lock = threading.Lock()
        self._primed: PrimedEncoder | None = None
        self._semantic: TrendTagger | None = None
        self._lexical: TrendTagger | None = None

    def _lexical_tagger(self) -> TrendTagger:
        if self._lexical is None:
            self._lexical = TrendTagger(self.trends or [], None, self.config)
        return self._lexical

    def _semantic_tagger(self) -> TrendTagger | None:
        if self.encoder is None:
            return None
        if self._semantic is None:
            self._primed = PrimedEncoder(self.encoder)
            try:
                self._semantic = TrendTagger(self.trends or [], self._primed, self.config)
            except EmbeddingUnavailable:
                self.encoder = None  # this cycle only: the next cycle probes again
                return None
        return self._semantic

    def _embed(self, texts: Sequence[str]) -> list[np.ndarray | None]:
        if self.encoder is None or not texts:
            return [None] * len(texts)
        try:
            rows = self.encoder.encode(texts)
        except EmbeddingUnavailable:
            self.encoder = None
            return [None] * len(texts)
        return list(rows)

    def tag(
        self, items: Sequence[ArticleText], vectors: Sequence[np.ndarray | None]
    ) -> list[list[TrendTag]]:
        """Tags for ``items`` (embedding part only where every vector is known)."""
        if not items:
            return []
        known = [v for v in vectors if v is not None]
        semantic = self._semantic_tagger() if len(known) == len(items) else None
        if semantic is not None and self._primed is not None:
            self._primed.prime(
                {article_text(i.title, i.text): v for i, v in zip(items, known, strict=True)}
            )
            try:
                return semantic.tag_batch(items)
            except EmbeddingUnavailable:
                self.encoder = None
        return self._lexical_tagger().tag_batch(items)

    def analyse(self, articles: Sequence[Article]) -> list[Analysed]:
        """Everything stored for each of ``articles``, in order."""
        if not articles:
            return []
        with self._lock:
            entries = [a.entry for a in articles]
            with _KIWI:
                ranked = get_extractor().extract_batch(
                    [e.content or e.summary for e in entries],
                    [e.title for e in entries],
                    TOP_KEYWORDS,
                )
            items = [ArticleText(e.title, e.content or e.summary) for e in entries]
            vectors = self._embed([article_text(i.title, i.text) for i in items])
            tags = self.tag(items, vectors) if self.trends is not None else [[] for _ in items]
            return [
                Analysed(
                    article=article,
                    keywords=tuple(k.text for k in kws),
                    deal=detect_deal(f"{e.title}\n{e.content or e.summary}", self.usd_krw),
                    embedding=vector,
                    tags=tuple(found),
                    tagged=self.trends is not None,
                )
                for article, e, kws, vector, found in zip(
                    articles, entries, ranked, vectors, tags, strict=True
                )
            ]

    def retag(
        self, items: Sequence[ArticleText], stored: Sequence[np.ndarray | None]
    ) -> tuple[list[np.ndarray | None], list[list[TrendTag]] | None]:
        """Catch-up for stored articles: missing embeddings, and tags when the catalog is known."""
        with self._lock:
            texts = [article_text(i.title, i.text) for i in items]
            missing = [n for n, v in enumerate(stored) if v is None]
            vectors = list(stored)
            for n, vector in zip(missing, self._embed([texts[n] for n in missing]), strict=True):
                vectors[n] = vector
            if self.trends is None:
                return vectors, None
            return vectors, self.tag(items, vectors)
