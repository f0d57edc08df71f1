"""Loading the base model for QLoRA: local files only, 4-bit, k-bit preparation, LoRA.

Loading never touches the network: a model id is resolved only against the local Hugging Face
cache (``local_files_only``), and everything else must be a directory on disk. Preparation is our
own version of ``peft.prepare_model_for_kbit_training`` that can skip its fp32 upcast of the
embeddings and head (≈2 GB on an 8B Llama-3: the difference between fitting 12 GB and not).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import torch

from trendpath.ai.finetune.config import ModelConfig, QLoRAConfig
from trendpath.ai.finetune.fingerprint import ModelPathError, check_model_dir

LLAMA3_STOP_TOKENS = ("<|eot_id|>", "<|end_of_text|>")
_DTYPES = {"bfloat16": torch.bfloat16, "float16": torch.float16, "float32": torch.float32}


def offline() -> None:
    """Forbid hub downloads for this process, whatever the caller's environment says."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"


def resolve_model_dir(model: ModelConfig) -> Path:
    """The local directory holding the base model (``model.path``, else the local HF cache)."""
    if model.path:
        path = Path(model.path)
    else:
        from huggingface_hub import snapshot_download
        from huggingface_hub.errors import LocalEntryNotFoundError

        try:
            path = Path(snapshot_download(model.id, revision=model.revision, local_files_only=True))
        except (LocalEntryNotFoundError, OSError, ValueError) as exc:
            raise ModelPathError(
                f"model {model.id} (revision {model.revision or 'any'}) is not on this machine "
                f"and model.path is not set. Copy the weights here and set model.path; "
                f"nothing is downloaded. ({type(exc).__name__})"
            ) from None
    check_model_dir(path)
    return path


def device_and_dtype(cfg: QLoRAConfig) -> tuple[torch.device, torch.dtype]:
    """CUDA with the configured compute dtype, or CPU in fp32 (bf16 matmuls are slow there)."""
    if torch.cuda.is_available():
        return torch.device("cuda"), _DTYPES[cfg.quant.compute_dtype]
    return torch.device("cpu"), torch.float32


def load_tokenizer(model_dir: Path) -> Any:
    """The base model's fast tokenizer, with a pad token (Llama-3 ships none)."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(str(model_dir), local_files_only=True)
    if not getattr(tok, "is_fast", False):
        raise ModelPathError(f"{model_dir}: a fast tokenizer (tokenizer.json) is required")
    if tok.pad_token_id is None:
        tok.pad_token = "<|end_of_text|>" if "<|end_of_text|>" in tok.get_vocab() else tok.eos_token
    return tok


def stop_token_ids(tokenizer: Any) -> list[int]:
    """Ids of ``<|eot_id|>`` and ``<|end_of_text|>`` (whichever exist), then the eos token."""
    vocab = tokenizer.get_vocab()
    ids = [vocab[t] for t in LLAMA3_STOP_TOKENS if t in vocab]
    if tokenizer.eos_token_id is not None and tokenizer.eos_token_id not in ids:
        ids.append(tokenizer.eos_token_id)
    return ids


def bnb_config(cfg: QLoRAConfig, compute: torch.dtype) -> Any:
    """bitsandbytes 4-bit NF4 (+ double quantisation) settings from the config."""
    from transformers import BitsAndBytesConfig

    return BitsAndBytesConfig(
        load_in_4bit=True,
        bnb_4bit_quant_type=cfg.quant.quant_type,
        bnb_4bit_use_double_quant=cfg.quant.double_quant,
        bnb_4bit_compute_dtype=compute,
    )


def load_base(model_dir: Path, cfg: QLoRAConfig, *, quantize: bool) -> Any:
    """Load the causal LM from disk, 4-bit when ``quantize`` (and the config asks for it)."""
    from transformers import AutoModelForCausalLM

    device, dtype = device_and_dtype(cfg)
    kwargs: dict[str, Any] = {
        "dtype": dtype,
        "device_map": {"": str(device)},
        "local_files_only": True,
    }
    if quantize and cfg.quant.load_in_4bit:
        kwargs["quantization_config"] = bnb_config(cfg, dtype)
    model = AutoModelForCausalLM.from_pretrained(str(model_dir), **kwargs)
    if device.type == "cpu":
        disable_cpu_weight_packing(model)
    return model


def disable_cpu_weight_packing(model: Any) -> int:
    """Stop bitsandbytes from repacking 4-bit weights for CPU inference; return modules touched.

    On CPUs with AVX512-BF16, ``Linear4bit`` repacks its weight the first time it runs in eval
    mode without grad (e.g. an evaluation pass) and keeps it repacked. The repacked path calls
    an op with no autograd kernel, so later training steps get silently wrong input gradients
    through every frozen 4-bit layer. Training must never take that path.
    """
    touched = 0
    for module in model.modules():
        if hasattr(module, "support_avx512bf16_for_cpu"):
            module.support_avx512bf16_for_cpu = False
            touched += 1
    return touched


def prepare_for_kbit(model: Any, *, upcast_embeddings: bool, gradient_checkpointing: bool) -> Any:
    """Freeze the base, optionally upcast half-precision params to fp32, enable checkpointing.

    ``peft.prepare_model_for_kbit_training`` always does the upcast; with ``upcast_embeddings``
    False the embeddings and head stay in the compute dtype, and the norms compute in fp32
    inside ``LlamaRMSNorm`` anyway, so nothing numerically important is lost.
    """
    for p in model.parameters():
        p.requires_grad_(False)
    if upcast_embeddings:
        for p in model.parameters():
            if p.dtype in (torch.float16, torch.bfloat16) and type(p).__name__ != "Params4bit":
                p.data = p.data.to(torch.float32)
    model.config.use_cache = False
    if gradient_checkpointing:
        # non-reentrant checkpointing propagates gradients to LoRA weights without needing
        # the inputs to require grad
        model.activation_checkpointing_enable(
            activation_checkpointing_kwargs={"use_reentrant": False}
        )
    return model


def add_lora(model: Any, cfg: QLoRAConfig) -> Any:
    """Wrap the model with trainable LoRA adapters (fp32 adapter weights)."""
    from peft import LoraConfig, get_peft_model

    lora = LoraConfig(
        r=cfg.lora.r,
        lora_alpha=cfg.lora.alpha,
        lora_dropout=cfg.lora.dropout,
        target_modules=list(cfg.lora.target_modules),
        bias="none",
        task_type="CAUSAL_LM",
    )
    peft_model = get_peft_model(model, lora)
    for p in peft_model.parameters():
        if p.requires_grad:
            p.data = p.data.float()
    return peft_model
