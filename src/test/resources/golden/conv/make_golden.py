"""Makes the Conv1d and gradient golden cases: run `/usr/bin/python3 make_golden.py` in this directory.

Writes manifest.json and the .npy files beside it, all derived from one seed, so a rerun reproduces them byte for
byte (`--check` compares a fresh derivation with the stored files instead of writing). Each case is one call of
"conv1d" (torch.nn.Conv1d / F.conv1d) or "conv_transpose1d" (the library's ConvTranspose1d, as in ../torch):

* inputs x, w, b and, for gradient cases, the upstream gradient gy are random, stored in the case's dtype
  (float32 or float64), x / gy / gx as the case's layout holds them (NLC: (N, L, C); rank 2 when unbatched);
* y (forward output) and gx, gw, gb (PyTorch autograd's gradients of sum(y * gy) for x, w, b) are computed by
  PyTorch in float64 from the stored inputs and stored in float64;
* y_abs, gx_abs, gw_abs, gb_abs hold the same sums over absolute values (the S of the rounding bound
  |result - exact| <= gamma(R + 1) * S that the Java test applies), from the definition loops run on |inputs|.

Every PyTorch result is cross-checked against direct numpy loops over the definitions below (to 1e-12 * S), and
for every case the number of products summed into each element (the loops run on all-ones inputs) is checked
against the reduction lengths R the Java test assumes (`reduction_lengths`).

conv1d, with xp the input padded by (left, right) in the padding mode:
    y[n, co, o]   = b[co] + sum_{ci in co's group, k} w[co, ci', k] * xp[n, ci, o*s + k*d]
    gx[n, ci, i]  = sum over the padded positions j that copy x[.., i] of sum_{co, k: o*s + k*d = j} gy * w
    gw[co, ci', k] = sum_{n, o} gy[n, co, o] * xp[n, ci, o*s + k*d];   gb[co] = sum_{n, o} gy[n, co, o]
  Padding as PyTorch spells it: an int p is (p, p); [l, r] is F.pad(x, (l, r), mode) followed by an unpadded
  convolution (mode "zeros" is F.pad's "constant"); "valid" is (0, 0); "same" (stride 1 only, as PyTorch) pads
  total = d*(K-1) with left = total // 2, the smaller half, and right = total - left: torch 1.13's
  F.conv1d(padding='same') pads an odd total's extra position on the right (checked below against F.pad).
  Modes: reflect x[-t] = x[t] needs each side < Lin; replicate clamps; circular wraps, each side <= Lin
  (PyTorch refuses a wrap around more than once). Lout = (Lin + l + r - d*(K-1) - 1) // s + 1 must be >= 1.
conv_transpose1d: as ../torch/make_golden.py: the full transposed convolution (padding 0) sliced to the window
  [pad_left, pad_left + Lout), zeros past its end, plus the bias; the same expression runs through autograd.
  Padding rules: an int p is (p, p); [l, r] as given; "VALID" is (0, 0); "SAME" has default length Lin*stride
  and pads total = max((Lin-1)*stride + ek - Lout, 0), left = total // 2; output_size replaces output_padding.
  Where PyTorch can express the case itself (symmetric padding), nn.ConvTranspose1d must agree as well.

"error" cases must be refused by these rules and by PyTorch; "error_in": "forward" means the forward call (and
so every backward call) is invalid, "backward" that only the gradient call is (gy of the wrong shape).
Needs numpy and torch (Debian: apt-get install python3-torch).
"""
import json
import os
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F

SEED = 20261205
MODES = ("zeros", "reflect", "replicate", "circular")


class Invalid(Exception):
    pass


# ----------------------------------------------------------------------------------------------------------------
# Shapes and validity
# ----------------------------------------------------------------------------------------------------------------

