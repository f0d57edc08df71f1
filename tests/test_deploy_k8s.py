"""Kubernetes manifests (deploy/k8s) are rendered and validated offline.

* Rendering: ``kustomize build`` when a kustomize binary is on PATH, else ``kubectl kustomize``
  (kubectl embeds kustomize v5); the rendering tests skip when neither is installed.
* A small Python walk of the kustomization files runs always: every referenced file exists,
  every manifest is used by some kustomization, and every patch target names a real resource.
* Schemas: ``kubernetes-validate`` in strict mode (unknown fields are errors) against the oldest
  and newest Kubernetes we support. Its bundled schemas have no CustomResourceDefinitions, so the
  CloudNativePG ``Cluster`` and ``Pooler`` get a minimal check of apiVersion, kind and the
  fields we rely on instead.
* Invariants: probes, limits and a non-root, read-only securityContext on every workload; an HPA
  and a PDB per stateless service; one pinned image; no secret values committed. The network
  policies are evaluated in test_deploy_k8s_network.py.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import kubernetes_validate.utils as kv
import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
K8S = ROOT / "deploy" / "k8s"
BUILDS = ("base", "overlays/dev", "overlays/prod")
STATELESS = ("auth", "users", "news", "trends", "ai", "web")
K8S_VERSIONS = ("1.29", "1.37")  # oldest we support (CronJob timeZone, autoscaling/v2), newest
CNPG = "postgresql.cnpg.io/v1"
Doc = dict[str, Any]


def _load(path: Path) -> list[Doc]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def _kustomize_cmd() -> list[str] | None:
    if shutil.which("kustomize"):
        return ["kustomize", "build"]
    if shutil.which("kubectl"):
        return ["kubectl", "kustomize"]
    return None


def _no_renderer() -> NoReturn:
    """Skip without a kustomize renderer, unless CI demands one (TRENDPATH_REQUIRE_KUSTOMIZE=1)."""
    if os.environ.get("TRENDPATH_REQUIRE_KUSTOMIZE"):
        pytest.fail("TRENDPATH_REQUIRE_KUSTOMIZE is set but neither kustomize nor kubectl exists")
    pytest.skip("neither kustomize nor kubectl is installed")


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[Doc]]:
    """Each build rendered by kustomize, as a list of resources."""
    cmd = _kustomize_cmd()
    if cmd is None:
        _no_renderer()
    out = {}
    for build in BUILDS:
        proc = subprocess.run(
            [*cmd, str(K8S / build)], capture_output=True, text=True, timeout=60, check=False
        )
        assert proc.returncode == 0, f"{build}: {proc.stderr}"
        out[build] = [d for d in yaml.safe_load_all(proc.stdout) if d]
    return out


def _by(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _pod_spec(doc: Doc) -> Doc:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["spec"]


def _pod_labels(doc: Doc) -> dict[str, str]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["metadata"]["labels"]


def _workloads(docs: list[Doc]) -> list[Doc]:
    return [d for d in docs if d["kind"] in ("Deployment", "Job", "CronJob")]


def _env(container: Doc) -> dict[str, Doc]:
    return {e["name"]: e for e in container.get("env", [])}


# --- the kustomization graph, without a kustomize binary ---------------------------------------


def _kustomization(folder: Path) -> Doc:
    return yaml.safe_load((folder / "kustomization.yaml").read_text())


def _walk(folder: Path, seen: set[Path]) -> list[Doc]:
    """Resources a kustomization (and its bases/components) declares; records files used."""
    k = _kustomization(folder)
    seen.add(folder / "kustomization.yaml")
    docs: list[Doc] = []
    for entry in [*k.get("resources", []), *k.get("components", [])]:
        path = (folder / entry).resolve()
        assert path.exists(), f"{folder}: {entry} does not exist"
        if path.is_dir():
            docs += _walk(path, seen)
        else:
            seen.add(path)
            docs += _load(path)
    for gen in k.get("configMapGenerator", []):
        for env_file in gen.get("envs", []):
            assert (folder / env_file).is_file(), f"{folder}: {env_file} does not exist"
            seen.add((folder / env_file).resolve())
    for patch in k.get("patches", []):
        if "path" in patch:
            assert (folder / patch["path"]).is_file(), f"{folder}: {patch['path']} missing"
            seen.add((folder / patch["path"]).resolve())
    return docs


def test_every_referenced_file_exists_and_every_manifest_is_used() -> None:
    seen: set[Path] = set()
    for build in BUILDS:
        _walk(K8S / build, seen)
    files = {p.resolve() for p in K8S.rglob("*") if p.suffix in (".yaml", ".yml", ".env")}
    assert files - {p.resolve() for p in seen} == set(), "manifests no kustomization uses"


def test_every_patch_targets_an_existing_resource() -> None:
    for build in BUILDS:
        folder = K8S / build
        resources = _walk(folder, set())
        for patch in _kustomization(folder).get("patches", []):
            target = patch.get("target") or _load(folder / patch["path"])[0]["metadata"]
            kind, name = target.get("kind"), target.get("name", ".*")
            hits = [
                r
                for r in resources
                if (kind is None or r["kind"] == kind)
                and re.fullmatch(name.strip("^$"), r["metadata"]["name"])
            ]
            assert hits, f"{build}: patch {patch} matches no resource"


# --- schemas ------------------------------------------------------------------------------------


def _check_cnpg(doc: Doc) -> None:
    """Minimal check of CloudNativePG resources (their CRD schemas are not bundled)."""
    assert doc["apiVersion"] == CNPG
    spec = doc["spec"]
    if doc["kind"] == "Cluster":
        assert isinstance(spec["instances"], int) and spec["instances"] >= 1
        assert re.fullmatch(r"\d+(Gi|Ti)", spec["storage"]["size"])
        # CloudNativePG's "standard" operand images bundle pgvector; "minimal" ones do not.
        assert spec["imageName"].startswith("ghcr.io/cloudnative-pg/postgresql:")
        assert "-standard-" in spec["imageName"]
        initdb = spec["bootstrap"]["initdb"]
        assert initdb["database"] == initdb["owner"] == "trendpath"
        assert "CREATE EXTENSION IF NOT EXISTS vector" in initdb["postInitApplicationSQL"]
    elif doc["kind"] == "Pooler":
        assert spec["cluster"]["name"] and spec["type"] in ("rw", "ro")
        assert spec["pgbouncer"]["poolMode"] in ("session", "transaction")
    else:
        raise AssertionError(f"unexpected custom resource {doc['kind']}")


@pytest.mark.parametrize("build", BUILDS)
def test_manifests_pass_strict_schema_validation(rendered: dict, build: str) -> None:
    for doc in rendered[build]:
        if doc["apiVersion"].startswith("postgresql.cnpg.io/"):
            _check_cnpg(doc)
            continue
        for version in K8S_VERSIONS:
            kv.validate(doc, version, strict=True)


def test_strict_validation_rejects_unknown_fields(rendered: dict) -> None:
    deployment = dict(_by(rendered["base"], "Deployment")["auth"])
    deployment["spec"] = {**deployment["spec"], "replica": 2}
    with pytest.raises(kv.ValidationError):
        kv.validate(deployment, K8S_VERSIONS[-1], strict=True)


# --- workload invariants ------------------------------------------------------------------------


@pytest.mark.parametrize("build", BUILDS)
def test_every_workload_runs_locked_down(rendered: dict, build: str) -> None:
    for doc in _workloads(rendered[build]):
        pod, where = _pod_spec(doc), f"{build}: {doc['kind']}/{doc['metadata']['name']}"
        assert pod["securityContext"]["runAsNonRoot"] is True, where
        assert pod["securityContext"]["runAsUser"] == 10001, where
        assert pod["automountServiceAccountToken"] is False, where
        assert pod["enableServiceLinks"] is False, where
        empty_dirs = {v["name"] for v in pod["volumes"] if "emptyDir" in v}
        for c in pod["containers"]:
            sc = c["securityContext"]
            assert sc["readOnlyRootFilesystem"] is True, where
            assert sc["allowPrivilegeEscalation"] is False, where
            assert sc["capabilities"]["drop"] == ["ALL"], where
            mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
            assert mounts.get("/tmp") in empty_dirs, f"{where}: /tmp must be an emptyDir"
            for key in ("cpu", "memory"):
                assert c["resources"]["requests"][key] and c["resources"]["limits"][key], where


@pytest.mark.parametrize("build", BUILDS)
def test_every_deployment_has_probes_and_is_scraped(rendered: dict, build: str) -> None:
    for name, doc in _by(rendered[build], "Deployment").items():
        pod = _pod_spec(doc)
        container = pod["containers"][0]
        ready, live = container["readinessProbe"], container["livenessProbe"]
        if container["image"].startswith("vllm/"):
            assert ready["httpGet"]["path"] == live["httpGet"]["path"] == "/health"
        else:
            assert (ready["httpGet"]["path"], live["httpGet"]["path"]) == ("/readyz", "/healthz")
            assert pod["volumes"] and {m["mountPath"] for m in container["volumeMounts"]} >= {
                "/tmp",
                "/app/state",
            }
        notes = doc["spec"]["template"]["metadata"]["annotations"]
        assert notes["prometheus.io/scrape"] == "true", name
        ports = {str(p["containerPort"]) for p in container["ports"]}
        assert notes["prometheus.io/port"] in ports and notes["prometheus.io/path"] == "/metrics"


@pytest.mark.parametrize("build", BUILDS)
def test_every_stateless_service_has_service_hpa_and_pdb(rendered: dict, build: str) -> None:
    docs = rendered[build]
    deployments, services = _by(docs, "Deployment"), _by(docs, "Service")
    hpas, pdbs = _by(docs, "HorizontalPodAutoscaler"), _by(docs, "PodDisruptionBudget")
    for name in STATELESS:
        dep = deployments[name]
        assert "replicas" not in dep["spec"], f"{name}: the HPA owns the replica count"
        assert _pod_spec(dep)["containers"][0]["args"] == ["serve", name]
        assert services[name]["spec"]["selector"] == dep["spec"]["selector"]["matchLabels"]
        hpa = hpas[name]["spec"]
        assert hpas[name]["apiVersion"] == "autoscaling/v2"
        assert hpa["scaleTargetRef"] == {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": name,
        }
        assert 1 <= hpa["minReplicas"] <= hpa["maxReplicas"]
        assert hpa["metrics"][0]["resource"]["name"] == "cpu"
        labels = _pod_labels(dep)
        selector = pdbs[name]["spec"]["selector"]["matchLabels"]
        assert selector.items() <= labels.items(), f"{name}: PDB does not select its pods"
    prod = _by(rendered["overlays/prod"], "HorizontalPodAutoscaler")
    assert all(prod[n]["spec"]["minReplicas"] >= 2 for n in STATELESS), "prod runs >= 2 of each"


@pytest.mark.parametrize("build", BUILDS)
def test_one_pinned_image_for_every_trendpath_container(rendered: dict, build: str) -> None:
    images = set()
    for doc in _workloads(rendered[build]):
        for c in _pod_spec(doc)["containers"]:
            if c["image"].startswith("vllm/"):
                assert not c["image"].endswith(":latest")
                continue
            images.add(c["image"])
    assert len(images) == 1, images
    if build == "overlays/prod":
        assert not images.pop().endswith(":latest"), "prod pins a release tag"


@pytest.mark.parametrize("build", BUILDS)
def test_no_secret_values_are_committed(rendered: dict, build: str) -> None:
    docs = rendered[build]
    assert not [d for d in docs if d["kind"] == "Secret"], "Secrets are created by hand"
    (config,) = _by(docs, "ConfigMap").values()
    for key in config["data"]:
        assert not re.search(r"SECRET|PASSWORD|TOKEN|_KEY$", key), key
    referenced = set()
    for doc in _workloads(docs):
        for c in _pod_spec(doc)["containers"]:
            referenced |= {e["valueFrom"]["secretKeyRef"]["name"] for e in c.get("env", [])
                           if "secretKeyRef" in e.get("valueFrom", {})}  # fmt: skip
            for src in c.get("envFrom", []):
                if "secretRef" in src:
                    assert src["secretRef"]["optional"] is True
                    referenced.add(src["secretRef"]["name"])
    ops = (ROOT / "docs" / "operations.md").read_text()
    for name in referenced - {"trendpath-db-app"}:  # that one is made by CloudNativePG
        assert f"create secret generic {name}" in ops, f"docs: how to create {name}"


def test_public_url_matches_the_ingress_host(rendered: dict) -> None:
    for build in BUILDS:
        (config,) = _by(rendered[build], "ConfigMap").values()
        host = _by(rendered[build], "Ingress")["web"]["spec"]["rules"][0]["host"]
        assert config["data"]["TRENDPATH_PUBLIC_URL"] == f"https://{host}", build


# --- jobs, database wiring, vLLM ----------------------------------------------------------------


def test_migrations_run_before_the_rollout_and_jobs_are_scheduled(rendered: dict) -> None:
    docs = rendered["base"]
    job = _by(docs, "Job")["trendpath-migrate"]
    assert _pod_spec(job)["containers"][0]["args"] == ["migrate"]
    assert job["metadata"]["annotations"]["argocd.argoproj.io/hook"] == "PreSync"
    commands = {
        n: (_pod_spec(c)["containers"][0]["args"][:2], c["spec"]["concurrencyPolicy"])
        for n, c in _by(docs, "CronJob").items()
    }
    assert commands == {
        "trends-collect": (["trends", "collect"], "Forbid"),
        "forecast-train": (["trends", "forecast"], "Forbid"),
        "backup": (["backup", "--output"], "Forbid"),
    }
    worker = _by(docs, "Deployment")["news-worker"]
    assert _pod_spec(worker)["containers"][0]["args"] == ["serve", "news"]
    api = _pod_spec(_by(docs, "Deployment")["news"])["containers"][0]["env"]
    assert {"name": "TRENDPATH_NEWS_WORKER_ENABLED", "value": "false"} in api
    # The trainer writes the registry that trends reads: the same claim on both.
    claims = {
        n: {v["persistentVolumeClaim"]["claimName"] for v in _pod_spec(d)["volumes"]
            if "persistentVolumeClaim" in v}
        for n, d in {**_by(docs, "CronJob"), **_by(docs, "Deployment")}.items()
    }  # fmt: skip
    assert claims["forecast-train"] == claims["trends"] == {"trendpath-models"}


def test_dev_uses_an_external_database_by_url(rendered: dict) -> None:
    docs = rendered["overlays/dev"]
    assert not [d for d in docs if d["apiVersion"] == CNPG]
    for doc in _workloads(docs):
        ref = _env(_pod_spec(doc)["containers"][0])["TRENDPATH_DATABASE_URL"]["valueFrom"]
        assert ref["secretKeyRef"] == {"name": "trendpath-database", "key": "url"}


def test_prod_runs_postgres_on_cloudnativepg_behind_pgbouncer(rendered: dict) -> None:
    docs = rendered["overlays/prod"]
    (cluster,) = _by(docs, "Cluster").values()
    (pooler,) = _by(docs, "Pooler").values()
    assert pooler["spec"]["cluster"]["name"] == cluster["metadata"]["name"]
    assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
    app_secret = f"{cluster['metadata']['name']}-app"  # the operator's naming
    for doc in _workloads(docs):
        if doc["metadata"]["name"] == "vllm":
            continue
        env = _env(_pod_spec(doc)["containers"][0])
        url = env["TRENDPATH_DATABASE_URL"]
        if doc["kind"] == "Deployment":  # long-running: through the pooler's Service
            assert url["value"].split("@")[1].startswith(f"{pooler['metadata']['name']}:5432/")
            assert "valueFrom" not in url
            assert env["PGPASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == app_secret
        else:  # jobs keep a session (advisory lock, pg_dump): straight to the primary
            assert url["valueFrom"]["secretKeyRef"] == {"name": app_secret, "key": "uri"}


def test_vllm_serves_the_adapter_on_one_gpu(rendered: dict) -> None:
    assert "vllm" not in _by(rendered["overlays/dev"], "Deployment")
    docs = rendered["overlays/prod"]
    vllm = _by(docs, "Deployment")["vllm"]
    pod = _pod_spec(vllm)
    (c,) = pod["containers"]
    assert (
        c["resources"]["limits"]["nvidia.com/gpu"] == c["resources"]["requests"]["nvidia.com/gpu"]
    )
    assert c["resources"]["limits"]["nvidia.com/gpu"] == 1
    assert "--enable-lora" in c["args"] and "--lora-modules=coach=/adapters/coach" in c["args"]
    claims = {
        v["name"]: v.get("persistentVolumeClaim", {}).get("claimName") for v in pod["volumes"]
    }
    mounts = {m["mountPath"]: m["name"] for m in c["volumeMounts"]}
    assert claims[mounts["/adapters"]] == "trendpath-llm-adapters"
    assert claims[mounts["/models/base"]] == "trendpath-llm-base"
    (config,) = _by(docs, "ConfigMap").values()
    service = _by(docs, "Service")["vllm"]["spec"]["ports"][0]["port"]
    assert config["data"]["TRENDPATH_AI_LLM_BASE_URL"] == f"http://vllm:{service}/v1"
    assert config["data"]["TRENDPATH_AI_LLM_MODEL"] == "coach"
