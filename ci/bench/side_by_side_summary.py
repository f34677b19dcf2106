#!/usr/bin/env python3
"""Summarises a ci/side-by-side.sh sitting: per part, each clconvt run against the PyTorch runs just before and
after it (their mean), the median of these per-round ratios over the rounds, with their range.

Usage: side_by_side_summary.py OUT_DIR DECODER_SUITE.json PART...   (prints Markdown)
A part's files in OUT_DIR: <part>_torch_<i>.jsonl (i = 0..R), <part>_clconvt_<i>.json (i = 1..R); the decoder's
OpenBLAS ceilings gemm_<i>.json beside its PyTorch runs. Ratios are PyTorch ms / clconvt ms: above 1, clconvt is
faster.
"""
import glob, json, os, statistics, sys

out, suite_file, parts = sys.argv[1], sys.argv[2], sys.argv[3:]
med = statistics.median


def jsonl(path):
    return {r["name"]: r for r in (json.loads(l) for l in open(path) if l.strip().startswith("{")) if "name" in r}


def rounds(part):
    return len(glob.glob(os.path.join(out, f"{part}_clconvt_*.json")))


def gemm(i):
    return json.loads(open(os.path.join(out, f"gemm_{i}.json")).read().strip().splitlines()[-1])


def span(values):
    return f"**{med(values):.2f}x** [{min(values):.2f}, {max(values):.2f}]"


def paired(part, key):
    """Per row name, per round: the clconvt row and PyTorch's mean median_ms of the runs before and after."""
    rows = {}
    for i in range(1, rounds(part) + 1):
        before = jsonl(os.path.join(out, f"{part}_torch_{i - 1}.jsonl"))
        after = jsonl(os.path.join(out, f"{part}_torch_{i}.jsonl"))
        for r in json.load(open(os.path.join(out, f"{part}_clconvt_{i}.json"))):
            name = r["name"] if key is None else key(r)
            if name in before and name in after:
                rows.setdefault(r["name"], []).append((r, (before[name]["median_ms"] + after[name]["median_ms"]) / 2))
    return rows


def forward(part, title):
    n = rounds(part)
    dtypes = {}
    if part == "decoder":
        dtypes = {s["name"]: s["dtype"] for s in json.load(open(suite_file))["shapes"]}
    rows = paired(part, None)
    print(f"\n## {title}: device and wall time against PyTorch, {n} rounds\n")
    print("| shape | plan | PyTorch ms | clconvt device ms | vs PyTorch (device) | clconvt wall ms | vs PyTorch (wall) "
          "| % of sgemm (dgemm for f64) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    per_round = []
    per_round_wall = []
    for name, rs in rows.items():
        ratios = [t / r["median_ms"] for r, t in rs]
        walls = [t / r["wall_median_ms"] for r, t in rs]
        per_round_wall.append(walls)
        shares = []
        for i, (r, _) in enumerate(rs, start=1):
            key = "dgemm_gflops" if dtypes.get(name) == "float64" else "gflops"
            files = [f"gemm_{j}.json" for j in ((i - 1, i) if part == "decoder" else ("first", "last"))]
            ceilings = [json.loads(open(os.path.join(out, f)).read().strip().splitlines()[-1])[key] for f in files
                        if os.path.exists(os.path.join(out, f))]
            if ceilings:
                shares.append(r["gflops"] / (sum(ceilings) / len(ceilings)))
        per_round.append(ratios)
        share = f"{100 * med(shares):.0f}%" if shares else "-"
        print(f"| {name} | {rs[0][0]['variant']} | {med(t for _, t in rs):.3f} | {med(r['median_ms'] for r, _ in rs):.3f} "
              f"| {span(ratios)} | {med(r['wall_median_ms'] for r, _ in rs):.3f} | {span(walls)} | {share} |")
    for what, columns in (("device", per_round), ("wall", per_round_wall)):
        geo = [statistics.geometric_mean(column) for column in zip(*columns)]
        if geo:
            print(f"\nGeometric mean over the shapes, {what} time, per round: {', '.join(f'{g:.2f}x' for g in geo)} "
                  f"(median {med(geo):.2f}x)")


def backward(part, title):
    n = rounds(part)
    rows = paired(part, None)
    print(f"\n## {title}: wall time of the backward call (dx, dw, db) against PyTorch autograd, {n} rounds\n")
    print("| shape | PyTorch ms | clconvt wall ms | vs PyTorch |")
    print("|---|---:|---:|---:|")
    per_round = []
    for name, rs in rows.items():
        ratios = [t / r["wall_median_ms"] for r, t in rs]
        per_round.append(ratios)
        print(f"| {name} | {med(t for _, t in rs):.3f} | {med(r['wall_median_ms'] for r, _ in rs):.3f} | {span(ratios)} |")
    geo = [statistics.geometric_mean(column) for column in zip(*per_round)]
    if geo:
        print(f"\nGeometric mean over the shapes, per round: {', '.join(f'{g:.2f}x' for g in geo)} "
              f"(median {med(geo):.2f}x)")


def hifigan(part, title):
    n = rounds(part)
    rows = paired(part, lambda r: "hifigan_" + r["name"])
    print(f"\n## {title}: a mel to audio, host to host, against PyTorch, {n} rounds\n")
    print("| config | frames | PyTorch ms | clconvt ms | vs PyTorch | clconvt real-time factor | first call ms "
          "| push of 8 frames ms | look-ahead samples |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, rs in rows.items():
        ratios = [t / r["median_ms"] for r, t in rs]
        r0 = rs[0][0]
        seconds = r0["samples"] / r0["sampling_rate"]
        print(f"| {name} | {r0['frames']} | {med(t for _, t in rs):.1f} | {med(r['median_ms'] for r, _ in rs):.1f} "
              f"| {span(ratios)} | {seconds * 1000 / med(r['median_ms'] for r, _ in rs):.2f} "
              f"| {med(r['first_ms'] for r, _ in rs):.0f} | {med(r['push_median_ms'] for r, _ in rs):.2f} "
              f"| {r0['held_back_samples']} |")


titles = {"decoder": (forward, "Transposed convolution, decoder suite"),
          "resblocks": (forward, "Conv1d, HiFi-GAN V1 residual blocks (resblocks suite)"),
          "backward": (backward, "ConvTranspose1d backward, decoder suite"),
          "backward-resblocks": (backward, "Conv1d backward, resblocks suite"),
          "hifigan": (hifigan, "HiFi-GAN generators")}
for part in parts:
    if rounds(part):
        f, title = titles[part]
        f(part, title)
ceilings = sorted(glob.glob(os.path.join(out, "gemm_*.json")))
print("\nOpenBLAS ceilings (sgemm / dgemm GFLOP/s): " + ", ".join(
    f"{os.path.basename(p)[5:-5]} {json.loads(open(p).read().strip().splitlines()[-1])['gflops']:.0f}/"
    f"{json.loads(open(p).read().strip().splitlines()[-1])['dgemm_gflops']:.0f}" for p in ceilings))