def conv1d_geometry(case, lin, cin, w_shape, b_shape):
    """(left, right, lout) of a valid conv1d case, else Invalid."""
    s, d, g, padding, mode = case["stride"], case["dilation"], case["groups"], case["padding"], case["padding_mode"]
    cout, cig, k = w_shape
    if s < 1 or d < 1 or g < 1:
        raise Invalid("stride, dilation and groups must be positive")
    if cin % g or cout % g:
        raise Invalid("groups must divide Cin and Cout")
    if cig * g != cin:
        raise Invalid("weight's Cin/groups does not match the input")
    if b_shape is not None and b_shape != (cout,):
        raise Invalid("bias must have Cout elements")
    if padding == "valid":
        left, right = 0, 0
    elif padding == "same":
        if s != 1:
            raise Invalid("padding='same' with stride > 1")
        total = d * (k - 1)
        left, right = total // 2, total - total // 2
    elif isinstance(padding, int):
        left, right = padding, padding
    else:
        left, right = padding
    if left < 0 or right < 0:
        raise Invalid("negative padding")
    if mode == "reflect" and max(left, right) >= lin:
        raise Invalid("reflect padding must be < Lin")
    if mode == "circular" and max(left, right) > lin:
        raise Invalid("circular padding must be <= Lin")
    span = lin + left + right - d * (k - 1)
    if span < 1:
        raise Invalid("output length < 1")
    return left, right, (span - 1) // s + 1


def transposed_geometry(case, lin, cin, w_shape, b_shape):
    """(pad_left, lout) of a valid conv_transpose1d case, else Invalid (as ../torch/make_golden.py)."""
    s, d, g, op = case["stride"], case["dilation"], case["groups"], case["output_padding"]
    padding, size = case["padding"], case["output_size"]
    if s < 1 or d < 1 or g < 1:
        raise Invalid("stride, dilation and groups must be positive")
    if not 0 <= op < max(s, d):
        raise Invalid("output_padding must be in [0, max(stride, dilation))")
    if op and size is not None:
        raise Invalid("output_padding and output_size together")
    wcin, cog, k = w_shape
    if wcin != cin or cin % g:
        raise Invalid("weight's Cin must equal the input's and be divisible by groups")
    if b_shape is not None and b_shape != (cog * g,):
        raise Invalid("bias must have Cout elements")
    ek = d * (k - 1) + 1
    if padding == "SAME":
        low, high = (lin - 1) * s + 1, lin * s
        lout = lin * s if size is None else size
        if not low <= lout <= high:
            raise Invalid("output_size out of range")
        total = max((lin - 1) * s + ek - lout, 0)
        return total // 2, lout + op
    left, right = (0, 0) if padding == "VALID" else (padding, padding) if isinstance(padding, int) else padding
    if left < 0 or right < 0:
        raise Invalid("padding must be non-negative")
    base = (lin - 1) * s - left - right + ek
    lout = base + op if size is None else size
    if size is not None and not base <= size <= base + s - 1:
        raise Invalid("output_size out of range")
    if lout < 1:
        raise Invalid("output length not positive")
    return left, lout


def geometry(case, x, w, b):
    """The case's geometry on NCL-batched x: conv1d (left, right, lout), conv_transpose1d (pad_left, lout)."""
    resolve = conv1d_geometry if case["op"] == "conv1d" else transposed_geometry
    return resolve(case, x.shape[2], x.shape[1], w.shape, None if b is None else b.shape)


def output_channels(case, w):
    return w.shape[0] if case["op"] == "conv1d" else w.shape[1] * case["groups"]


# ----------------------------------------------------------------------------------------------------------------
# Definitions by direct loops (float64, NCL batched)
# ----------------------------------------------------------------------------------------------------------------

def padded_sources(lin, left, right, mode):
    """For each padded position j, the input position it copies, or -1 for a zero."""
    sources = []
    for j in range(lin + left + right):
        t = j - left
        if 0 <= t < lin:
            sources.append(t)
        elif mode == "zeros":
            sources.append(-1)
        elif mode == "reflect":
            sources.append(-t if t < 0 else 2 * (lin - 1) - t)
        elif mode == "replicate":
            sources.append(min(max(t, 0), lin - 1))
        else:
            sources.append(t % lin)
    return np.array(sources)


def conv1d_loops(x, w, b, gy, case, left, right, lout):
    """(y, gx, gw, gb) by the definition; gx, gw, gb are None without gy, gb also without b."""
    s, d, g, mode = case["stride"], case["dilation"], case["groups"], case["padding_mode"]
    n_batch, cin, lin = x.shape
    cout, cig, k_size = w.shape
    cog = cout // g
    sources = padded_sources(lin, left, right, mode)
    xp = np.where(sources >= 0, x[:, :, np.maximum(sources, 0)], 0.0)
    positions = np.arange(lout) * s
    y = np.zeros((n_batch, cout, lout))
    gxp = np.zeros(xp.shape) if gy is not None else None
    gw = np.zeros(w.shape) if gy is not None else None
    for co in range(cout):
        for c in range(cig):
            ci = co // cog * cig + c
            for k in range(k_size):
                taps = positions + k * d
                y[:, co, :] += w[co, c, k] * xp[:, ci, taps]
                if gy is not None:
                    np.add.at(gxp[:, ci, :], (slice(None), taps), gy[:, co, :] * w[co, c, k])
                    gw[co, c, k] = np.sum(gy[:, co, :] * xp[:, ci, taps])
    if b is not None:
        y += b[None, :, None]
    if gy is None:
        return y, None, None, None
    gx = np.zeros(x.shape)
    for j, source in enumerate(sources):
        if source >= 0:
            gx[:, :, source] += gxp[:, :, j]
    return y, gx, gw, None if b is None else gy.sum(axis=(0, 2))


