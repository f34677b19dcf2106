#!/usr/bin/env bash
# Times clconvt against its PyTorch peers in one sitting, for the README's Performance section and issues 25
# and 26. Each part runs in alternating rounds: PyTorch, then clconvt, then PyTorch again, ROUNDS times, each
# clconvt run compared with the PyTorch runs just before and just after it (their mean). On a shared machine
# whose speed drifts by half between two processes, the median of these per-round ratios is what holds; one
# "before / after" pair around a long run does not. The parts, in this order:
#   decoder             torch_reference.py (+ the OpenBLAS ceilings each time)  / bench --suite decoder
#   resblocks           ci/bench/conv1d_reference.py                            / bench --suite resblocks
#   backward            ci/bench/backward_reference.py (decoder suite)          / bench --backward
#   backward-resblocks  ci/bench/backward_reference.py (resblocks suite)        / bench --suite resblocks --backward
#   hifigan             hifigan_reference.py time v1 v2 v3                      / bench --hifigan v1 --hifigan v2 ...
# The OpenBLAS sgemm / dgemm ceilings (sgemm_ceiling.py) are measured first and last (gemm_first, gemm_last),
# and beside every decoder PyTorch run (gemm_<i>). Everything goes into one dated folder: the raw outputs, the
# machine's description and load before and after, and summary.md.
#
# Usage: ci/side-by-side.sh [ROUNDS] [OUT_DIR]   (defaults: 5 rounds for the decoder and 1 for the other parts,
#        OUT_DIR target/side-by-side/<UTC date and time>)
# Environment:
#   PARTS                 the parts to run, space-separated (default: all five, in the order above)
#   OTHER_ROUNDS          rounds of the parts other than decoder (default 1: PyTorch before, clconvt, PyTorch after)
#   DECODER_ONLY, RESBLOCKS_ONLY   comma-separated shape names to keep (default: the whole suites); for a quick try
#   HIFIGAN_CONFIGS       default "v1 v2 v3";  HIFIGAN_FRAMES  default 86 (one second of 22.05 kHz audio)
#   BENCH_ARGS            more arguments for every clconvt bench run (e.g. "--runs 5 --warmup 0.5")
#   BENCH_JVM_OPTS        JVM options of every clconvt bench run (default "-XX:+AlwaysPreTouch -Xms2g -Xmx2g": a heap
#                         touched at startup, as a latency-sensitive server configures it; G1 otherwise places
#                         results on freshly committed memory for minutes, and a small call's wall time doubles
#                         after a large one: tiny_latency 0.12-0.13 ms after dilated_s1, 0.045-0.067 alone or
#                         pre-touched). Set it empty to time the JVM's defaults.
#   PYTHON                a python3 with torch and numpy (default python3, else /usr/bin/python3 if that has torch)
#   CLCONVT_SHARED        the folder holding bench/ (torch_reference.py, sgemm_ceiling.py, hifigan_reference.py,
#                         decoder_suite.json); default ../shared
# Needs the command line's jar cli/target/clconvt.jar (mvn install -DskipTests && mvn -f cli/pom.xml package
# -DskipTests). The tuning file is CLCONVT_TUNING_FILE's: unset, the built-in rule is timed. The first clconvt
# HiFi-GAN call builds its kernels (20-40 programs, up to minutes with an empty POCL cache): reported as "first
# call", never in the medians.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/opencl-env.sh"
rounds="${1:-5}"
other_rounds="${OTHER_ROUNDS:-1}"
out="${2:-target/side-by-side/$(date -u +%Y%m%d-%H%M%S)}"
parts="${PARTS:-decoder resblocks backward backward-resblocks hifigan}"
bench_dir="${CLCONVT_SHARED:-../shared}/bench"
peers="$here/bench"
python="${PYTHON:-python3}"
if ! "$python" -c 'import torch, numpy' 2> /dev/null; then
  if [ -z "${PYTHON:-}" ] && /usr/bin/python3 -c 'import torch, numpy' 2> /dev/null; then
    python=/usr/bin/python3
  else
    echo "side-by-side: $python has no torch or numpy; set PYTHON" >&2; exit 2
  fi
fi
for f in "$bench_dir/torch_reference.py" "$bench_dir/sgemm_ceiling.py" "$bench_dir/hifigan_reference.py" \
    "$bench_dir/decoder_suite.json" "$peers/conv1d_reference.py" "$peers/backward_reference.py" cli/target/clconvt.jar; do
  [ -f "$f" ] || { echo "side-by-side: missing $f" >&2; exit 2; }
done
for part in $parts; do
  case "$part" in decoder|resblocks|backward|backward-resblocks|hifigan) ;;
    *) echo "side-by-side: unknown part '$part'" >&2; exit 2 ;; esac
done
mkdir -p "$out"
export CLCONVT_TUNING_FILE="${CLCONVT_TUNING_FILE:-/nonexistent}"
read -r -a bench_args <<< "${BENCH_ARGS:-}"
read -r -a bench_jvm_opts <<< "${BENCH_JVM_OPTS--XX:+AlwaysPreTouch -Xms2g -Xmx2g}"
read -r -a hifigan_configs <<< "${HIFIGAN_CONFIGS:-v1 v2 v3}"
hifigan_frames="${HIFIGAN_FRAMES:-86}"
resblocks_suite=cli/src/main/resources/io/clconvt/bench/resblocks_suite.json

