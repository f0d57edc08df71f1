"""Data for bench/vectors.py: persona-like vectors, streaming exact top-k, binary COPY payloads."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from trendpath.ai.persona import DEFAULT_CONFIG
from trendpath.kit.taxonomy import VALUE_AXES, load_taxonomy

DIM = DEFAULT_CONFIG.dim
CHUNK = 20_000
K = 10


def _unit_rows(rng: np.random.Generator, n: int, dim: int) -> np.ndarray:
    v = rng.standard_normal((n, dim)).astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _normalise(v: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(v, axis=1, keepdims=True)
    return v / np.where(norm > 0, norm, 1.0)


class PersonaSampler:
    """Persona-like unit vectors: a mixture of archetypes laid out like the real persona space."""

    def __init__(self, seed: int = 7, archetypes: int = 400) -> None:
        cfg, tax = DEFAULT_CONFIG, load_taxonomy()
        rng = np.random.default_rng(seed)
        self.ranges = cfg.ranges()
        self.weights = dict(cfg.weights)
        tags, skills = sorted(tax.interest_group_of), sorted(tax.skills)
        # Like persona.py: one random unit vector per tag/skill plus a share of its group's.
        self.tag_vecs = self._basis(rng, [tax.interest_group_of[t] for t in tags], cfg.interest_dim)
        self.skill_vecs = self._basis(rng, [tax.skills[s].group for s in skills], cfg.skill_dim)
        a = archetypes
        self.popularity = 1.0 / np.arange(1, a + 1) ** 0.8
        self.popularity /= self.popularity.sum()
        self.topic = _unit_rows(rng, a, cfg.text_dim)
        self.spread = rng.uniform(0.6, 1.6, a).astype(np.float32)
        group_of = np.array([tax.interest_group_of[t] for t in tags])
        groups = np.unique(group_of)
        # Each archetype favours six tags from two interest groups and eight skills.
        two_groups = [np.flatnonzero(np.isin(group_of, rng.choice(groups, 2))) for _ in range(a)]
        self.pref_tags = np.stack([rng.choice(g, 6) for g in two_groups])
        self.pref_skills = np.stack([rng.choice(len(skills), 8, replace=False) for _ in range(a)])
        self.pref_levels = rng.integers(1, 6, (a, 8)).astype(np.float32)
        self.values = rng.beta(2, 2, (a, len(VALUE_AXES))).astype(np.float32)

    @staticmethod
    def _basis(rng: np.random.Generator, groups: list[str], dim: int) -> np.ndarray:
        names = sorted(set(groups))
        group_vecs = _unit_rows(rng, len(names), dim)
        own = _unit_rows(rng, len(groups), dim)
        share = DEFAULT_CONFIG.group_share
        return own + share * group_vecs[[names.index(g) for g in groups]]

    def sample(self, n: int, rng: np.random.Generator) -> np.ndarray:
        """``n`` persona vectors (float32 unit rows)."""
        arch = rng.choice(len(self.popularity), n, p=self.popularity)
        blocks = {
            "text": self._text(arch, rng),
            "interests": self._picks(arch, rng, self.pref_tags, self.tag_vecs, 0.8, 5, False),
            "skills": self._picks(arch, rng, self.pref_skills, self.skill_vecs, 0.75, 6, True),
            "values": self._values(arch, rng),
        }
        out = np.zeros((n, DIM), dtype=np.float32)
        for name, block in blocks.items():
            start, stop = self.ranges[name]
            out[:, start:stop] = self.weights[name] * _normalise(block)
        return _normalise(out)

    def _text(self, arch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        dim = self.topic.shape[1]
        noise = rng.standard_normal((len(arch), dim)).astype(np.float32) / np.sqrt(dim)
        text = self.topic[arch] + self.spread[arch, None] * noise
        text[rng.random(len(arch)) < 0.25] = 0.0  # no conversation yet
        return text

    def _picks(
        self, arch: np.ndarray, rng: np.random.Generator, preferred: np.ndarray,
        basis: np.ndarray, loyalty: float, slots: int, levels: bool,
    ) -> np.ndarray:  # fmt: skip
        """Sum of 1..``slots`` basis vectors, mostly the archetype's preferred ones."""
        n = len(arch)
        slot = rng.integers(0, preferred.shape[1], (n, slots))
        own = np.take_along_axis(preferred[arch], slot, axis=1)
        stray = rng.integers(0, len(basis), own.shape)
        pick = np.where(rng.random((n, slots)) < loyalty, own, stray)
        used = rng.integers(1, slots + 1, n)[:, None]
        weight = (np.arange(slots)[None, :] < used).astype(np.float32)
        if levels:  # a person's skill weight is (level - 2) / 3, as in persona.py
            level = np.take_along_axis(self.pref_levels[arch], slot, axis=1)
            level = np.clip(np.rint(level + rng.normal(0, 0.8, level.shape)), 1, 5)
            weight *= (level - 2) / 3
        return np.einsum("ns,nsd->nd", weight, basis[pick]).astype(np.float32)

    def _values(self, arch: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        raw = np.clip(self.values[arch] + rng.normal(0, 0.12, self.values[arch].shape), 0, 1)
        out = np.zeros((len(arch), DEFAULT_CONFIG.value_dim), dtype=np.float32)
        out[:, : raw.shape[1]] = raw - raw.mean(axis=1, keepdims=True)
        return out

    def stream(self, n: int, seed: int) -> Iterator[np.ndarray]:
        """``n`` vectors in chunks; the same seed always yields the same vectors."""
        rng = np.random.default_rng(seed)
        for start in range(0, n, CHUNK):
            yield self.sample(min(CHUNK, n - start), rng)


class TopK:
    """Exact top-``K`` neighbours (cosine = dot product of unit rows) of fixed queries.

    Fed chunk by chunk while the data streams into the database, so the full matrix is never
    held in memory.
    """

    def __init__(self, queries: np.ndarray) -> None:
        self.queries = queries
        self.scores = np.empty((len(queries), 0), dtype=np.float32)
        self.ids = np.empty((len(queries), 0), dtype=np.int64)

    def add(self, chunk: np.ndarray, offset: int) -> None:
        """Merge one chunk whose first row has id ``offset``."""
        sims = self.queries @ chunk.T
        k = min(K, sims.shape[1])
        part = np.argpartition(-sims, k - 1, axis=1)[:, :k]
        scores = np.concatenate([self.scores, np.take_along_axis(sims, part, 1)], axis=1)
        ids = np.concatenate([self.ids, part + offset], axis=1)
        best = np.argsort(-scores, axis=1, kind="stable")[:, :K]
        self.scores = np.take_along_axis(scores, best, 1)
        self.ids = np.take_along_axis(ids, best, 1)


# ----------------------------------------------------------------------------- database

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
COPY_TRAILER = b"\xff\xff"


def copy_payload(chunk: np.ndarray, offset: int, kind: str) -> bytes:
    """Rows ``(id int4, embedding)`` in PostgreSQL's binary COPY format, built with numpy.

    pgvector's binary form is ``int16 dim, int16 unused`` then the elements big-endian
    (float4 for ``vector``, IEEE half for ``halfvec``).
    """
    elem = ">f4" if kind == "vector" else ">f2"
    dt = np.dtype(
        [("fields", ">i2"), ("id_len", ">i4"), ("id", ">i4"), ("vec_len", ">i4"),
         ("dim", ">u2"), ("unused", ">u2"), ("v", elem, (DIM,))]
    )  # fmt: skip
    rec = np.empty(len(chunk), dtype=dt)
    rec["fields"], rec["id_len"], rec["dim"], rec["unused"] = 2, 4, DIM, 0
    rec["id"] = np.arange(offset, offset + len(chunk))
    rec["vec_len"] = 4 + DIM * np.dtype(elem).itemsize
    rec["v"] = chunk
    return rec.tobytes()