def transposed_loops(x, w, b, gy, case, pad_left, lout):
    s, d, g = case["stride"], case["dilation"], case["groups"]
    n_batch, cin, lin = x.shape
    cog, k_size = w.shape[1], w.shape[2]
    cig = cin // g
    y = np.zeros((n_batch, cog * g, lout))
    gx = np.zeros(x.shape) if gy is not None else None
    gw = np.zeros(w.shape) if gy is not None else None
    for co in range(cog * g):
        grp = co // cog
        for ci in range(grp * cig, (grp + 1) * cig):
            for k in range(k_size):
                inputs = np.arange(lin)
                outputs = inputs * s + k * d - pad_left
                inside = (outputs >= 0) & (outputs < lout)
                i, o = inputs[inside], outputs[inside]
                weight = w[ci, co - grp * cog, k]
                y[:, co, o] += x[:, ci, i] * weight
                if gy is not None:
                    gx[:, ci, i] += gy[:, co, o] * weight
                    gw[ci, co - grp * cog, k] += np.sum(x[:, ci, i] * gy[:, co, o])
    if b is not None:
        y += b[None, :, None]
    if gy is None:
        return y, None, None, None
    return y, gx, gw, None if b is None else gy.sum(axis=(0, 2))


def loops(case, x, w, b, gy, geo):
    return (conv1d_loops if case["op"] == "conv1d" else transposed_loops)(x, w, b, gy, case, *geo)


# ----------------------------------------------------------------------------------------------------------------
# PyTorch (float64, through autograd)
# ----------------------------------------------------------------------------------------------------------------

def torch_conv1d(case, tx, tw, tb):
    """The forward as a PyTorch user writes it: nn.Conv1d for its own padding forms, F.pad for [l, r]."""
    s, d, g, padding, mode = case["stride"], case["dilation"], case["groups"], case["padding"], case["padding_mode"]
    if isinstance(padding, list):
        return F.conv1d(F.pad(tx, tuple(padding), mode="constant" if mode == "zeros" else mode), tw, tb, s, 0, d, g)
    layer = torch.nn.Conv1d(tx.shape[-2], tw.shape[0], tw.shape[2], stride=s, padding=padding, dilation=d, groups=g,
                            bias=tb is not None, padding_mode=mode).double()
    return layer._conv_forward(tx, tw, tb)


def torch_transposed(case, tx, tw, tb, pad_left, lout):
    """The full transposed convolution sliced to the window; zeros past its end; then the bias."""
    s, d, g = case["stride"], case["dilation"], case["groups"]
    full = F.conv_transpose1d(tx, tw, None, s, 0, 0, g, d)
    beyond = pad_left + lout - full.shape[-1]
    if beyond > 0:
        full = F.pad(full, (0, beyond))
    out = full[..., pad_left:pad_left + lout]
    return out if tb is None else out + tb[:, None]


def torch_transposed_module(case, tx, tw, tb):
    """nn.ConvTranspose1d itself, for the cases it can express (symmetric padding), else None."""
    padding = case["padding"]
    if isinstance(padding, str) or isinstance(padding, list) and padding[0] != padding[1]:
        return None
    p = padding if isinstance(padding, int) else padding[0]
    layer = torch.nn.ConvTranspose1d(tw.shape[0], tw.shape[1] * case["groups"], tw.shape[2], case["stride"], p,
                                     case["output_padding"], case["groups"], tb is not None,
                                     case["dilation"]).double()
    with torch.no_grad():
        layer.weight.copy_(tw)
        if tb is not None:
            layer.bias.copy_(tb)
        size = None if case["output_size"] is None else [case["output_size"]]
        return layer(tx, output_size=size)


