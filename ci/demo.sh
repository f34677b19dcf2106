#!/usr/bin/env bash
# Installs an OpenCL runtime if needed, builds the library (installed into the local Maven repository) and the
# command line's jar, cli/target/clconvt.jar, and runs the HiFi-GAN-style demo on the default OpenCL device and
# on the CPU. MAVEN_ARGS passes options to every mvn call (e.g. MAVEN_ARGS=-o to stay offline).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/build-tools.sh"
. "$here/opencl-env.sh"
"$here/install-opencl.sh"
read -r -a maven_args <<< "${MAVEN_ARGS:-}"
mvn -B -q "${maven_args[@]}" install -DskipTests
mvn -B -q "${maven_args[@]}" -f cli/pom.xml package -DskipTests
# CLCONVT_JAVA preloads the JDK's signal-chaining library (ci/opencl-env.sh); without it the jar would start
# itself again with the preload, which costs one more JVM start.
"${CLCONVT_JAVA[@]}" -jar cli/target/clconvt.jar demo "$@"
