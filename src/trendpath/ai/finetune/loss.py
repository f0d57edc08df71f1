"""Causal-LM losses for SFT: the stock full-vocabulary one and a chunked one.

The stock path materialises ``tokens × vocab`` logits, upcasts them to fp32 and keeps the
log-softmax for backward: about 3.4 GiB at 2048 tokens on Llama-3's 128k vocabulary. The chunked
path runs the final hidden states of the *labelled* positions only through the (frozen) head in
chunks, computing each chunk's loss and its gradient with respect to the hidden states inside
the forward pass (the idea behind Liger's fused linear cross-entropy), so at most one chunk of
logits exists at any time and nothing vocab-sized is kept for backward.
"""

from __future__ import annotations

from typing import Any

import torch
import torch.nn.functional as F

from trendpath.ai.finetune.dataset import IGNORE_INDEX


class _ChunkedLinearCrossEntropy(torch.autograd.Function):
    """Sum of token cross-entropies of ``hidden @ weight.T``; grad w.r.t. ``hidden`` only."""

    @staticmethod
    def forward(
        ctx: Any, hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int
    ) -> torch.Tensor:
        grad = torch.empty_like(hidden) if hidden.requires_grad else None
        acc = torch.promote_types(torch.float32, weight.dtype)  # fp64 stays fp64 (gradcheck)
        total = torch.zeros((), dtype=acc, device=hidden.device)
        for s in range(0, hidden.shape[0], chunk):
            h = hidden[s : s + chunk].to(weight.dtype)
            tgt = targets[s : s + chunk]
            logits = (h @ weight.T).to(acc)
            lse = torch.logsumexp(logits, dim=-1)
            total += (lse - logits.gather(1, tgt[:, None]).squeeze(1)).sum()
            if grad is not None:
                probs = logits.sub_(lse[:, None]).exp_()  # softmax, in place of the logits
                probs[torch.arange(len(tgt), device=tgt.device), tgt] -= 1.0
                grad[s : s + chunk] = (probs.to(weight.dtype) @ weight).to(grad.dtype)
            del logits
        ctx.save_for_backward(grad if grad is not None else torch.empty(0))
        return total

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor | None, None, None, None]:
        (grad,) = ctx.saved_tensors
        return grad * grad_out.to(grad.dtype), None, None, None


def chunked_cross_entropy(
    hidden: torch.Tensor, weight: torch.Tensor, targets: torch.Tensor, chunk: int = 256
) -> torch.Tensor:
    """Summed cross-entropy of ``hidden @ weight.T`` against ``targets``, one chunk at a time.

    ``hidden`` is ``(N, d)``, ``weight`` the ``(V, d)`` head matrix (frozen), ``targets`` ``(N,)``
    without ignored positions. Only the gradient with respect to ``hidden`` is produced.
    """
    if weight.requires_grad:
        raise ValueError("chunked_cross_entropy needs a frozen head (no gradient for weight)")
    result: torch.Tensor = _ChunkedLinearCrossEntropy.apply(hidden, weight, targets, chunk)
    return result


def shifted_targets(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Next-token targets and the mask of positions that are trained on."""
    targets = torch.full_like(labels, IGNORE_INDEX)
    targets[:, :-1] = labels[:, 1:]
    return targets, targets != IGNORE_INDEX


def lm_loss_sum(
    model: Any,
    input_ids: torch.Tensor,
    attention_mask: torch.Tensor,
    labels: torch.Tensor,
    *,
    mode: str = "chunked",
    chunk: int = 256,
) -> tuple[torch.Tensor, int]:
    """Summed next-token loss over labelled positions and their count, for a PEFT causal LM."""
    targets, keep = shifted_targets(labels)
    n = int(keep.sum())
    if mode == "full":
        logits = model(input_ids=input_ids, attention_mask=attention_mask).logits
        loss = F.cross_entropy(
            logits.float().flatten(0, 1),
            targets.flatten(),
            ignore_index=IGNORE_INDEX,
            reduction="sum",
        )
        return loss, n
    base = model.get_base_model() if hasattr(model, "get_base_model") else model
    hidden = base.model(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
    head = base.get_output_embeddings().weight
    return chunked_cross_entropy(hidden[keep], head, targets[keep], chunk), n
