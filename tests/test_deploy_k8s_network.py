"""Kubernetes NetworkPolicies (deploy/k8s), evaluated on the rendered prod overlay.

A small evaluator applies the policies' semantics (a pod selected by any policy of a direction
allows only what some rule of those policies allows; a connection needs the sender's egress and
the receiver's ingress) to the pods the overlay really creates, so a label typo or a missing rule
fails here rather than in a cluster. Rendering uses ``kustomize build`` or ``kubectl kustomize``
and skips when neither is installed.
"""

from __future__ import annotations

import ipaddress
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any, NoReturn

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
STATELESS = ("auth", "users", "news", "trends", "ai", "web")
Doc = dict[str, Any]


def _no_renderer() -> NoReturn:
    """Skip without a kustomize renderer, unless CI demands one (TRENDPATH_REQUIRE_KUSTOMIZE=1)."""
    if os.environ.get("TRENDPATH_REQUIRE_KUSTOMIZE"):
        pytest.fail("TRENDPATH_REQUIRE_KUSTOMIZE is set but neither kustomize nor kubectl exists")
    pytest.skip("neither kustomize nor kubectl is installed")


@pytest.fixture(scope="module")
def prod() -> list[Doc]:
    """The prod overlay, rendered."""
    if shutil.which("kustomize"):
        cmd = ["kustomize", "build"]
    elif shutil.which("kubectl"):
        cmd = ["kubectl", "kustomize"]
    else:
        _no_renderer()
    target = ROOT / "deploy" / "k8s" / "overlays" / "prod"
    proc = subprocess.run([*cmd, str(target)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    return [d for d in yaml.safe_load_all(proc.stdout) if d]


def _by(docs: list[Doc], kind: str) -> dict[str, Doc]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def _pod_labels(doc: Doc) -> dict[str, str]:
    spec = doc["spec"]
    if doc["kind"] == "CronJob":
        spec = spec["jobTemplate"]["spec"]
    return spec["template"]["metadata"]["labels"]


def _selects(selector: Doc, labels: dict[str, str]) -> bool:
    if any(labels.get(k) != v for k, v in selector.get("matchLabels", {}).items()):
        return False
    for e in selector.get("matchExpressions", []):
        present, value = e["key"] in labels, labels.get(e["key"])
        ok = {
            "Exists": present,
            "DoesNotExist": not present,
            "In": value in e.get("values", []),
            "NotIn": value not in e.get("values", []),
        }[e["operator"]]
        if not ok:
            return False
    return True


def _peer_matches(peer: Doc, other: dict[str, str] | str) -> bool:
    """``other`` is our pod's labels, ``ns:<name>`` for any pod of another namespace (a peer's
    podSelector there is not narrowed further), or an IP address outside the cluster."""
    if isinstance(other, dict):
        return (
            "podSelector" in peer
            and "namespaceSelector" not in peer
            and _selects(peer["podSelector"], other)
        )
    if other.startswith("ns:"):
        ns = peer.get("namespaceSelector")
        return ns is not None and _selects(ns, {"kubernetes.io/metadata.name": other[3:]})
    block = peer.get("ipBlock")
    if block is None:
        return False
    ip = ipaddress.ip_address(other)
    net = ipaddress.ip_network(block["cidr"])
    return (
        ip.version == net.version
        and ip in net
        and not any(
            ip in ipaddress.ip_network(x)
            for x in block.get("except", [])
            if ip.version == net.version
        )
    )


def _allowed(
    policies: list[Doc], pod: dict[str, str], direction: str, other: Any, port: int
) -> bool:
    """Whether ``pod`` may send (egress) to or receive (ingress) from ``other`` on ``port``."""
    kind = direction.capitalize()
    applying = [p for p in policies if kind in p["spec"]["policyTypes"]]
    applying = [p for p in applying if _selects(p["spec"]["podSelector"], pod)]
    for policy in applying:
        for rule in policy["spec"].get(direction, []):
            peers = rule.get("to" if direction == "egress" else "from")
            ports = rule.get("ports")
            if (peers is None or any(_peer_matches(p, other) for p in peers)) and (
                ports is None or any(p.get("port") == port for p in ports)
            ):
                return True
    return not applying


class Net:
    """The prod overlay's policies and the labels of every pod it runs."""

    def __init__(self, docs: list[Doc]) -> None:
        self.policies = [d for d in docs if d["kind"] == "NetworkPolicy"]
        workloads = {**_by(docs, "Deployment"), **_by(docs, "Job"), **_by(docs, "CronJob")}
        self.pods = {n: _pod_labels(d) for n, d in workloads.items()}

    def reach(self, src: str | dict[str, str], dst: str | dict[str, str], port: int) -> bool:
        """A connection needs the sender's egress and, inside the namespace, the receiver's
        ingress. ``src`` is one of our pods (by name) or pod labels; ``dst`` also may be
        ``ns:NAME`` or an IP address."""
        a = self.pods[src] if isinstance(src, str) else src
        b = self.pods.get(dst, dst) if isinstance(dst, str) else dst
        if not _allowed(self.policies, a, "egress", b, port):
            return False
        return not isinstance(b, dict) or _allowed(self.policies, b, "ingress", a, port)

    def accepts(self, pod: str, source: str, port: int) -> bool:
        """Ingress to our ``pod`` from ``source`` (``ns:NAME``)."""
        return _allowed(self.policies, self.pods[pod], "ingress", source, port)


@pytest.fixture(scope="module")
def net(prod: list[Doc]) -> Net:
    """The prod network, ready to query."""
    return Net(prod)


POSTGRES = {"cnpg.io/cluster": "trendpath-db"}
PGBOUNCER = {"cnpg.io/poolerName": "trendpath-db-pooler-rw"}
INTERNET, CLOUD_METADATA, PRIVATE = "93.184.216.34", "169.254.169.254", "10.1.2.3"


def test_everything_is_denied_unless_allowed(prod: list[Doc]) -> None:
    deny = _by(prod, "NetworkPolicy")["default-deny"]["spec"]
    assert deny == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}


def test_web_reaches_the_services_and_everyone_reaches_auth(net: Net) -> None:
    assert all(net.reach("web", s, 8000) for s in STATELESS if s != "web")
    assert all(net.reach(n, "auth", 8000) for n in net.pods if n != "vllm")  # JWKS, tokens
    assert not net.reach("users", "trends", 8000)
    assert not net.reach("ai", "web", 8000)
    assert not net.reach("news-worker", "ai", 8000)


def test_only_ai_reaches_the_llm_server(net: Net) -> None:
    assert net.reach("ai", "vllm", 8000)
    assert [n for n in net.pods if net.reach(n, "vllm", 8000)] == ["ai"]
    assert not net.reach("vllm", INTERNET, 443), "weights come from the volume"


def test_only_fetchers_reach_the_internet_and_only_on_80_443(net: Net) -> None:
    fetchers = {n for n in net.pods if net.reach(n, INTERNET, 443)}
    assert fetchers == {"news-worker", "trends-collect", "auth"}
    assert net.reach("news-worker", INTERNET, 80)
    assert not net.reach("news-worker", INTERNET, 22)
    assert not net.reach("news-worker", CLOUD_METADATA, 80)
    assert not net.reach("news-worker", PRIVATE, 443)


def test_dns_and_database_paths(net: Net) -> None:
    for name in net.pods:
        assert net.reach(name, "ns:kube-system", 53), f"{name}: DNS"
        to_db = net.reach(name, PGBOUNCER, 5432) or net.reach(name, POSTGRES, 5432)
        assert to_db == (name != "vllm"), f"{name}: database"
    assert net.reach(PGBOUNCER, POSTGRES, 5432)
    assert net.reach(POSTGRES, POSTGRES, 5432), "streaming replication"
    assert not net.reach(POSTGRES, INTERNET, 5432)


def test_ingress_controller_and_prometheus(net: Net) -> None:
    assert net.accepts("web", "ns:ingress-nginx", 8000)
    assert not any(net.accepts(n, "ns:ingress-nginx", 8000) for n in net.pods if n != "web")
    assert all(net.accepts(n, "ns:monitoring", 8000) for n in net.pods)
    assert not net.accepts("auth", "ns:other", 8000)
