"""A small Time-Series Transformer (TST): one readable file, nanoGPT style.

The input window is cut into patches of ``patch_len`` consecutive weeks (1 = one token per week;
longer windows use patches, as in PatchTST, which keeps attention cheap and each token
informative). Each patch is projected to ``d_model``, gets a fixed sinusoidal positional encoding
(so attention knows the order), and passes through a pre-norm Transformer encoder. The last
token — it holds the forecast origin and attends to the whole window — feeds the head: point
forecast first, then one value per interval quantile. ``linear_skip`` adds a linear map of the
flattened window to the output, as in ``gru.py``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class TSTConfig:
    """Shape of the TST model. ``n_inputs``/``n_outputs`` are set by the trainer from the data."""

    n_inputs: int = 12
    n_outputs: int = 3
    input_len: int = 4
    linear_skip: bool = True
    d_model: int = 32
    n_heads: int = 4
    layers: int = 2
    d_ff: int = 64
    dropout: float = 0.0
    patch_len: int = 1
    max_len: int = 512


def sinusoidal_encoding(max_len: int, d_model: int) -> torch.Tensor:
    """The classic fixed positional encoding (max_len, d_model) of Vaswani et al."""
    pos = torch.arange(max_len, dtype=torch.float32)[:, None]
    freq = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float32) * (-math.log(1e4) / d_model))
    pe = torch.zeros(max_len, d_model)
    pe[:, 0::2] = torch.sin(pos * freq)
    pe[:, 1::2] = torch.cos(pos * freq[: d_model // 2])
    return pe


class TSTForecaster(nn.Module):
    """Input projection + positional encoding + Transformer encoder + head on the last token."""

    def __init__(self, cfg: TSTConfig) -> None:
        super().__init__()
        if cfg.d_model % cfg.n_heads:
            raise ValueError("d_model must be divisible by n_heads")
        self.cfg = cfg
        self.proj = nn.Linear(cfg.n_inputs * cfg.patch_len, cfg.d_model)
        self.register_buffer("pos", sinusoidal_encoding(cfg.max_len, cfg.d_model), persistent=False)
        layer = nn.TransformerEncoderLayer(
            d_model=cfg.d_model,
            nhead=cfg.n_heads,
            dim_feedforward=cfg.d_ff,
            dropout=cfg.dropout,
            activation="gelu",
            batch_first=True,
            norm_first=True,
        )
        # Nested tensors only pay off with padding masks; disabling also avoids a torch warning.
        self.encoder = nn.TransformerEncoder(
            layer, num_layers=cfg.layers, enable_nested_tensor=False
        )
        self.norm = nn.LayerNorm(cfg.d_model)
        self.head = nn.Linear(cfg.d_model, cfg.n_outputs)
        self.skip = (
            nn.Linear(cfg.input_len * cfg.n_inputs, cfg.n_outputs) if cfg.linear_skip else None
        )

    def patches(self, x: torch.Tensor) -> torch.Tensor:
        """(batch, weeks, n_inputs) -> (batch, tokens, patch_len * n_inputs), origin last.

        A window that does not divide into patches is left-padded with its first week.
        """
        p = self.cfg.patch_len
        pad = (-x.shape[1]) % p
        if pad:
            x = torch.cat([x[:, :1].expand(-1, pad, -1), x], dim=1)
        return x.reshape(x.shape[0], x.shape[1] // p, p * x.shape[2])

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, input_len, n_inputs) -> (batch, n_outputs)."""
        tokens = self.patches(x)
        length = tokens.shape[1]
        if length > self.cfg.max_len:
            raise ValueError(f"{length} tokens > max_len {self.cfg.max_len}")
        pos: torch.Tensor = self.pos  # type: ignore[assignment]
        h = self.proj(tokens) + pos[:length]
        h = self.norm(self.encoder(h))
        out: torch.Tensor = self.head(h[:, -1])
        if self.skip is not None:
            out = out + self.skip(x.flatten(1))
        return out