def by_torch(case, x, w, b, gy, geo):
    """(y, gx, gw, gb) in NCL batched float64; gradients None without gy. An unbatched case runs as the batch of
    one that PyTorch defines it to be: torch 1.13's circular F.pad refuses rank-2 input."""
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    tw = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    if case["op"] == "conv1d":
        out = torch_conv1d(case, tx, tw, tb)
    else:
        out = torch_transposed(case, tx, tw, tb, *geo)
        module = torch_transposed_module(case, tx.detach(), tw.detach(), None if tb is None else tb.detach())
        if module is not None and not torch.allclose(module, out.detach(), rtol=1e-12, atol=1e-12):
            sys.exit(f"{case['name']}: nn.ConvTranspose1d and the sliced full transposed convolution disagree")
    y = out.detach().numpy()
    if gy is None:
        return y, None, None, None
    leaves = [tx, tw] + ([] if tb is None else [tb])
    grads = torch.autograd.grad(out, leaves, torch.tensor(gy, dtype=torch.float64))
    return (y, grads[0].numpy(), grads[1].numpy(), None if tb is None else grads[2].numpy())


def check_pytorch_refuses(case, x, w, b, gy):
    """An "error" case must fail in PyTorch too, in the call its error_in names."""
    tx = torch.tensor(x, dtype=torch.float64, requires_grad=True)  # the batch of one, as in by_torch
    tw = torch.tensor(w, dtype=torch.float64, requires_grad=True)
    tb = None if b is None else torch.tensor(b, dtype=torch.float64, requires_grad=True)
    try:
        if case["op"] == "conv1d":
            out = torch_conv1d(case, tx, tw, tb)
        elif case["error_in"] == "forward":
            out = torch_transposed_module(case, tx, tw, tb)
            if out is None:
                sys.exit(f"{case['name']}: PyTorch cannot express this error case")
        else:
            out = torch_transposed(case, tx, tw, tb, *geometry(case, x, w, b))
        if case["error_in"] == "forward":
            sys.exit(f"{case['name']}: PyTorch accepts the forward call")
        torch.autograd.grad(out, [tx], torch.tensor(gy, dtype=torch.float64))
    except (RuntimeError, ValueError):
        return
    sys.exit(f"{case['name']}: PyTorch accepts the gradient call")


# ----------------------------------------------------------------------------------------------------------------
# Reduction lengths, as the Java test assumes them
# ----------------------------------------------------------------------------------------------------------------

