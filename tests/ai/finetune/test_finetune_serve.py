"""Serving: the merged tiny model behind `transformers serve` answers the AI service's backend."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from trendpath.ai.finetune.cli import app
from trendpath.ai.finetune.fingerprint import AdapterMismatch
from trendpath.ai.finetune.serve import (
    LocalServer,
    ServeError,
    transformers_serve_command,
    vllm_command,
)
from trendpath.ai.llm.base import ChatMessage, LLMUnavailable
from trendpath.ai.llm.openai_compat import OpenAICompatBackend

pytestmark = [pytest.mark.llm, pytest.mark.slow]


def test_merged_model_served_locally_answers_the_openai_backend(
    merged_dir: Path, free_port: int, tmp_path: Path
) -> None:
    url = f"http://127.0.0.1:{free_port}"
    cmd = transformers_serve_command(merged_dir, host="127.0.0.1", port=free_port)
    backend = OpenAICompatBackend(url, str(merged_dir.resolve()), timeout=60)
    messages = [
        ChatMessage("system", "당신은 trendpath의 커리어 코치입니다."),
        ChatMessage("user", "저는 2년 차 백엔드 개발자예요. 진로 고민이 있어서 왔어요."),
    ]
    with LocalServer(cmd, url, log_path=tmp_path / "serve.log").start(timeout=120):
        assert backend.probe() == [str(merged_dir.resolve())]
        reply = asyncio.run(backend.complete(messages, max_tokens=24, temperature=0.0))
        assert isinstance(reply, str) and reply.strip()
        assert "<|eot_id|>" not in reply
    with pytest.raises(httpx.HTTPError):
        httpx.get(f"{url}/health", timeout=1)
    with pytest.raises(LLMUnavailable):
        asyncio.run(backend.complete(messages, max_tokens=4))


def test_transformers_serve_refuses_a_bare_adapter(trained: dict) -> None:
    with pytest.raises(ServeError, match="merged model"):
        transformers_serve_command(trained["result"].adapter_dir, host="127.0.0.1", port=1)


def test_vllm_command_serves_base_with_the_adapter(
    trained: dict, tiny_dir: Path, copy_of_tiny: Path
) -> None:
    adapter = trained["result"].adapter_dir
    cmd = vllm_command(str(tiny_dir), adapter, host="0.0.0.0", port=8000)
    assert cmd[:3] == ["vllm", "serve", str(tiny_dir)]
    assert "--enable-lora" in cmd and f"coach={adapter.resolve()}" in cmd
    hub = vllm_command("MLP-KTLim/llama-3-Korean-Bllossom-8B", adapter, host="0.0.0.0", port=8000)
    assert hub[2] == "MLP-KTLim/llama-3-Korean-Bllossom-8B"
    cfg = (
        (copy_of_tiny / "config.json")
        .read_text()
        .replace('"num_hidden_layers": 2', '"num_hidden_layers": 3')
    )
    (copy_of_tiny / "config.json").write_text(cfg)
    with pytest.raises(AdapterMismatch):
        vllm_command(str(copy_of_tiny), adapter, host="0.0.0.0", port=8000)


def test_serve_command_prints_how_to_serve(trained: dict, merged_dir: Path) -> None:
    runner = CliRunner()
    local = runner.invoke(
        app, ["serve", "--merged", str(merged_dir), "--print-only", "--port", "8123"]
    )
    assert local.exit_code == 0, local.output
    assert "transformers.cli.transformers serve" in local.output and "--port 8123" in local.output
    prod = runner.invoke(
        app, ["serve", "--engine", "vllm", "--base", "MLP-KTLim/llama-3-Korean-Bllossom-8B",
              "--adapter", str(trained["result"].adapter_dir), "--print-only"],
    )  # fmt: skip
    assert prod.exit_code == 0 and "vllm serve" in prod.output and "'coach'" in prod.output
    missing = runner.invoke(app, ["serve", "--print-only"])
    assert missing.exit_code == 2 and "--merged" in missing.output
