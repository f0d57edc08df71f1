"""QLoRA peak-VRAM planner: arithmetic over the model shape and the training config.

The estimate is the peak of ``torch.cuda.max_memory_allocated`` during a training step, plus the
allocator's fragmentation and the CUDA context (which ``max_memory_allocated`` does not see) for
the number compared with the budget. Persistent memory is the 4-bit weights with their
quantisation constants, the unquantised embeddings/head/norms, and the LoRA parameters, gradients
and optimizer state. On top of it comes the larger of two transient phases:

* **loss** — after the last layer: the saved layer inputs (gradient checkpointing) plus the
  logits and cross-entropy buffers. With the stock loss this is ``T·V·(b+12)`` bytes: the
  logits (``b`` bytes each) kept by the model output, their fp32 log-softmax kept for backward,
  the dense fp32 NLL gradient and the log-softmax gradient. A chunked loss only ever holds one
  chunk of logits (``c·V·(4+2b)``) and an fp32 gradient for the hidden states.
* **backward of one layer** — the saved layer inputs plus one layer's recomputed activations,
  their gradients and the dequantised weight of the widest matmul.

``prepare_model_for_kbit_training`` casts every bf16 parameter to fp32, which doubles the
embed/head memory (≈2 GB on Llama-3 8B) and makes the logits fp32 as well; ``upcast_embeddings``
models that trap. All figures are in GiB (2**30 bytes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from trendpath.ai.finetune.config import Architecture, QLoRAConfig

GIB = 2**30
DTYPE_BYTES = {"float32": 4, "bfloat16": 2, "float16": 2}
OPTIMIZER_BYTES = {"adamw": 8.0, "adamw_8bit": 2.0, "paged_adamw_8bit": 2.0}
"""Optimizer state per trainable parameter (two moments, fp32 or blockwise 8-bit)."""


@dataclass(frozen=True)
class MemoryItem:
    """One line of the breakdown."""

    name: str
    gib: float
    note: str


@dataclass
class MemoryPlan:
    """Breakdown, peak allocated tensor memory, and the total compared with the budget."""

    items: list[MemoryItem] = field(default_factory=list)
    peak_allocated_gib: float = 0.0
    total_gib: float = 0.0
    budget_gib: float = 0.0
    phase: str = ""

    @property
    def fits(self) -> bool:
        """Whether the total estimate is within the VRAM budget."""
        return self.total_gib <= self.budget_gib

    def item(self, name: str) -> float:
        """GiB of the breakdown line called ``name``."""
        return next(i.gib for i in self.items if i.name == name)

    def table(self) -> str:
        """Plain-text breakdown for the terminal."""
        rows = [f"  {i.name:<28} {i.gib:7.2f} GiB  {i.note}" for i in self.items]
        rows.append(
            f"  {'peak allocated':<28} {self.peak_allocated_gib:7.2f} GiB  (phase: {self.phase})"
        )
        verdict = "fits" if self.fits else "DOES NOT FIT"
        rows.append(
            f"  {'total (+context, +frag.)':<28} {self.total_gib:7.2f} GiB  "
            f"budget {self.budget_gib:.2f} GiB: {verdict}"
        )
        return "\n".join(rows)


def human_count(n: float) -> str:
    """``6.98B``, ``41.9M``, ``16.4k``: parameter counts for the notes column."""
    for div, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if n >= div:
            return f"{n / div:.3g}{suffix}"
    return f"{n:.0f}"


def linear_shapes(arch: Architecture) -> dict[str, tuple[int, int]]:
    """(in, out) features of each linear layer in one decoder block."""
    h, i = arch.hidden_size, arch.intermediate_size
    q, kv = arch.num_attention_heads * arch.head_size, arch.num_key_value_heads * arch.head_size
    return {
        "q_proj": (h, q),
        "k_proj": (h, kv),
        "v_proj": (h, kv),
        "o_proj": (q, h),
        "gate_proj": (h, i),
        "up_proj": (h, i),
        "down_proj": (i, h),
    }


def quantized_bytes_per_param(double_quant: bool, blocksize: int = 64) -> float:
    """4-bit storage plus absmax constants (fp32 per block, or 8-bit + fp32 per 256 blocks)."""
    if double_quant:
        return 0.5 + 1 / blocksize + 4 / (blocksize * 256)
    return 0.5 + 4 / blocksize


def lora_param_count(arch: Architecture, r: int, targets: list[str]) -> int:
    """Trainable parameters of rank-``r`` adapters on ``targets`` in every layer."""
    shapes = linear_shapes(arch)
    per_layer = sum(r * (shapes[t][0] + shapes[t][1]) for t in targets if t in shapes)
    return per_layer * arch.num_hidden_layers


def _layer_activation_bytes_per_token(arch: Architecture, cfg: QLoRAConfig, b: int) -> float:
    """Tensors one decoder layer keeps for backward, per token (SDPA: no T² scores)."""
    h, i = arch.hidden_size, arch.intermediate_size
    q = arch.num_attention_heads * arch.head_size
    kv = arch.num_key_value_heads * arch.head_size
    shapes = linear_shapes(arch)
    targets = [t for t in cfg.lora.target_modules if t in shapes]
    attn = b * (h + 3 * q + 3 * kv)  # norm out, q, k, v, rotated q/k, attention out
    mlp = b * (h + 4 * i)  # norm out, gate, up, act(gate), act·up
    dropout = b * sum(shapes[t][0] for t in targets) if cfg.lora.dropout > 0 else 0
    lora_mid = b * cfg.lora.r * len(targets)
    norms = 2 * 2 * 4 * h  # two RMSNorms keep an fp32 copy and its normalised value
    return attn + mlp + dropout + lora_mid + norms


def _static_items(arch: Architecture, cfg: QLoRAConfig, b: int) -> list[MemoryItem]:
    shapes = linear_shapes(arch)
    n_linear = sum(a * o for a, o in shapes.values()) * arch.num_hidden_layers
    if cfg.quant.load_in_4bit:
        per = quantized_bytes_per_param(cfg.quant.double_quant, cfg.quant.blocksize)
        wnote = f"{human_count(n_linear)} params × {per:.3f} B (NF4 + constants)"
    else:
        per, wnote = float(b), f"{human_count(n_linear)} params unquantised"
    eb = 4 if cfg.quant.upcast_embeddings else b
    n_emb = arch.vocab_size * arch.hidden_size * (1 if arch.tie_word_embeddings else 2)
    n_norm = (2 * arch.num_hidden_layers + 1) * arch.hidden_size
    n_lora = lora_param_count(arch, cfg.lora.r, cfg.lora.target_modules)
    opt = OPTIMIZER_BYTES[cfg.train.optimizer]
    return [
        MemoryItem("base weights", n_linear * per / GIB, wnote),
        MemoryItem(
            "embeddings + head + norms",
            (n_emb + n_norm) * eb / GIB,
            f"{human_count(n_emb)} params × {eb} B" + (" (fp32 upcast)" if eb == 4 else ""),
        ),
        MemoryItem(
            "LoRA params + grads + optim",
            n_lora * (4 + 4 + opt) / GIB,
            f"{human_count(n_lora)} params × (4+4+{opt:g}) B",
        ),
    ]


def _transient_items(arch: Architecture, cfg: QLoRAConfig, b: int) -> list[MemoryItem]:
    t = cfg.train.max_length * cfg.train.batch_size
    v, h, i = arch.vocab_size, arch.hidden_size, arch.intermediate_size
    layers = arch.num_hidden_layers
    per_layer = _layer_activation_bytes_per_token(arch, cfg, b) * t
    if cfg.train.gradient_checkpointing:
        saved: float = layers * t * h * b
        saved_note = f"{layers} layer inputs × {t} tokens"
        working = per_layer + t * b * (2 * i + 2 * h) + 2 * i * h * b
    else:
        saved, saved_note = layers * per_layer, f"all {layers} layers' activations"
        working = t * b * (2 * i + 2 * h) + 2 * i * h * b
    lb = 4 if cfg.quant.upcast_embeddings else b  # logits take the head's dtype
    if cfg.train.loss == "full":
        loss, lnote = t * v * (lb + 12), f"{t}×{v} logits × ({lb}+12) B"
    else:
        c = min(cfg.train.ce_chunk_tokens, t)
        loss, lnote = c * v * (4 + 2 * lb) + t * h * 4, f"{c}-token chunks × {v} × (4+{2 * lb}) B"
    return [
        MemoryItem("saved activations", saved / GIB, saved_note),
        MemoryItem("layer recompute + grads", working / GIB, "one layer + dequantised weight"),
        MemoryItem("logits + loss", loss / GIB, lnote),
    ]


def plan_memory(arch: Architecture, cfg: QLoRAConfig) -> MemoryPlan:
    """Estimate the peak GPU memory of one QLoRA training step."""
    b = DTYPE_BYTES[cfg.quant.compute_dtype]
    static = _static_items(arch, cfg, b)
    saved, working, loss = _transient_items(arch, cfg, b)
    base = sum(x.gib for x in static) + saved.gib
    phases = {"loss": base + loss.gib, "backward of one layer": base + working.gib}
    phase = max(phases, key=lambda k: phases[k])
    peak = phases[phase]
    bud = cfg.budget
    total = peak * (1 + bud.fragmentation) + bud.cuda_context_gib
    items = [*static, saved, working, loss]
    items.append(MemoryItem("allocator fragmentation", peak * bud.fragmentation, "of peak"))
    items.append(MemoryItem("CUDA context", bud.cuda_context_gib, "not in max_memory_allocated"))
    return MemoryPlan(items, peak, total, bud.vram_gib, phase)
