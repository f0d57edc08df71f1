"""Encoders: the offline Korean encoder, the embeddings client, and clear errors."""

from __future__ import annotations

import numpy as np
import pytest
from ai_recorded_server import Recorded, RecordedServer, dead_url

from trendpath.ai.embed import (
    Encoder,
    EncoderUnavailable,
    KoreanHashEncoder,
    OpenAIEmbeddingsEncoder,
    SentenceTransformerEncoder,
    make_encoder,
)


def sim(enc: Encoder, a: str, b: str) -> float:
    va, vb = enc.encode([a, b])
    return float(va @ vb)


def test_hash_encoder_shape_norm_determinism_and_empty_rows() -> None:
    enc = KoreanHashEncoder()
    texts = ["머신러닝 엔지니어가 되고 싶어요", "", "   ", "백엔드 개발자"]
    out = enc.encode(texts)
    assert out.shape == (4, 1024) and out.dtype == np.float32
    norms = np.linalg.norm(out, axis=1)
    assert norms[0] == pytest.approx(1.0, abs=1e-5) and norms[3] == pytest.approx(1.0, abs=1e-5)
    assert not out[1].any() and not out[2].any()
    again = KoreanHashEncoder().encode(texts)
    assert np.array_equal(out, again)
    assert isinstance(enc, Encoder) and enc.version == "1-d1024"
    assert enc.encode([]).shape == (0, 1024)


def test_hash_encoder_korean_similarity_sanity() -> None:
    enc = KoreanHashEncoder()
    related = sim(enc, "머신러닝 모델을 만드는 엔지니어", "딥러닝과 머신러닝 모델 개발")
    unrelated = sim(enc, "머신러닝 모델을 만드는 엔지니어", "어르신 돌봄 서비스와 요양")
    assert related > unrelated + 0.15
    care = sim(enc, "노인 돌봄 서비스 창업", "고령층을 위한 돌봄 서비스와 실버산업")
    assert care > sim(enc, "노인 돌봄 서비스 창업", "반도체 공정 엔지니어")
    # Spacing variants of one compound land close together.
    assert sim(enc, "데이터 엔지니어가 꿈이에요", "데이터엔지니어가 꿈이에요") > 0.6
    assert sim(enc, "머신 러닝 공부", "머신러닝 공부") > 0.5
    # Endings and particles do not dominate: same topic, different grammar.
    assert sim(enc, "백엔드 개발을 하고 싶어요", "백엔드 개발자였어요") > 0.5


def test_factory_and_clear_errors(tmp_path: object) -> None:
    assert isinstance(make_encoder("hash", dim=64), KoreanHashEncoder)
    with pytest.raises(ValueError, match="unknown encoder"):
        make_encoder("word2vec")
    with pytest.raises(EncoderUnavailable, match="does not exist"):
        SentenceTransformerEncoder("/nonexistent/bge-m3")
    with pytest.raises(EncoderUnavailable):
        SentenceTransformerEncoder(str(tmp_path))
    with pytest.raises(EncoderUnavailable, match="does not exist"):
        make_encoder("llama", model_path="/nonexistent/llama")


def embeddings_body(rows: list[list[float]]) -> dict[str, object]:
    data = [{"object": "embedding", "index": i, "embedding": r} for i, r in enumerate(rows)]
    return {"object": "list", "data": list(reversed(data)), "model": "emb"}


def test_openai_embeddings_client_against_local_server() -> None:
    with RecordedServer() as srv:
        srv.add(
            "POST", "/v1/embeddings", Recorded(json_body=embeddings_body([[3, 4, 0], [0, 0, 2]]))
        )
        enc = OpenAIEmbeddingsEncoder(srv.url, "emb", api_key="k", dim=3, send_dimensions=True)
        out = enc.encode(["가", "", "나"])
    assert np.allclose(out, [[0.6, 0.8, 0], [0, 0, 0], [0, 0, 1]])
    sent = srv.requests[0].body
    assert sent["input"] == ["가", "나"] and sent["dimensions"] == 3 and sent["model"] == "emb"
    assert srv.requests[0].headers["Authorization"] == "Bearer k"


def test_openai_embeddings_errors_are_clear() -> None:
    with RecordedServer() as srv:
        srv.add("POST", "/v1/embeddings", Recorded(json_body=embeddings_body([[1.0, 0.0]])))
        with pytest.raises(EncoderUnavailable, match="expected 1 embeddings of 3 dims"):
            OpenAIEmbeddingsEncoder(srv.url, "emb", dim=3).encode(["가"])
    with RecordedServer() as srv:
        srv.add("POST", "/v1/embeddings", Recorded(status=503, json_body={"error": "busy"}))
        with pytest.raises(EncoderUnavailable, match="HTTP 503"):
            OpenAIEmbeddingsEncoder(srv.url, "emb", dim=3).encode(["가"])
    with pytest.raises(EncoderUnavailable, match="cannot reach"):
        OpenAIEmbeddingsEncoder(dead_url(), "emb", dim=3, timeout=2.0).encode(["가"])
