#!/usr/bin/python3
"""Time PyTorch's CPU autograd backward of conv_transpose1d (decoder suite) or conv1d (a suite whose "op" is
"conv1d", e.g. resblocks), as the peer of `clconvt bench --backward`.

What is timed: the backward alone. The forward y = F.conv_transpose1d(x, w, b, ...) (or F.conv1d) runs once with
x, w and b requiring grad; then each timed call is torch.autograd.grad(y, (x, w, b), gy, retain_graph=True),
which computes the input, weight and bias gradients, as clconvt's backward call does (clconvt's time also
includes copying gy and x in and the gradients out; the gradients here are not accumulated into .grad).

Set-up (Debian): apt-get install -y python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Usage: backward_reference.py [SUITE.json] [--threads N] [--only NAME,...] [--keep-env]
  SUITE.json defaults to the jar's decoder_suite.json. Prints a configuration line, then one JSON line per shape:
  median_ms, min_ms, gflops (twice the forward's flops over the median: the input and weight gradients).
"""
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common  # before torch: drops OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
import torch
import torch.nn.functional as F

path, suite = peer_common.load_suite("decoder_suite.json")
op = suite.get("op", "conv_transpose1d")
threads = int(peer_common.option("--threads", os.cpu_count()))
torch.set_num_threads(threads)
torch.manual_seed(0)
core = peer_common.print_config(torch, "backward_reference " + op, path, threads)
for s in suite["shapes"]:
    dt = torch.float64 if s["dtype"] == "float64" else torch.float32
    g = s["groups"]
    if op == "conv1d":
        w = torch.randn(s["cout"], s["cin"] // g, s["k"], dtype=dt, requires_grad=True)
        conv = lambda xs: F.conv1d(xs, w, b, stride=s["stride"], padding=s["padding"], dilation=s["dilation"], groups=g)
    else:
        w = torch.randn(s["cin"], s["cout"] // g, s["k"], dtype=dt, requires_grad=True)
        conv = lambda xs: F.conv_transpose1d(xs, w, b, stride=s["stride"], padding=s["padding"],
                                             dilation=s["dilation"], groups=g)
    b = torch.randn(s["cout"], dtype=dt, requires_grad=True)
    if s["layout"] == "NLC":  # held as (N, L, C): the transposes are part of PyTorch's cost, as in the forward peer
        x = torch.randn(s["n"], s["lin"], s["cin"], dtype=dt, requires_grad=True)
        y = conv(x.transpose(1, 2)).transpose(1, 2).contiguous()
        f = lambda: [t.contiguous() for t in torch.autograd.grad(y, (x, w, b), gy, retain_graph=True)]
    else:
        x = torch.randn(s["n"], s["cin"], s["lin"], dtype=dt, requires_grad=True)
        y = conv(x)
        f = lambda: torch.autograd.grad(y, (x, w, b), gy, retain_graph=True)
    gy = torch.randn_like(y)
    med, low, runs = peer_common.median_ms(f)
    lout = y.shape[1 if s["layout"] == "NLC" else 2]
    forward_flops = (2.0 * s["n"] * s["cout"] * (s["cin"] // g) * s["k"] * lout if op == "conv1d"
                     else 2.0 * s["n"] * s["cin"] * (s["cout"] // g) * s["k"] * s["lin"])
    print(json.dumps({"name": s["name"], "op": op, "median_ms": round(med, 3), "min_ms": round(low, 3),
                      "gflops": round(2 * forward_flops / med / 1e6, 2), "runs": runs, "threads": threads,
                      "torch": torch.__version__, "openblas_core": core}), flush=True)
