"""Hand-written autograd functions for the two hot spots of a residual shrinkage unit on the CPU.

A straightforward PyTorch DRSN spends most of its training time in many small memory-bound kernels:
batch-norm statistics, ReLU, abs, sign, clamp, the threshold sub-network's tiny ops, and autograd bookkeeping
for each. The functions here compute the same mathematics with fewer passes over memory and fewer autograd
nodes:

- `bn_relu`: training-mode BatchNorm + ReLU. Statistics from one pass of sums (in float64 across the batch),
  normalisation with the fast inference kernel, ReLU in place; the backward is ATen's batch-norm backward
  applied to the ReLU-masked gradient.
- `shrink`: the whole DRSN threshold sub-network (|x| -> GAP -> FC -> BN -> ReLU -> FC -> sigmoid), soft
  thresholding and the residual addition in one node, with its backward derived by hand (tested against
  autograd in float64 with `gradcheck`).

They are used only in training mode with gradients enabled; evaluation and export run plain ops.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch.autograd.function import once_differentiable

# Switch for tests and benchmarks that compare against the plain autograd path.
ENABLED = True


def _reduce_dims(x: Tensor) -> tuple[int, ...]:
    return (0, *range(2, x.dim()))


def batch_stats(x: Tensor) -> tuple[Tensor, Tensor]:
    """Per-channel mean and biased variance of a (B, C, *) tensor over all dims but the channel."""
    flat = x.reshape(x.shape[0], x.shape[1], -1)
    n = flat.shape[0] * flat.shape[2]
    # Row sums in the input dtype are accurate (short rows); summing rows in float64 keeps E[x^2] - E[x]^2
    # from cancelling badly when the mean is large compared with the spread.
    s1 = flat.sum(-1).to(torch.float64).sum(0)
    s2 = (flat * flat).sum(-1).to(torch.float64).sum(0)
    mean = s1 / n
    var = (s2 / n - mean * mean).clamp_min(0.0)
    return mean.to(x.dtype), var.to(x.dtype)


def _update_running(running_mean, running_var, mean, var, n: int, momentum: float) -> None:
    if running_mean is None:
        return
    with torch.no_grad():
        unbiased = var * (n / max(n - 1, 1))
        running_mean.mul_(1 - momentum).add_(mean, alpha=momentum)
        running_var.mul_(1 - momentum).add_(unbiased, alpha=momentum)


class _BNReLU(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, momentum, eps):
        mean, var = batch_stats(x)
        n = x.numel() // x.shape[1]
        _update_running(running_mean, running_var, mean, var, n, momentum)
        out = F.batch_norm(x, mean, var, weight, bias, False, 0.0, eps).relu_()
        invstd = torch.rsqrt(var + eps)
        ctx.save_for_backward(x, out, weight, mean, invstd)
        ctx.eps = eps
        return out

    @staticmethod
    @once_differentiable
    def backward(ctx, grad_out):
        x, out, weight, mean, invstd = ctx.saved_tensors
        grad_masked = torch.ops.aten.threshold_backward(grad_out.contiguous(), out, 0.0)
        need = [ctx.needs_input_grad[0], ctx.needs_input_grad[1], ctx.needs_input_grad[2]]
        gx, gw, gb = torch.ops.aten.native_batch_norm_backward(
            grad_masked, x, weight, None, None, mean, invstd, True, ctx.eps, need
        )
        return gx, gw, gb, None, None, None, None


def bn_relu(x: Tensor, bn: torch.nn.modules.batchnorm._BatchNorm) -> Tensor:
    """`relu(bn(x))` for a BatchNorm module `bn` in training mode, with the fused autograd function."""
    if bn.momentum is None:
        raise ValueError("bn_relu needs a BatchNorm with a fixed momentum")
    if bn.num_batches_tracked is not None:
        bn.num_batches_tracked.add_(1)
    running_mean = bn.running_mean if bn.track_running_stats else None
    running_var = bn.running_var if bn.track_running_stats else None
    return _BNReLU.apply(x.contiguous(), bn.weight, bn.bias, running_mean, running_var, bn.momentum, bn.eps)


class _Shrink(torch.autograd.Function):
    """y = soft_threshold(x, tau(x)) (+ shortcut on channels [lo, lo + Cs)), tau from the sub-network.

    The sub-network works on (B, C) tensors, so each of its ops costs more in dispatch than in arithmetic; its
    batch norm therefore runs as ATen's native kernels (statistics, running-average update and normalisation
    in one call; its backward in one call) instead of a dozen small ops.
    """

    @staticmethod
    def forward(ctx, x, shortcut, w1, b1, gamma, beta, w2, b2, running_mean, running_var, cfg, inplace):
        channel_wise, use_batch_stats, momentum, eps, lo = cfg
        B, C = x.shape[0], x.shape[1]
        y = x.abs()  # becomes the output: |x|, then |x| - tau clipped at 0, then signed, then + shortcut
        # The backward needs sign(x). When the caller allows it, it is kept in x's own memory, which saves
        # an allocation and a pass over fresh pages; `detach` shares x's version counter, so autograd still
        # sees the change if anything else had saved x.
        sign_x = x.detach().sign_() if inplace else torch.sign(x)
        a = y.view(B, C, -1).mean(-1)  # GAP(|x|), (B, C)
        z1 = torch.addmm(b1, a, w1.t())
        zb, save_mean, save_invstd = torch.native_batch_norm(
            z1, gamma, beta, running_mean, running_var, use_batch_stats, momentum, eps
        )
        h = zb.relu_()
        alpha = torch.addmm(b2, h, w2.t()).sigmoid_()  # (B, C) or (B, 1)
        abar = a if channel_wise else a.mean(1, keepdim=True)
        tau = alpha * abar
        view = (B, tau.shape[1]) + (1,) * (x.dim() - 2)
        # soft thresholding in place: (|x| - tau) clipped at 0, times sign(x) (a multiply is cheaper than
        # copysign)
        y.sub_(tau.view(view)).clamp_min_(0.0).mul_(sign_x)
        # The backward needs two signs per element: sign(y) (+-1 where |x| > tau, else 0) and sign(x).
        # Float32 signs make the backward plain float multiplies; int8 signs took less memory but cost a
        # conversion pass each way and mixed-dtype kernels, which measured slower.
        sign_y = torch.sign(y)
        if shortcut is not None:  # the output is y + shortcut, added in place: y itself is not needed again
            target = y if shortcut.shape[1] == C else y[:, lo : lo + shortcut.shape[1]]
            target.add_(shortcut)
        ctx.save_for_backward(sign_y, sign_x, a, abar, z1, h, alpha, w1, gamma, w2, save_mean, save_invstd)
        # Only read in backward when the batch statistics were not used (a batch of one); in that case
        # nothing updates them in between, so they need no version check.
        ctx.running = (running_mean, running_var)
        ctx.cfg = cfg
        ctx.shortcut_channels = None if shortcut is None else shortcut.shape[1]
        ctx.mark_non_differentiable(tau)
        return y, tau

    @staticmethod
    @once_differentiable
    def backward(ctx, g, _g_tau):
        sign_y, sign_x, a, abar, z1, h, alpha, w1, gamma, w2, save_mean, save_invstd = ctx.saved_tensors
        channel_wise, use_batch_stats, _momentum, eps, lo = ctx.cfg
        B, C = sign_x.shape[0], sign_x.shape[1]
        n = sign_x.numel() // (B * C)
        view = (B, C) + (1,) * (sign_x.dim() - 2)
        g = g.contiguous()
        g_signed = g * sign_y
        g_tau = g_signed.view(B, C, -1).sum(-1).neg_()  # (B, C)
        g_x = g_signed.mul_(sign_y)  # g where |x| > tau, else 0
        if channel_wise:
            g_a = g_tau * alpha
            g_alpha = g_tau * abar
        else:
            g_tau_s = g_tau.sum(1, keepdim=True)
            g_a = (g_tau_s * alpha).div_(C).expand(B, C)
            g_alpha = g_tau_s * abar
        g_z2 = torch.ops.aten.sigmoid_backward(g_alpha, alpha)
        g_w2 = g_z2.t() @ h
        g_b2 = g_z2.sum(0)
        g_zb = torch.ops.aten.threshold_backward(g_z2 @ w2, h, 0.0)
        running_mean, running_var = ctx.running
        g_z1, g_gamma, g_beta = torch.ops.aten.native_batch_norm_backward(
            g_zb,
            z1,
            gamma,
            running_mean,
            running_var,
            save_mean,
            save_invstd,
            use_batch_stats,
            eps,
            [True, True, True],
        )
        g_w1 = g_z1.t() @ a
        g_b1 = g_z1.sum(0)
        g_a = torch.addmm(g_a, g_z1, w1).div_(n)
        # d GAP(|x|) / dx = sign(x) / n
        g_x.addcmul_(sign_x, g_a.view(view))
        g_short = None
        if ctx.shortcut_channels is not None:
            g_short = g if ctx.shortcut_channels == C else g[:, lo : lo + ctx.shortcut_channels]
        return g_x, g_short, g_w1, g_b1, g_gamma, g_beta, g_w2, g_b2, None, None, None, None


def shrink(
    x: Tensor,
    shortcut: Tensor | None,
    fc1: torch.nn.Linear,
    bn: torch.nn.BatchNorm1d,
    fc2: torch.nn.Linear,
    *,
    channel_wise: bool,
    offset: int = 0,
    inplace: bool = False,
) -> tuple[Tensor, Tensor]:
    """Fused DRSN shrinkage (training mode): returns (soft-thresholded x [+ shortcut], tau).

    `shortcut` (or None) is added on channels `offset : offset + shortcut.shape[1]` of the output.
    `inplace=True` lets the function keep sign(x) in x's memory: only for an x nothing reads again.
    With a batch of one the sub-network's BatchNorm uses its running statistics (it cannot estimate a
    variance from one value).
    """
    use_batch_stats = x.shape[0] > 1
    if use_batch_stats and bn.num_batches_tracked is not None:
        bn.num_batches_tracked.add_(1)
    cfg = (channel_wise, use_batch_stats, bn.momentum, bn.eps, offset)
    return _Shrink.apply(
        x.contiguous(),
        shortcut,
        fc1.weight,
        fc1.bias,
        bn.weight,
        bn.bias,
        fc2.weight,
        fc2.bias,
        bn.running_mean,
        bn.running_var,
        cfg,
        inplace,
    )
