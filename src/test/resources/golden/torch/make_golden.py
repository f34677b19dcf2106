"""Derives and checks the expected outputs of the PyTorch golden cases: run `/usr/bin/python3 make_golden.py` here.

The inputs (x, w, b) and manifest.json are the upstream set (../shared/golden/torch in the project's workspace),
copied here so that a clone carries what its tests need. For every case this script recomputes the expected output
twice in float64 and requires the two to agree:

    out[n, co, o] = b[co] + sum x[n, ci, i] * w[ci, co - g * Cout/groups, k]  over  i*s + k*d - pad_left = o

1. by direct loops over that definition, and
2. by PyTorch: F.conv_transpose1d with the case's own padding, output_padding and output_size where PyTorch can
   express them (symmetric padding); otherwise PyTorch's full transposed convolution (padding 0) sliced to the
   window [pad_left, pad_left + Lout), padded with zeros where the window runs past the end.

"error" cases must be rejected by the rules below. The stored y (in the case's dtype) must lie within the rounding
bound the Java tests use (Accuracy.java): |y - exact| <= 2 * gamma(R + 1) * S + 2 * u * |exact|, S the same sum over
absolute values, R the longest reduction, u the dtype's unit roundoff. `--write` rewrites the y files with the exact
result rounded to the dtype instead of checking them.
Padding rules: an int p is (p, p); [l, r] as given; "VALID" is (0, 0); "SAME" has default length Lin*stride and
pads total = max((Lin-1)*stride + ek - Lout, 0), left = total // 2. output_size replaces output_padding.
Needs numpy and torch (Debian: apt-get install python3-torch).
"""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F


class Invalid(Exception):
    pass


def resolve(case, lin, cin, w_shape, b_shape):
    """(pad_left, lout) for a valid case, else Invalid."""
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
    left, right = {"VALID": (0, 0)}.get(padding, padding) if isinstance(padding, str) else (
        (padding, padding) if isinstance(padding, int) else tuple(padding))
    if left < 0 or right < 0:
        raise Invalid("padding must be non-negative")
    base = (lin - 1) * s - left - right + ek
    lout = base + op if size is None else size
    if size is not None and not base <= size <= base + s - 1:
        raise Invalid("output_size out of range")
    if lout < 1:
        raise Invalid("output length not positive")
    return left, lout


def definition(x, w, b, s, pad_left, lout, d, g):
    n_batch, cin, lin = x.shape
    cog = w.shape[1]
    cig = cin // g
    out = np.zeros((n_batch, cog * g, lout))
    if b is not None:
        out += b.astype(np.float64)[None, :, None]
    for co in range(cog * g):
        grp = co // cog
        for ci in range(grp * cig, (grp + 1) * cig):
            for i in range(lin):
                for k in range(w.shape[2]):
                    o = i * s + k * d - pad_left
                    if 0 <= o < lout:
                        out[:, co, o] += x[:, ci, i].astype(np.float64) * float(w[ci, co - grp * cog, k])
    return out


def by_torch(case, x, w, b, pad_left, lout):
    s, d, g, padding = case["stride"], case["dilation"], case["groups"], case["padding"]
    tx, tw = torch.from_numpy(x.astype(np.float64)), torch.from_numpy(w.astype(np.float64))
    tb = None if b is None else torch.from_numpy(b.astype(np.float64))
    symmetric = isinstance(padding, int) or (isinstance(padding, list) and padding[0] == padding[1])
    if symmetric:
        p = padding if isinstance(padding, int) else padding[0]
        layer = torch.nn.ConvTranspose1d(w.shape[0], w.shape[1] * g, w.shape[2], s, p, case["output_padding"], g,
                                         b is not None, d).double()
        with torch.no_grad():
            layer.weight.copy_(tw)
            if b is not None:
                layer.bias.copy_(tb)
            size = None if case["output_size"] is None else [case["output_size"]]
            return layer(tx, output_size=size).numpy()
    full = F.conv_transpose1d(tx, tw, None, s, 0, 0, g, d).numpy()
    out = np.zeros((x.shape[0], full.shape[1], lout))
    window = full[:, :, pad_left:pad_left + lout]
    out[:, :, :window.shape[2]] = window
    if b is not None:
        out += b.astype(np.float64)[None, :, None]
    return out


def to_ncl(a, case):
    if case["unbatched"]:
        a = a[None]
    return a.transpose(0, 2, 1) if case["layout"] == "NLC" else a


def from_ncl(a, case):
    a = a.transpose(0, 2, 1) if case["layout"] == "NLC" else a
    return a[0] if case["unbatched"] else a


def main(write):
    manifest = json.load(open("manifest.json"))
    checked = 0
    for case in manifest["cases"]:
        x = to_ncl(np.load(case["x"]), case)
        w = np.load(case["w"])
        b = None if case["b"] is None else np.load(case["b"])
        try:
            pad_left, lout = resolve(case, x.shape[2], x.shape[1], w.shape, None if b is None else b.shape)
        except Invalid as why:
            if case["expect"] != "error":
                sys.exit(f"{case['name']}: expected ok but {why}")
            checked += 1
            continue
        if case["expect"] == "error":
            sys.exit(f"{case['name']}: expected an error but the rules accept it")
        loops = definition(x, w, b, case["stride"], pad_left, lout, case["dilation"], case["groups"])
        torch_result = by_torch(case, x, w, b, pad_left, lout)
        if loops.shape != torch_result.shape or not np.allclose(loops, torch_result, rtol=1e-12, atol=1e-12):
            sys.exit(f"{case['name']}: the loops and PyTorch disagree")
        y = np.ascontiguousarray(from_ncl(loops, case).astype(case["dtype"]))
        if write:
            np.save(case["y"], y)
        else:
            stored = np.load(case["y"])
            if stored.dtype != y.dtype or stored.shape != y.shape:
                sys.exit(f"{case['name']}: the stored y has dtype {stored.dtype} and shape {stored.shape}")
            magnitude = from_ncl(definition(np.abs(x), np.abs(w), None if b is None else np.abs(b), case["stride"],
                                            pad_left, lout, case["dilation"], case["groups"]), case)
            u = 2.0 ** -24 if case["dtype"] == "float32" else 2.0 ** -53
            s, d = case["stride"], case["dilation"]
            terms = x.shape[1] // case["groups"] * -(-w.shape[2] // (s // np.gcd(s, d))) + 1
            gamma = terms * u / (1 - terms * u)
            exact = from_ncl(loops, case)
            if np.any(np.abs(stored - exact) > 2 * gamma * magnitude + 2 * u * np.abs(exact)):
                sys.exit(f"{case['name']}: the stored y is farther from the exact result than rounding allows")
        checked += 1
    print(f"{checked} cases {'written' if write else 'checked'}")


if __name__ == "__main__":
    main("--write" in sys.argv[1:])
