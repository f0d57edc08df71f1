"""``trendpath doctor``: what is configured, what works, and what is missing."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from trendpath.kit.errors import ConfigError
from trendpath.kit.settings import Settings

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report."""

    name: str
    level: Level
    detail: str


def run_checks(settings: Settings) -> Iterator[Check]:
    """Run every check; database first since everything needs it."""
    yield _database(settings)
    yield _state_dir(settings)
    yield _data_dir(settings)
    yield _module("torch", "forecasting models (GRU / Time-Series Transformer)", required=True)
    yield _module("kiwipiepy", "Korean morphology for keywords and value cues", required=True)
    yield _module(
        "transformers", "LLM fine-tuning and local inference (extra: llm)", required=False
    )
    yield _module("bitsandbytes", "4-bit QLoRA (extra: llm)", required=False)
    yield _values_method(settings)
    yield _encoder(settings)
    yield _fonts()
    yield _chromium()


def _database(settings: Settings) -> Check:
    from trendpath.kit.db import redact
    from trendpath.kit.embedded import embedded_running

    if settings.embedded:
        running = embedded_running(settings.state_dir)
        state = "running" if running else "stopped (starts on demand)"
        return Check(
            "database", "ok", f"embedded PostgreSQL in {settings.state_dir / 'pg'}, {state}"
        )
    from trendpath.kit.db import Database

    assert settings.database_url is not None
    try:
        db = Database.from_settings(settings, settings.database_url)
        try:
            db.check()
        finally:
            db.dispose()
    except ConfigError as exc:
        return Check("database", "fail", str(exc))
    return Check("database", "ok", f"{redact(settings.database_url)} reachable, pgvector ok")


def _state_dir(settings: Settings) -> Check:
    path = settings.state_dir
    parent = path if path.exists() else path.parent
    if os.access(parent, os.W_OK):
        return Check("state", "ok", f"{path} (writable)")
    return Check("state", "fail", f"{path} is not writable — set TRENDPATH_STATE_DIR")


def _data_dir(settings: Settings) -> Check:
    if settings.data_dir.is_dir():
        return Check("data", "ok", str(settings.data_dir))
    return Check("data", "fail", f"{settings.data_dir} missing — set TRENDPATH_DATA_DIR")


def _module(name: str, role: str, *, required: bool) -> Check:
    if importlib.util.find_spec(name) is not None:
        return Check(name, "ok", role)
    level: Level = "fail" if required else "warn"
    return Check(name, level, f"not installed — {role}")


def _values_method(settings: Settings) -> Check:
    """TRENDPATH_AI_VALUES_METHOD and whether its model can serve (the server is asked)."""
    from trendpath.ai.values_method import build_values_method

    method = build_values_method(settings)
    problem, details = method.readiness()
    detail = f"{details['configured']} (serving: {details['serving']})"
    if details.get("problem"):
        detail += f" — {details['problem']}"
    level: Level = "fail" if problem else ("warn" if details.get("problem") else "ok")
    return Check("values", level, detail)


def _encoder(settings: Settings) -> Check:
    """The text encoder of the persona space, built and probed as the AI service does."""
    from trendpath.ai.embed import EncoderUnavailable
    from trendpath.ai.space import build_encoder

    name = f"TRENDPATH_AI_ENCODER={settings.ai_encoder}"
    try:
        enc = build_encoder(settings)
    except EncoderUnavailable as exc:
        if settings.ai_encoder_fallback:
            return Check("encoder", "warn", f"{name} unavailable ({exc}); hash serves (fallback)")
        return Check("encoder", "fail", f"{name} unavailable: {exc}")
    return Check("encoder", "ok", f"{name}: {enc.name}:{enc.version}, {enc.dim} dims")


def _fonts() -> Check:
    if shutil.which("fc-list") is None:
        return Check("fonts", "warn", "fc-list missing; cannot check for a Korean font")
    out = subprocess.run(["fc-list", ":lang=ko"], capture_output=True, text=True, check=False)
    if out.stdout.strip():
        return Check("fonts", "ok", f"{len(out.stdout.splitlines())} Korean font files")
    return Check("fonts", "warn", "no Korean font — apt-get install fonts-nanum (browser tests)")


def _chromium() -> Check:
    for candidate in ("/usr/bin/chromium", "/usr/bin/chromium-browser"):
        if os.path.exists(candidate):
            return Check("chromium", "ok", candidate)
    return Check("chromium", "warn", "not found — apt-get install chromium (browser tests)")
