"""A GRU forecaster: one readable file, nanoGPT style.

The window (batch, input_len, n_inputs) runs through a GRU; the last hidden state goes through a
small MLP head that emits ``n_outputs`` numbers: the point forecast (trained with MSE) followed by
one value per interval quantile (trained with pinball loss, see ``uncertainty.py``). With
``linear_skip`` a linear map of the whole flattened window is added to the output (the
"autoregressive highway" of LSTNet): the network then only has to learn what a linear
autoregression misses, which matters on short, noisy series. ``rnn_len`` lets the GRU read only
the most recent weeks of a long window (the skip still sees all of it, e.g. last year's weeks),
which keeps training fast.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn


@dataclass
class GRUConfig:
    """Shape of the GRU model. ``n_inputs``/``n_outputs`` are set by the trainer from the data."""

    n_inputs: int = 12
    n_outputs: int = 3
    input_len: int = 4
    linear_skip: bool = True
    rnn_len: int | None = None
    hidden: int = 32
    layers: int = 1
    dropout: float = 0.0


class GRUForecaster(nn.Module):
    """GRU encoder + MLP head over the last hidden state."""

    def __init__(self, cfg: GRUConfig) -> None:
        super().__init__()
        self.cfg = cfg
        self.gru = nn.GRU(
            input_size=cfg.n_inputs,
            hidden_size=cfg.hidden,
            num_layers=cfg.layers,
            batch_first=True,
            dropout=cfg.dropout if cfg.layers > 1 else 0.0,
        )
        self.head = nn.Sequential(
            nn.Linear(cfg.hidden, cfg.hidden),
            nn.GELU(),
            nn.Dropout(cfg.dropout),
            nn.Linear(cfg.hidden, cfg.n_outputs),
        )
        self.skip = (
            nn.Linear(cfg.input_len * cfg.n_inputs, cfg.n_outputs) if cfg.linear_skip else None
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """``x`` (batch, input_len, n_inputs) -> (batch, n_outputs)."""
        recent = x if self.cfg.rnn_len is None else x[:, -self.cfg.rnn_len :]
        _, h = self.gru(recent)
        out: torch.Tensor = self.head(h[-1])
        if self.skip is not None:
            out = out + self.skip(x.flatten(1))
        return out
