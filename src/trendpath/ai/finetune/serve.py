"""``trendpath llm serve``: OpenAI-compatible serving of the tuned coach.

* **Production (GPU): vLLM** serves the base model with the LoRA adapter hot-loaded:
  ``vllm serve BASE --enable-lora --lora-modules coach=ADAPTER --max-lora-rank R``. Clients ask
  for model ``coach``. vLLM is not a dependency of trendpath (it needs CUDA); install it on the
  GPU host.
* **Locally: ``transformers serve``** (the ``transformers[serving]`` extra: fastapi, uvicorn,
  openai) serves a *merged* model directory (it cannot load a bare adapter):
  ``transformers serve MERGED --host 127.0.0.1 --port P --device cpu``; the model id clients send
  is the directory path.

Both expose ``/v1/chat/completions``; point the AI service's OpenAI-compatible backend at
``http://HOST:PORT/v1`` with the model name printed here. Neither server enforces a JSON schema:
the AI service validates the value-score JSON itself.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from types import TracebackType

import httpx

from trendpath.ai.finetune.checkpoint import read_adapter_meta
from trendpath.ai.finetune.fingerprint import check_model_dir, check_same_base

SERVING_MODULES = ("fastapi", "uvicorn", "openai", "rich")
VLLM_LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)


class ServeError(RuntimeError):
    """The server cannot be started as asked."""


def missing_serving_modules() -> list[str]:
    """Modules of the ``transformers[serving]`` extra that are not importable here."""
    return [m for m in SERVING_MODULES if importlib.util.find_spec(m) is None]


def transformers_serve_command(
    model_dir: Path, *, host: str, port: int, device: str = "cpu"
) -> list[str]:
    """Command line that serves a merged model with ``transformers serve``."""
    if (model_dir / "adapter_config.json").is_file():
        raise ServeError(
            f"{model_dir} is a LoRA adapter; transformers serve needs a merged model "
            "(run `trendpath llm merge`), or serve base + adapter with vLLM"
        )
    check_model_dir(model_dir, "merged model")
    missing = missing_serving_modules()
    if missing:
        raise ServeError(f"transformers serve needs {missing}: pip install 'transformers[serving]'")
    return [
        sys.executable, "-m", "transformers.cli.transformers", "serve", str(model_dir.resolve()),
        "--host", host, "--port", str(port), "--device", device,
    ]  # fmt: skip


def vllm_command(
    base: str, adapter_dir: Path, *, host: str, port: int, name: str = "coach"
) -> list[str]:
    """Command line that serves ``base`` with the adapter as LoRA module ``name`` on vLLM.

    When ``base`` is a local directory its fingerprint must match the adapter's record; a hub id
    is passed through for the GPU host to resolve (vLLM may download there, never here).
    """
    meta = read_adapter_meta(adapter_dir)
    if Path(base).is_dir():
        check_same_base(meta["base"], Path(base))
    r = int(meta["config"]["lora"]["r"])
    rank = next((v for v in VLLM_LORA_RANKS if v >= r), r)  # vLLM accepts only these ranks
    return [
        "vllm", "serve", base, "--enable-lora",
        "--lora-modules", f"{name}={adapter_dir.resolve()}",
        "--max-lora-rank", str(rank), "--host", host, "--port", str(port),
    ]  # fmt: skip


class LocalServer:
    """A server subprocess that is ready once ``GET /health`` answers 200; stopped on exit."""

    def __init__(self, cmd: list[str], base_url: str, *, log_path: Path | None = None) -> None:
        self.cmd, self.base_url, self.log_path = cmd, base_url.rstrip("/"), log_path
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, timeout: float = 120.0) -> LocalServer:
        """Launch the command and wait until it is healthy (clear error if it dies or stalls)."""
        if shutil.which(self.cmd[0]) is None and not Path(self.cmd[0]).is_file():
            raise ServeError(f"{self.cmd[0]!r} is not installed on this machine")
        out = self.log_path.open("wb") if self.log_path else subprocess.DEVNULL
        env = os.environ | {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
        self.proc = subprocess.Popen(
            self.cmd, stdout=out, stderr=subprocess.STDOUT, env=env, start_new_session=True
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise ServeError(
                    f"server exited with code {self.proc.returncode}; see {self.log_path}"
                )
            try:
                if httpx.get(f"{self.base_url}/health", timeout=2.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        self.stop()
        raise ServeError(f"server at {self.base_url} not healthy after {timeout:.0f} s")

    def stop(self) -> None:
        """Terminate the server's process group (it may have spawned workers), then reap it."""
        if self.proc is None or self.proc.poll() is not None:
            return
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=5)

    def __enter__(self) -> LocalServer:
        return self.start() if self.proc is None else self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