def reduction_lengths(case, x, w, geo):
    """The most products any element of y, gx, gw sums (an upper bound), as ConvGoldenCasesTest derives it."""
    s, d, g = case["stride"], case["dilation"], case["groups"]
    n_batch, cin, lin = x.shape
    k = w.shape[2]
    tap_step = s // np.gcd(s, d)
    lout = geo[-1]
    if case["op"] == "conv1d":
        cout = w.shape[0]
        left, right = geo[0], geo[1]
        # how many padded positions may copy one input position
        copies = {"zeros": 1, "reflect": 3, "circular": 3, "replicate": left + right + 1}[case["padding_mode"]]
        return {"y": cin // g * k, "gx": cout // g * -(-k // tap_step) * copies, "gw": n_batch * lout}
    cout = w.shape[1] * g
    return {"y": cin // g * -(-k // tap_step), "gx": cout // g * k, "gw": n_batch * lin}


# ----------------------------------------------------------------------------------------------------------------
# The cases
# ----------------------------------------------------------------------------------------------------------------

def conv(name, cin, cout, lin, k, n=2, stride=1, padding=0, mode="zeros", dilation=1, groups=1, bias=True,
         layout="NCL", dtype="float32", grads=True, expect="ok", error_in=None, w_shape=None, b_shape=None,
         gy_length=None):
    return dict(name=name, op="conv1d", n=n, cin=cin, cout=cout, lin=lin, k=k, stride=stride, padding=padding,
                padding_mode=mode, dilation=dilation, groups=groups, bias=bias, layout=layout, dtype=dtype,
                grads=grads, expect=expect, error_in=error_in, w_shape=w_shape, b_shape=b_shape, gy_length=gy_length)


def tconv(name, cin, cout, lin, k, n=2, stride=1, padding=0, output_padding=0, output_size=None, dilation=1,
          groups=1, bias=True, layout="NCL", dtype="float32", grads=True, expect="ok", error_in=None,
          gy_length=None):
    return dict(name=name, op="conv_transpose1d", n=n, cin=cin, cout=cout, lin=lin, k=k, stride=stride,
                padding=padding, output_padding=output_padding, output_size=output_size, dilation=dilation,
                groups=groups, bias=bias, layout=layout, dtype=dtype, grads=grads, expect=expect,
                error_in=error_in, w_shape=None, b_shape=None, gy_length=gy_length)


def specs():
    cases = []
    # Every padding form in every mode: an int, [l, r], 'same' with an odd and an even total, 'valid'.
    for m, mode in enumerate(MODES):
        layout = "NLC" if m % 2 else "NCL"
        dtype = "float64" if m == 3 else "float32"
        cases += [
            conv(f"conv_{mode}_int", 3, 4, 11, 3, stride=1 + m % 3, padding=2, mode=mode, dilation=1 + m % 2,
                 layout=layout, dtype=dtype),
            conv(f"conv_{mode}_asym", 4, 6, 13, 4, stride=2, padding=[3, 1], mode=mode, dilation=2, groups=2,
                 bias=m % 2 == 0, layout="NCL" if m % 2 else "NLC"),
            conv(f"conv_{mode}_asym_left0", 2, 3, 9, 3, padding=[0, 4], mode=mode, layout=layout, dtype=dtype,
                 n=None if m == 2 else 1),
            conv(f"conv_{mode}_same_odd_total", 3, 2, 10, 4, padding="same", mode=mode, layout=layout),
            conv(f"conv_{mode}_same_odd_total_dilated", 2, 4, 12, 2, padding="same", mode=mode, dilation=3,
                 bias=False, dtype=dtype),
            conv(f"conv_{mode}_same_even_total", 4, 4, 9, 3, padding="same", mode=mode, dilation=2, groups=4,
                 layout="NLC", n=None if m == 0 else 3),
            conv(f"conv_{mode}_same_k5", 3, 3, 7, 5, padding="same", mode=mode, dtype="float64", n=1),
            conv(f"conv_{mode}_valid", 3, 5, 14, 5, stride=3, padding="valid", mode=mode, dilation=2, layout=layout,
                 n=None if m == 1 else 2),
        ]
    # Edge paddings of the modes: reflect up to Lin - 1, circular up to Lin, replicate beyond Lin.
    cases += [
        conv("conv_reflect_max", 2, 3, 5, 3, padding=4, mode="reflect"),
        conv("conv_reflect_max_left", 2, 2, 4, 2, padding=[3, 0], mode="reflect", stride=2, layout="NLC"),
        conv("conv_reflect_max_right_unbatched", 3, 2, 6, 3, n=None, padding=[1, 5], mode="reflect", dilation=2),
        conv("conv_reflect_len2", 1, 2, 2, 2, padding=1, mode="reflect", dtype="float64"),
        conv("conv_circular_max", 2, 3, 5, 3, padding=5, mode="circular", dilation=2),
        conv("conv_circular_max_asym", 3, 3, 4, 4, padding=[4, 2], mode="circular", stride=3, groups=3,
             layout="NLC"),
        conv("conv_circular_len1", 2, 2, 1, 3, padding=1, mode="circular", dtype="float64"),
        conv("conv_replicate_beyond", 2, 3, 3, 3, padding=[7, 5], mode="replicate", stride=2),
        conv("conv_replicate_len1", 2, 2, 1, 5, padding=2, mode="replicate", layout="NLC"),
        conv("conv_reflect_same_wide", 2, 2, 4, 7, padding="same", mode="reflect", n=3),
    ]
    # Strides, dilations, groups, K = 1, batch and layout.
    cases += [
        conv("conv_stride4_dil3", 3, 4, 29, 3, stride=4, dilation=3, padding=1),
        conv("conv_stride4_k5", 2, 3, 23, 5, stride=4, padding=2, layout="NLC", dtype="float64"),
        conv("conv_stride3_dil3_nobias", 4, 2, 20, 4, stride=3, dilation=3, padding=3, bias=False, mode="reflect"),
        conv("conv_stride2_dil2_groups2", 4, 4, 18, 3, stride=2, dilation=2, padding=2, groups=2, mode="circular"),
        conv("conv_depthwise", 6, 6, 16, 3, groups=6, padding=1),
        conv("conv_depthwise_nlc_reflect", 5, 5, 12, 5, groups=5, padding=2, mode="reflect", layout="NLC"),
        conv("conv_depthwise_multiplier2", 3, 6, 15, 3, groups=3, padding="same", mode="replicate"),
        conv("conv_depthwise_multiplier3_stride2", 2, 6, 17, 4, groups=2, stride=2, padding=[2, 1],
             mode="circular", layout="NLC", dtype="float64"),
        conv("conv_groups3_uneven_channels", 6, 9, 10, 3, groups=3, padding=0),
        conv("conv_k1", 4, 3, 9, 1),
        conv("conv_k1_stride2_reflect", 3, 3, 8, 1, stride=2, padding=2, mode="reflect", layout="NLC"),
        conv("conv_k1_same", 2, 5, 6, 1, padding="same", mode="circular", n=None, dtype="float64"),
        conv("conv_batch4", 3, 2, 12, 3, n=4, padding=1, dilation=2),
        conv("conv_unbatched_nlc", 4, 3, 10, 3, n=None, padding=[2, 0], layout="NLC", mode="replicate"),
        conv("conv_output_length1", 2, 3, 5, 5, padding="valid"),
        conv("conv_stride_past_end", 2, 2, 10, 3, stride=4, padding=0, mode="reflect"),
        conv("conv_forward_only_wide", 8, 8, 33, 7, padding=3, groups=2, grads=False),
        conv("conv_long", 2, 2, 10000, 5, n=1, padding="same", mode="reflect"),
    ]
    # The transposed convolution's gradients, in every padding form of the library.
    cases += [
        tconv("tconv_sym", 3, 4, 9, 3, padding=1, stride=2),
        tconv("tconv_asym", 4, 6, 8, 4, padding=[2, 5], stride=2, dilation=3, groups=2, layout="NLC"),
        tconv("tconv_output_padding", 2, 3, 7, 3, padding=1, stride=3, output_padding=2, bias=False),
        tconv("tconv_output_padding_dilation", 3, 3, 6, 2, padding=0, stride=1, dilation=3, output_padding=2,
              dtype="float64"),
        tconv("tconv_output_size", 3, 2, 8, 4, padding=2, stride=3, output_size=23, layout="NLC"),
        tconv("tconv_asym_output_size", 2, 4, 6, 5, padding=[4, 1], stride=4, output_size=23, groups=2),
        tconv("tconv_same", 4, 4, 10, 5, padding="SAME", stride=2, groups=4),
        tconv("tconv_same_even", 2, 3, 7, 4, padding="SAME", stride=1, dilation=2, n=None),
        tconv("tconv_same_output_size", 3, 3, 6, 3, padding="SAME", stride=3, output_size=17, dtype="float64"),
        tconv("tconv_same_output_padding", 2, 2, 5, 3, padding="SAME", stride=2, output_padding=1, layout="NLC"),
        tconv("tconv_valid", 3, 2, 9, 3, padding="VALID", stride=2, dilation=2),
        tconv("tconv_valid_output_size", 2, 4, 5, 2, padding="VALID", stride=3, output_size=15, groups=2,
              bias=False),
        tconv("tconv_window_past_end", 2, 3, 4, 2, padding=[1, 0], stride=3, output_padding=2),
        tconv("tconv_depthwise_multiplier", 3, 6, 11, 3, padding=1, groups=3, layout="NLC", n=None),
        tconv("tconv_k1_stride2", 4, 3, 7, 1, stride=2, dtype="float64"),
        tconv("tconv_batch3", 2, 2, 12, 5, n=3, padding=2, stride=1, dilation=2),
        tconv("tconv_long", 2, 2, 5000, 4, n=1, padding=1, stride=2),
    ]
    # Errors: the forward call is invalid, hence every gradient call too.
    cases += [
        conv("err_reflect_equal_length", 2, 2, 5, 3, padding=5, mode="reflect", expect="error", error_in="forward"),
        conv("err_reflect_right_equal_length", 2, 2, 4, 2, padding=[0, 4], mode="reflect", expect="error",
             error_in="forward"),
        conv("err_reflect_same_too_wide", 2, 2, 3, 7, padding="same", mode="reflect", expect="error",
             error_in="forward"),
        conv("err_circular_beyond_length", 2, 2, 5, 3, padding=6, mode="circular", expect="error",
             error_in="forward"),
        conv("err_circular_left_beyond_length", 2, 2, 3, 3, padding=[4, 0], mode="circular", expect="error",
             error_in="forward"),
        conv("err_same_stride2", 2, 2, 8, 3, padding="same", stride=2, expect="error", error_in="forward"),
        conv("err_output_length0", 2, 2, 4, 6, padding=0, expect="error", error_in="forward"),
        conv("err_valid_kernel_too_long", 2, 2, 5, 3, dilation=3, padding="valid", expect="error",
             error_in="forward"),
        conv("err_cin_mismatch", 3, 2, 8, 3, w_shape=(2, 2, 3), expect="error", error_in="forward"),
        conv("err_groups_not_dividing_cin", 3, 4, 8, 3, groups=2, w_shape=(4, 1, 3), expect="error",
             error_in="forward"),
        conv("err_groups_not_dividing_cout", 4, 3, 8, 3, groups=2, w_shape=(3, 2, 3), expect="error",
             error_in="forward"),
        conv("err_bias_size", 2, 3, 8, 3, b_shape=(2,), expect="error", error_in="forward"),
        tconv("err_tconv_output_size_range", 2, 2, 5, 3, stride=2, padding=1, output_size=13, expect="error",
              error_in="forward"),
        # Only the gradient call is invalid: gy of the wrong length.
        conv("err_grad_output_length", 2, 3, 10, 3, padding=1, expect="error", error_in="backward", gy_length=9),
        tconv("err_tconv_grad_output_length", 2, 3, 6, 3, stride=2, padding=1, expect="error", error_in="backward",
              gy_length=12),
    ]
    # float32's bound for a reduction of 10^4 products allows several per cent of a weight gradient: float64's
    # catches a single missed product of a long reduction (last, so that adding it left the other cases' data as it was)
    cases.append(conv("conv_long_float64", 1, 2, 4000, 3, n=2, padding=1, mode="circular", dtype="float64"))
    return cases


# ----------------------------------------------------------------------------------------------------------------
# Making and checking
# ----------------------------------------------------------------------------------------------------------------

def to_ncl(a, case):
    if case["unbatched"]:
        a = a[None]
    return a.transpose(0, 2, 1) if case["layout"] == "NLC" else a


def from_ncl(a, case):
    a = a.transpose(0, 2, 1) if case["layout"] == "NLC" else a
    return np.ascontiguousarray(a[0] if case["unbatched"] else a)


def manifest_entry(spec):
    keys = ["name", "op", "expect", "dtype", "layout", "stride", "padding"]
    keys += ["padding_mode"] if spec["op"] == "conv1d" else ["output_padding", "output_size"]
    keys += ["dilation", "groups"]
    entry = {key: spec[key] for key in keys}
    entry["unbatched"] = spec["n"] is None
    if spec["expect"] == "error":
        entry["error_in"] = spec["error_in"]
    return entry


def make(spec, rng, files):
    """The manifest entry of one case; puts its arrays into files (name -> array)."""
    case = manifest_entry(spec)
    name, dtype = spec["name"], spec["dtype"]
    n = 1 if spec["n"] is None else spec["n"]
    cin, cout, k, g = spec["cin"], spec["cout"], spec["k"], spec["groups"]
    if spec["op"] == "conv1d":
        w_shape = spec["w_shape"] or (cout, cin // g, k)
    else:
        w_shape = (cin, cout // g, k)
    b_shape = spec["b_shape"] or ((cout,) if spec["bias"] else None)
    x = rng.standard_normal((n, cin, spec["lin"]))
    w = rng.standard_normal(w_shape) / np.sqrt(max(1, w_shape[1] * k))
    b = None if b_shape is None else rng.standard_normal(b_shape)
    x, w = x.astype(dtype), w.astype(dtype)
    b = None if b is None else b.astype(dtype)

    def store(key, array):
        case[key] = f"{name}_{key}.npy"
        files[case[key]] = array

    store("x", from_ncl(x, case))
    store("w", w)
    case["b"] = None
    if b is not None:
        store("b", b)
    x64, w64 = x.astype(np.float64), w.astype(np.float64)
    b64 = None if b is None else b.astype(np.float64)
    try:
        geo = geometry(case, x, w, b)
    except Invalid as why:
        if case["expect"] != "error" or case["error_in"] != "forward":
            sys.exit(f"{name}: expected a valid forward call but {why}")
        gy = rng.standard_normal((n, output_channels(case, w), 1)).astype(dtype)
        store("gy", from_ncl(gy, case))
        check_pytorch_refuses(case, x64, w64, b64, gy.astype(np.float64))
        return case
    if case["expect"] == "error" and case["error_in"] == "forward":
        sys.exit(f"{name}: expected an invalid forward call but the rules accept it")
    lout = geo[-1]
    grads = spec["grads"] or case["expect"] == "error"
    gy = rng.standard_normal((n, output_channels(case, w), spec["gy_length"] or lout)).astype(dtype) if grads \
        else None
    if gy is not None:
        store("gy", from_ncl(gy, case))
    gy64 = None if gy is None else gy.astype(np.float64)
    if case["expect"] == "error":
        check_pytorch_refuses(case, x64, w64, b64, gy64)
        gy64 = None  # only the forward call is valid
    torch_results = by_torch(case, x64, w64, b64, gy64, geo)
    loop_results = loops(case, x64, w64, b64, gy64, geo)
    magnitudes = loops(case, np.abs(x64), np.abs(w64), None if b is None else np.abs(b64),
                       None if gy64 is None else np.abs(gy64), geo)
    counts = loops(case, np.ones(x.shape), np.ones(w.shape), None, None if gy64 is None else np.ones(gy.shape), geo)
    for key, by_pytorch, by_loops, magnitude in zip(("y", "gx", "gw", "gb"), torch_results, loop_results,
                                                      magnitudes):
        if by_pytorch is None and by_loops is None:
            continue
        if by_pytorch.shape != by_loops.shape or np.any(np.abs(by_pytorch - by_loops) > 1e-12 * (magnitude + 1e-300)):
            sys.exit(f"{name}: PyTorch's and the loops' {key} disagree")
    lengths = reduction_lengths(case, x, w, geo)
    for key, count in zip(("y", "gx", "gw"), counts):
        if count is not None and count.max() > lengths[key]:
            sys.exit(f"{name}: {key} sums {count.max():.0f} products, more than the assumed {lengths[key]}")
    if case["expect"] == "error":
        store("y", from_ncl(torch_results[0], case))
        store("y_abs", from_ncl(magnitudes[0], case))
        return case
    for key, result, magnitude in zip(("y", "gx", "gw", "gb"), torch_results, magnitudes):
        if result is None:
            case[key] = None
            continue
        ncl_shaped = key in ("y", "gx")
        store(key, from_ncl(result, case) if ncl_shaped else result)
        store(key + "_abs", from_ncl(magnitude, case) if ncl_shaped else magnitude)
    if gy is None:
        for key in ("gy", "gx", "gw", "gb"):
            case[key] = None
    return case


def main(check):
    # padding='same' with an even total and odd dilation copies the input: a performance note, not a problem here
    warnings.filterwarnings("ignore", message="Using padding='same'")
    os.chdir(os.path.dirname(os.path.abspath(__file__)))
    rng = np.random.default_rng(SEED)
    files = {}
    cases = [make(spec, rng, files) for spec in specs()]
    names = [case["name"] for case in cases]
    if len(set(names)) != len(names):
        sys.exit("case names repeat")
    manifest = {"generator": f"make_golden.py, seed {SEED}: PyTorch {torch.__version__} in float64, cross-checked "
                             f"by direct loops", "cases": cases}
    text = json.dumps(manifest, indent=1) + "\n"
    total = sum(array.nbytes for array in files.values())
    if check:
        if open("manifest.json").read() != text:
            sys.exit("manifest.json differs from a fresh derivation")
        for file, array in files.items():
            stored = np.load(file)
            if stored.dtype != array.dtype or stored.shape != array.shape or not np.array_equal(stored, array):
                sys.exit(f"{file} differs from a fresh derivation")
        stale = {f for f in os.listdir(".") if f.endswith(".npy")} - set(files)
        if stale:
            sys.exit(f"files no case uses: {sorted(stale)}")
        print(f"{len(cases)} cases checked")
        return
    for stale in (f for f in os.listdir(".") if f.endswith(".npy") and f not in files):
        os.remove(stale)
    for file, array in files.items():
        np.save(file, array)
    with open("manifest.json", "w") as out:
        out.write(text)
    ok = sum(case["expect"] == "ok" for case in cases)
    print(f"{len(cases)} cases written ({ok} ok, {len(cases) - ok} error), {total / 1e6:.2f} MB of arrays")


if __name__ == "__main__":
    main("--check" in sys.argv[1:])
