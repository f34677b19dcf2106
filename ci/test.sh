#!/usr/bin/env bash
# Installs what the tests need (JDK, Maven, an OpenCL runtime) and runs the whole test suite.
# Under CI (CI set) a missing OpenCL device fails the run; elsewhere the OpenCL tests are skipped.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/build-tools.sh"
. "$here/opencl-env.sh"
if ! "$here/install-opencl.sh"; then
  if [ -n "${CI:-}" ]; then
    echo "CI: an OpenCL device is required" >&2
    exit 1
  fi
  echo "warning: no OpenCL device; the OpenCL tests will be skipped" >&2
fi
mvn -B verify
