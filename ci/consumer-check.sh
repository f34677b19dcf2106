#!/usr/bin/env bash
# Proves the library's dependency footprint (README, "Dependencies"): installs io.clconvt:clconvt, builds
# ci/consumer (an application with that one dependency), checks that it resolved exactly the library, jocl
# and slf4j-api, and runs one convolution with no SLF4J warning beyond the no-provider notice.
# Runs offline with what ~/.m2 holds after the project's build; MAVEN_ARGS (e.g. -o) passes options to mvn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/opencl-env.sh"
read -r -a maven_args <<< "${MAVEN_ARGS:-}"
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -n 1)"

mvn -B -q "${maven_args[@]}" install -DskipTests
cd "$here/consumer"
mvn -B -q "${maven_args[@]}" -Dclconvt.version="$version" clean package

# The manifest's Class-Path is the resolved runtime classpath, as local-repository paths
# (group/path/artifact/version/file); the library's own entry tells where the repository is.
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
(cd "$work" && jar xf "$here/consumer/target/consumer-1.jar" META-INF/MANIFEST.MF)
paths="$(sed -e ':a' -e 'N' -e '$!ba' -e 's/\r//g' -e 's/\n //g' "$work/META-INF/MANIFEST.MF" \
  | sed -n 's/^Class-Path: //p' | tr ' ' '\n')"
library="io/clconvt/clconvt/$version/clconvt-$version.jar"
repository="$(printf '%s\n' "$paths" | sed -n "s#$library\$##p")"
resolved="$(printf '%s\n' "$paths" | sed "s#^$repository##" \
  | awk -F/ '{ group = $1; for (i = 2; i <= NF - 3; i++) group = group "." $i; print group ":" $(NF - 2) }' | sort)"
expected="$(printf '%s\n' io.clconvt:clconvt org.jocl:jocl org.slf4j:slf4j-api)"
if [ -z "$repository" ] || [ "$resolved" != "$expected" ]; then
  echo "consumer: io.clconvt:clconvt brings the wrong dependencies; resolved:" >&2
  printf '  %s\n' $paths >&2
  echo "expected exactly:" >&2
  printf '  %s\n' $expected >&2
  exit 1
fi
echo "consumer: resolved" $resolved

opencl_flag=()
if [ -n "${CI:-}" ] && [ "${CI,,}" != "false" ]; then
  opencl_flag=(--require-opencl)
fi
if ! "${CLCONVT_JAVA[@]}" -jar target/consumer-1.jar "${opencl_flag[@]}" 2> "$work/stderr"; then
  cat "$work/stderr" >&2
  echo "consumer: the convolution failed" >&2
  exit 1
fi
# SLF4J with no binding prints exactly this notice; anything else from SLF4J (several providers, a
# replayed or substituted logger) means the library brought or expected a binding.
notice='^SLF4J\(W\): (No SLF4J providers were found\.|Defaulting to no-operation \(NOP\) logger implementation|See https://www\.slf4j\.org/codes\.html#noProviders for further details\.)$'
if grep 'SLF4J' "$work/stderr" | grep -Ev "$notice" >&2; then
  echo "consumer: unexpected SLF4J output (above)" >&2
  exit 1
fi
echo "consumer: ok"
