#!/usr/bin/env bash
# Installs an OpenCL runtime if needed, builds the jar and runs the HiFi-GAN-style demo on the
# default OpenCL device and on the CPU.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/build-tools.sh"
. "$here/opencl-env.sh"
"$here/install-opencl.sh"
mvn -B -q package -DskipTests
"${CLCONVT_JAVA[@]}" -jar target/clconvt.jar demo "$@"
