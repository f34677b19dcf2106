#!/usr/bin/env bash
# Installs what the tests need (JDK, Maven, an OpenCL runtime) and runs the whole test suite: the library's,
# then, against the library just installed, the command line's (cli/, which builds cli/target/clconvt.jar).
# Under CI (CI set) a missing OpenCL device fails the run; elsewhere the OpenCL tests are skipped.
# Then checks that the library jar holds only the library and that an application depending on it inherits
# only jocl and slf4j-api.
# MAVEN_ARGS passes options to every mvn call, as Maven 3.9 does itself (e.g. MAVEN_ARGS=-o to stay offline).
# The library's default build runs a deterministic sample of its slow, exhaustive test sets (docs/testing.md);
# with --exhaustive (what CI, .ci/run, passes) the library's tests then run again with every set in full
# (mvn verify -Pexhaustive), so that nothing the default build samples goes unrun.
set -euo pipefail
exhaustive=false
for arg in "$@"; do
  case "$arg" in
    --exhaustive) exhaustive=true ;;
    *) echo "usage: ci/test.sh [--exhaustive]" >&2; exit 2 ;;
  esac
done
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
read -r -a maven_args <<< "${MAVEN_ARGS:-}"
mvn -B "${maven_args[@]}" verify
mvn -B -q "${maven_args[@]}" install -DskipTests
mvn -B "${maven_args[@]}" -f cli/pom.xml verify
mvn -B "${maven_args[@]}" -f spark/pom.xml verify
"$here/consumer-check.sh"
if [ "$exhaustive" = true ]; then
  mvn -B "${maven_args[@]}" verify -Pexhaustive
fi
