#!/usr/bin/env bash
# Times clconvt against PyTorch on the decoder suite in alternating rounds, for the README's Performance
# section: PyTorch, then clconvt, then PyTorch again, ROUNDS times, each clconvt run compared with the
# PyTorch runs just before and just after it (their mean time), and with the OpenBLAS sgemm / dgemm
# ceilings measured beside it. On a shared machine whose speed drifts by half between two processes,
# the median of these per-round ratios is what holds; one "before / after" pair around a long run does
# not.
#
# Usage: ci/side-by-side.sh [ROUNDS] [OUT_DIR]   (defaults: 5, target/side-by-side)
# Needs: ../shared/bench (torch_reference.py, sgemm_ceiling.py), a python3 with torch and numpy, and
# the command line's jar cli/target/clconvt.jar (mvn install -DskipTests && mvn -f cli/pom.xml package
# -DskipTests). The tuning file is CLCONVT_TUNING_FILE's: unset, the built-in rule is timed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/opencl-env.sh"
rounds="${1:-5}"
out="${2:-target/side-by-side}"
bench_dir="${CLCONVT_SHARED:-../shared}/bench"
python="${PYTHON:-python3}"
for f in "$bench_dir/torch_reference.py" "$bench_dir/sgemm_ceiling.py" "$bench_dir/decoder_suite.json" \
    cli/target/clconvt.jar; do
  [ -f "$f" ] || { echo "side-by-side: missing $f" >&2; exit 2; }
done
mkdir -p "$out"
export CLCONVT_TUNING_FILE="${CLCONVT_TUNING_FILE:-/nonexistent}"

# OpenBLAS tuning variables set for other programs would change the ceiling it reports.
reference() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$bench_dir/torch_reference.py" > "$out/torch_$1.jsonl"
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$bench_dir/sgemm_ceiling.py" > "$out/gemm_$1.json"
}

reference 0
for round in $(seq 1 "$rounds"); do
  "${CLCONVT_JAVA[@]}" -jar cli/target/clconvt.jar bench --backend opencl --variant auto --runs 10 \
      --json "$out/clconvt_$round.json" > "$out/clconvt_$round.txt"
  reference "$round"
  echo "side-by-side: round $round of $rounds done" >&2
done

"$python" - "$out" "$rounds" "$bench_dir/decoder_suite.json" <<'EOF'
import json, statistics, sys
out, rounds = sys.argv[1], int(sys.argv[2])
dtypes = {shape["name"]: shape["dtype"] for shape in json.load(open(sys.argv[3]))["shapes"]}
def torch(i):
    return {r["name"]: r for r in map(json.loads, open(f"{out}/torch_{i}.jsonl"))}
def gemm(i):
    return json.loads(open(f"{out}/gemm_{i}.json").read().strip().splitlines()[-1])
rows = {}
for i in range(1, rounds + 1):
    before, after = torch(i - 1), torch(i)
    ceilings = [gemm(i - 1), gemm(i)]
    for r in json.load(open(f"{out}/clconvt_{i}.json")):
        name = r["name"]
        torch_ms = (before[name]["median_ms"] + after[name]["median_ms"]) / 2
        key = "dgemm_gflops" if dtypes[name] == "float64" else "gflops"
        ceiling = sum(c[key] for c in ceilings) / 2
        flops = r["gflops"] * r["median_ms"] * 1e6
        rows.setdefault(name, []).append({
            "ratio": torch_ms / r["median_ms"], "wall_ratio": torch_ms / r["wall_median_ms"],
            "gflops": r["gflops"], "torch_gflops": flops / torch_ms / 1e6, "share": r["gflops"] / ceiling,
            "wall_ms": r["wall_median_ms"], "plan": r["variant"]})
med = statistics.median
print(f"| shape | plan | PyTorch GFLOP/s | clconvt GFLOP/s | vs PyTorch: median [min, max] of {rounds} rounds "
      "| % of sgemm (dgemm for f64) | wall ms | wall vs PyTorch |")
print("|---|---|---:|---:|---:|---:|---:|---:|")
for name, rs in rows.items():
    ratios = [x["ratio"] for x in rs]
    print(f"| {name} | {rs[0]['plan']} | {med(x['torch_gflops'] for x in rs):.1f} | {med(x['gflops'] for x in rs):.1f} "
          f"| **{med(ratios):.2f}x** [{min(ratios):.2f}, {max(ratios):.2f}] | {100 * med(x['share'] for x in rs):.0f}% "
          f"| {med(x['wall_ms'] for x in rs):.3f} | {med(x['wall_ratio'] for x in rs):.2f}x |")
geo = [statistics.geometric_mean([x["ratio"] for x in rs]) for rs in zip(*rows.values())]
print(f"\nGeometric mean over the suite, per round: {', '.join(f'{g:.2f}x' for g in geo)} (median {med(geo):.2f}x)")
print("Ceilings per reference run (sgemm / dgemm GFLOP/s): "
      + ", ".join(f"{gemm(i)['gflops']:.0f}/{gemm(i)['dgemm_gflops']:.0f}" for i in range(rounds + 1)))
EOF
