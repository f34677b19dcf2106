#!/usr/bin/python3
"""Time PyTorch's CPU conv1d (F.conv1d) on the resblocks suite, as the peer of `clconvt bench --suite resblocks`.

Set-up (Debian): apt-get install -y python3-torch libopenblas0-pthread; run with /usr/bin/python3.
Usage: conv1d_reference.py [SUITE.json] [--threads N] [--only NAME,...] [--keep-env]
  SUITE.json defaults to the jar's resblocks_suite.json (cli/src/main/resources/io/clconvt/bench). Prints a line
  with the configuration (torch, threads, OpenBLAS core and build), then one JSON line per shape: median_ms (of
  repeated calls after two untimed ones), min_ms, gflops (2*N*Cout*(Cin/groups)*K*Lout over the median).
"""
import json, os, sys
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import peer_common  # before torch: drops OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE
import torch
import torch.nn.functional as F

path, suite = peer_common.load_suite("resblocks_suite.json")
threads = int(peer_common.option("--threads", os.cpu_count()))
torch.set_num_threads(threads)
torch.manual_seed(0)
core = peer_common.print_config(torch, "conv1d_reference", path, threads)
for s in suite["shapes"]:
    dt = torch.float64 if s["dtype"] == "float64" else torch.float32
    x = torch.randn(s["n"], s["cin"], s["lin"], dtype=dt)
    w = torch.randn(s["cout"], s["cin"] // s["groups"], s["k"], dtype=dt)
    b = torch.randn(s["cout"], dtype=dt)
    conv = lambda xs: F.conv1d(xs, w, b, stride=s["stride"], padding=s["padding"], dilation=s["dilation"],
                               groups=s["groups"])
    if s["layout"] == "NLC":  # the caller holds (N, L, C); PyTorch needs (N, C, L): the transposes are part of its cost
        xl = x.transpose(1, 2).contiguous()
        f = lambda: conv(xl.transpose(1, 2)).transpose(1, 2).contiguous()
    else:
        f = lambda: conv(x)
    with torch.no_grad():
        lout = f().shape[1 if s["layout"] == "NLC" else 2]
        med, low, runs = peer_common.median_ms(f)
    flops = 2.0 * s["n"] * s["cout"] * (s["cin"] // s["groups"]) * s["k"] * lout
    print(json.dumps({"name": s["name"], "median_ms": round(med, 3), "min_ms": round(low, 3),
                      "gflops": round(flops / med / 1e6, 2), "runs": runs, "threads": threads,
                      "torch": torch.__version__, "openblas_core": core}), flush=True)
