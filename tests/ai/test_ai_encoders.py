"""``TRENDPATH_AI_ENCODER`` end to end: every service on a real port, the encoder read once.

The tiny local Llama (tests/fixtures/tiny-llama) is the model behind each learned encoder:
as a sentence-transformers directory built from it here, loaded directly as the llama encoder,
and behind a real OpenAI-compatible ``/v1/embeddings`` server. ``transformers serve`` has no
embeddings route (it serves chat, completions, responses and transcription), so the server is a
small real HTTP server of this test computing embeddings with the same model.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest

from support import LiveServer, free_port, service_token
from trendpath.ai import space
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

pytest.importorskip("transformers")
pytestmark = pytest.mark.llm

TINY = Path(__file__).parents[1] / "fixtures" / "tiny-llama"


class EmbeddingsServer:
    """A real local OpenAI-compatible ``/v1/embeddings`` server over the tiny Llama."""

    def __init__(self) -> None:
        from trendpath.ai.embed import LlamaMeanPoolEncoder

        self.encoder = LlamaMeanPoolEncoder(TINY)
        self.mode = "ok"
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
                rows = outer.encoder.encode(texts).tolist()
                if outer.mode == "nan":
                    rows[0][0] = float("nan")
                data = [
                    {"object": "embedding", "index": i, "embedding": r} for i, r in enumerate(rows)
                ]
                raw = json.dumps({"object": "list", "data": data, "model": body["model"]})
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(raw.encode())

            def log_message(self, *args: object) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/v1"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture(scope="module")
def embeddings_server() -> Iterator[EmbeddingsServer]:
    server = EmbeddingsServer()
    yield server
    server.close()


@pytest.fixture(scope="module")
def st_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A sentence-transformers model directory made from the tiny Llama (mean pooling)."""
    st = pytest.importorskip("sentence_transformers")
    from sentence_transformers import models

    word = models.Transformer(str(TINY))
    model = st.SentenceTransformer(modules=[word, models.Pooling(word.get_embedding_dimension())])
    if model.tokenizer.pad_token is None:
        model.tokenizer.pad_token = model.tokenizer.eos_token
    path = tmp_path_factory.mktemp("st") / "tiny-st"
    model.save(str(path))
    return path


@contextmanager
def serving(settings: Settings, database: Database, **update: Any) -> Iterator[str]:
    """Every service on a real port with the encoder settings given; the default restored after."""
    from trendpath.combined import create_combined_app

    live = settings.model_copy(update=update)
    runtime = Runtime(settings=live, db=database, clients=ServiceClients(live))
    try:
        with LiveServer(create_combined_app(live, runtime)) as server:
            yield server.url
    finally:
        space.configure(settings)


def _embed(url: str, token: str) -> httpx.Response:
    return httpx.post(
        f"{url}/api/ai/v1/embed/profile",
        json={"interests": [], "skills": {}, "text": "마케팅 데이터 분석가가 되고 싶어요"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )


def _ready(url: str) -> httpx.Response:
    return httpx.get(f"{url}/api/ai/readyz", timeout=60)


def test_openai_encoder_behind_a_real_embeddings_server(
    settings: Settings, database: Database, embeddings_server: EmbeddingsServer
) -> None:
    token = service_token(database, settings, "users", "ai:embed")
    opts = {"ai_encoder": "openai", "ai_encoder_base_url": embeddings_server.url,
            "ai_encoder_model": "tiny", "ai_encoder_dim": 64}  # fmt: skip
    with serving(settings, database, **opts) as url:
        ready = _ready(url)
        assert ready.status_code == 200, ready.text
        assert ready.json()["details"]["encoder"] == {
            "setting": "openai", "serving": "openai-embeddings:tiny-d64", "dim": 64,
            "fallback": False, "reason": None,
        }  # fmt: skip
        space_ = httpx.get(f"{url}/api/ai/v1/persona/space", timeout=30).json()
        assert space_["version"] == "persona-v2/openai-embeddings:tiny-d64"
        made = _embed(url, token)
        assert made.status_code == 200, made.text
        assert made.json()["version"] == space_["version"] and len(made.json()["vector"]) == 1536
        assert any(link["slug"] == "growth-marketing" for link in made.json()["links"])


def test_a_misconfigured_encoder_is_a_clear_readiness_failure(
    settings: Settings,
    database: Database,
    embeddings_server: EmbeddingsServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    dead = f"http://127.0.0.1:{free_port()}/v1"
    cases = [
        ({"ai_encoder_base_url": dead, "ai_encoder_dim": 64}, "cannot reach the embeddings server"),
        ({"ai_encoder_base_url": embeddings_server.url, "ai_encoder_dim": 32}, "of 32 dims"),
    ]
    for update, why in cases:
        caplog.clear()
        with (
            caplog.at_level(logging.ERROR, logger="trendpath.ai.space"),
            serving(settings, database, ai_encoder="openai", **update) as url,
        ):
            ready = _ready(url)
            assert ready.status_code == 503
            message = ready.json()["error"]["message"]
            assert "TRENDPATH_AI_ENCODER=openai" in message and why in message
            token = service_token(database, settings, "users", "ai:embed")
            assert _embed(url, token).status_code == 503
        lines = [r for r in caplog.records if "TRENDPATH_AI_ENCODER=openai" in r.getMessage()]
        assert len(lines) == 1


def test_nan_from_the_server_fails_and_fallback_serves_hash_and_says_so(
    settings: Settings, database: Database, embeddings_server: EmbeddingsServer
) -> None:
    embeddings_server.mode = "nan"
    opts = {"ai_encoder": "openai", "ai_encoder_base_url": embeddings_server.url,
            "ai_encoder_dim": 64}  # fmt: skip
    try:
        with serving(settings, database, **opts) as url:
            ready = _ready(url)
            assert ready.status_code == 503 and "non-finite" in ready.json()["error"]["message"]
        with serving(settings, database, ai_encoder_fallback=True, **opts) as url:
            ready = _ready(url)
            assert ready.status_code == 200
            encoder = ready.json()["details"]["encoder"]
            assert encoder["fallback"] is True and encoder["serving"] == "korean-hash:1-d1024"
            assert "non-finite" in encoder["reason"]
            space_ = httpx.get(f"{url}/api/ai/v1/persona/space", timeout=30).json()
            assert space_["encoder"]["fallback"] is True
            assert space_["version"] == "persona-v2/korean-hash:1-d1024"
    finally:
        embeddings_server.mode = "ok"


def test_local_directory_encoders(settings: Settings, database: Database, st_dir: Path) -> None:
    token = service_token(database, settings, "users", "ai:embed")
    expected = {
        "sentence-transformers": (st_dir, "sentence-transformers:tiny-st"),
        "llama": (TINY, "llama-meanpool:tiny-llama"),
    }
    for kind, (path, serving_name) in expected.items():
        with serving(settings, database, ai_encoder=kind, ai_encoder_path=path) as url:
            ready = _ready(url)
            assert ready.status_code == 200, ready.text
            assert ready.json()["details"]["encoder"]["serving"] == serving_name
            made = _embed(url, token)
            assert made.status_code == 200 and made.json()["version"].endswith(serving_name)
    missing = st_dir.parent / "no-such-model"
    with serving(settings, database, ai_encoder="llama", ai_encoder_path=missing) as url:
        ready = _ready(url)
        assert ready.status_code == 503
        assert "TRENDPATH_AI_ENCODER=llama" in ready.json()["error"]["message"]
        assert "does not exist" in ready.json()["error"]["message"]