# The suites the peers read, cut to *_ONLY when given; clconvt gets the same names through --only.
"$python" - "$bench_dir/decoder_suite.json" "$out/decoder_suite.json" "${DECODER_ONLY:-}" \
    "$resblocks_suite" "$out/resblocks_suite.json" "${RESBLOCKS_ONLY:-}" <<'PY'
import json, sys
for source, target, only in (sys.argv[1:4], sys.argv[4:7]):
    suite = json.load(open(source))
    if only:
        names = only.split(",")
        missing = [n for n in names if n not in {s["name"] for s in suite["shapes"]}]
        if missing:
            sys.exit(f"side-by-side: no shape {missing} in {source}")
        suite["shapes"] = [s for s in suite["shapes"] if s["name"] in names]
    json.dump(suite, open(target, "w"), indent=1)
PY
decoder_only=(); [ -n "${DECODER_ONLY:-}" ] && decoder_only=(--only "$DECODER_ONLY")
resblocks_only=(); [ -n "${RESBLOCKS_ONLY:-}" ] && resblocks_only=(--only "$RESBLOCKS_ONLY")

describe() {
  { echo "== $1: $(date -u +%FT%TZ)"; uptime; echo "nproc $(nproc)"
    lscpu 2> /dev/null | grep -E 'Model name|^CPU\(s\)|Thread' || true
    echo "avx512: $(grep -o 'avx512[a-z_0-9]*' /proc/cpuinfo 2> /dev/null | sort -u | tr '\n' ' ')"
    "${CLCONVT_JAVA[@]}" -version 2>&1 | head -1; git describe --always --dirty 2> /dev/null || true
    echo "PYTHON=$python CLCONVT_TUNING_FILE=$CLCONVT_TUNING_FILE BENCH_JVM_OPTS=${bench_jvm_opts[*]}"; } >> "$out/machine.txt"
}

# OpenBLAS tuning variables set for other programs would change the ceiling it reports (the peers drop them too).
ceiling() {
  env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$python" "$bench_dir/sgemm_ceiling.py" > "$out/gemm_$1.json"
}

peer() {  # peer PART ROUND: PyTorch's run of PART, into PART_torch_ROUND.jsonl
  local file="$out/$1_torch_$2.jsonl"
  case "$1" in
    decoder) "$python" "$bench_dir/torch_reference.py" "$out/decoder_suite.json" > "$file"; ceiling "$2" ;;
    resblocks) "$python" "$peers/conv1d_reference.py" "$out/resblocks_suite.json" > "$file" ;;
    backward) "$python" "$peers/backward_reference.py" "$out/decoder_suite.json" > "$file" ;;
    backward-resblocks) "$python" "$peers/backward_reference.py" "$out/resblocks_suite.json" > "$file" ;;
    hifigan) "$python" "$bench_dir/hifigan_reference.py" time "${hifigan_configs[@]}" --frames "$hifigan_frames" \
        > "$file" ;;
  esac
}

runs() {  # --runs N unless BENCH_ARGS gives its own
  local a
  for a in "${bench_args[@]}"; do [ "$a" = --runs ] && return 0; done
  echo "--runs $1"
}

ours() {  # ours PART ROUND: clconvt's run of PART beside the PyTorch run before it, into PART_clconvt_ROUND.{json,txt}
  local args=(--json "$out/$1_clconvt_$2.json" --torch "$out/$1_torch_$(($2 - 1)).jsonl" "${bench_args[@]}")
  case "$1" in
    decoder) args+=(--backend opencl --variant auto $(runs 10) "${decoder_only[@]}") ;;
    resblocks) args+=(--suite resblocks --backend opencl $(runs 10) --sgemm "$out/gemm_first.json" "${resblocks_only[@]}") ;;
    backward) args+=(--backward --backend opencl $(runs 5) "${decoder_only[@]}") ;;
    backward-resblocks) args+=(--suite resblocks --backward --backend opencl $(runs 5) "${resblocks_only[@]}") ;;
    hifigan) args+=(--frames "$hifigan_frames" $(runs 20)); for c in "${hifigan_configs[@]}"; do args+=(--hifigan "$c"); done ;;
  esac
  "${CLCONVT_JAVA[@]}" "${bench_jvm_opts[@]}" -jar cli/target/clconvt.jar bench "${args[@]}" > "$out/$1_clconvt_$2.txt"
}

describe before
"${CLCONVT_JAVA[@]}" -jar cli/target/clconvt.jar devices > "$out/devices.txt" 2>&1 || true
ceiling first
for part in $parts; do
  n="$other_rounds"; [ "$part" = decoder ] && n="$rounds"
  peer "$part" 0
  for round in $(seq 1 "$n"); do
    ours "$part" "$round"
    peer "$part" "$round"
    echo "side-by-side: $part round $round of $n done" >&2
  done
done
ceiling last
describe after

"$python" "$peers/side_by_side_summary.py" "$out" "$out/decoder_suite.json" $parts | tee "$out/summary.md"
echo "side-by-side: everything is in $out" >&2
