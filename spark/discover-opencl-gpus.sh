#!/usr/bin/env bash
# Spark's GPU discovery script for OpenCL GPUs (spark.executor.resource.gpu.discoveryScript): prints
#   {"name": "gpu", "addresses": ["0000:3b:00.0", "0000:5e:00.0"]}
# the PCI addresses of the GPUs the job numbers (docs/cluster.md), or "0", "1", ... where a driver reports none.
# CLCONVT_SPARK_JAR: the job jar (default: next to this script in target/, or in the working folder).
# With --verbose it also lists on stderr each address's device and every OpenCL device.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
jar="${CLCONVT_SPARK_JAR:-}"
if [ -z "$jar" ]; then
  for candidate in "$here/target/clconvt-spark.jar" "$here/clconvt-spark.jar" "$PWD/clconvt-spark.jar"; do
    if [ -f "$candidate" ]; then jar="$candidate"; break; fi
  done
fi
if [ -z "$jar" ]; then
  echo "discover-opencl-gpus.sh: clconvt-spark.jar not found; set CLCONVT_SPARK_JAR" >&2
  exit 1
fi
# POCL's LLVM may take the JVM's SIGSEGV handler: preload the JDK's signal-chaining library when there is one.
java_bin="$(readlink -f "$(command -v java)")"
jsig="$(dirname "$(dirname "$java_bin")")/lib/libjsig.so"
preload=()
if [ -f "$jsig" ]; then preload=(env "LD_PRELOAD=$jsig${LD_PRELOAD:+:$LD_PRELOAD}"); fi
# The jar holds no SLF4J binding: the library's logging goes nowhere here (SLF4J says so once on stderr), and stdout,
# which Spark parses, holds only the JSON.
exec "${preload[@]}" java -cp "$jar" io.clconvt.spark.GpuDiscovery "$@"
