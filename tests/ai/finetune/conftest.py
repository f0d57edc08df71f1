"""Fixtures for the QLoRA tests: the committed tiny Llama, configs, and one shared training run.

The tiny Llama (tests/fixtures/tiny-llama, built by its build_fixture.py) has a byte-level BPE
tokenizer trained on our Korean dialogues, the Llama-3 special tokens and chat template, and was
briefly pretrained on the dialogues without their value-score JSON. One 4-bit QLoRA run per
session (`trained`) feeds the train, reload, merge and serve tests.
"""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from trendpath.ai.finetune.config import QLoRAConfig, load_config

ROOT = Path(__file__).resolve().parents[3]
TINY = ROOT / "tests" / "fixtures" / "tiny-llama"
TINY_CONFIG = ROOT / "configs" / "llm" / "qlora-tiny-cpu.yaml"
BIG_CONFIG = ROOT / "configs" / "llm" / "qlora-bllossom-8b.yaml"
SFT = ROOT / "data" / "sft" / "dialogues.jsonl"


@pytest.fixture(scope="session", autouse=True)
def one_torch_thread() -> Iterator[None]:
    """Tiny matmuls run fastest on one thread; two contended threads spin and stall on 2 cores."""
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="session")
def tiny_dir() -> Path:
    """The committed tiny Llama fixture directory."""
    assert (TINY / "model.safetensors").is_file(), "run tests/fixtures/tiny-llama/build_fixture.py"
    return TINY


@pytest.fixture
def tiny_config(tmp_path: Path) -> Callable[..., QLoRAConfig]:
    """Factory: the tiny CPU config with absolute paths, output in tmp, plus overrides."""

    def make(*overrides: str) -> QLoRAConfig:
        base = [f"model.path={TINY}", f"train.data={SFT}", f"train.output_dir={tmp_path / 'run'}"]
        return load_config(TINY_CONFIG, [*base, "train.progress=false", *overrides])

    return make


@pytest.fixture(scope="session")
def trained(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """One 4-bit QLoRA run of 40 steps on the tiny Llama (≈30 s on one core)."""
    from trendpath.ai.finetune.train import train

    out = tmp_path_factory.mktemp("qlora")
    cfg = load_config(
        TINY_CONFIG,
        [
            f"model.path={TINY}",
            f"train.data={SFT}",
            f"train.output_dir={out}",
            "train.progress=false",
        ],
    )
    result = train(cfg, echo=lambda _msg: None)
    return {"result": result, "config": cfg, "out": out}


@pytest.fixture(scope="session")
def merged_dir(trained: dict[str, object], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The session's adapter merged into the tiny base (fp32)."""
    from trendpath.ai.finetune.merge import merge_adapter

    out = tmp_path_factory.mktemp("merged") / "model"
    merge_adapter(trained["result"].adapter_dir, out)  # type: ignore[attr-defined]
    return out


@pytest.fixture
def copy_of_tiny(tmp_path: Path) -> Path:
    """A writable copy of the tiny fixture (for tampering)."""
    dst = tmp_path / "tiny-copy"
    shutil.copytree(TINY, dst, ignore=shutil.ignore_patterns("*.py"))
    return dst


@pytest.fixture
def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port
