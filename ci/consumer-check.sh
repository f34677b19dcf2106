#!/usr/bin/env bash
# Proves the library's dependency footprint (README, "Dependencies"): installs io.clconvt:clconvt, checks that
# its jar holds only the library (io/clconvt/** classes and kernels, nothing of the command line, the benchmark
# or their dependencies), builds ci/consumer (an application with that one dependency), checks that it resolved
# exactly the library, jocl and slf4j-api, and runs one convolution with no SLF4J warning beyond the no-provider
# notice, on the class path and again with the library as a module on the module path.
# Runs offline with what ~/.m2 holds after the project's build; MAVEN_ARGS (e.g. -o) passes options to mvn.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cd "$here/.."
. "$here/opencl-env.sh"
read -r -a maven_args <<< "${MAVEN_ARGS:-}"
version="$(sed -n 's:^  <version>\(.*\)</version>$:\1:p' pom.xml | head -n 1)"

mvn -B -q "${maven_args[@]}" install -DskipTests

# The library jar: the manifest and Maven metadata, the module descriptor, and under io/clconvt/ classes and the
# OpenCL kernels (io/clconvt/kernels/*.cl); the command line and the benchmark (io/clconvt/cli, io/clconvt/bench)
# and anything of picocli, Jackson or logback belong to cli/target/clconvt.jar.
entries="$(jar tf "target/clconvt-$version.jar")"
allowed='^(META-INF/.*|module-info\.class|io/|io/clconvt/([a-z0-9_]+/)*|io/clconvt/([a-z0-9_]+/)*[A-Za-z0-9_$-]+\.class|io/clconvt/kernels/[A-Za-z0-9_]+\.cl)$'
stray="$(printf '%s\n' "$entries" | grep -Ev "$allowed" || true)
$(printf '%s\n' "$entries" | grep -E '^io/clconvt/(cli|bench)/|picocli|jackson|logback' || true)"
stray="$(printf '%s\n' "$stray" | sed '/^$/d' | sort -u)"
if [ -n "$stray" ]; then
  echo "consumer: target/clconvt-$version.jar holds more than the library:" >&2
  printf '%s\n' "$stray" | sed 's/^/  /' >&2
  exit 1
fi
if ! printf '%s\n' "$entries" | grep -q '^io/clconvt/kernels/conv_transpose1d\.cl$'; then
  echo "consumer: target/clconvt-$version.jar lacks the kernels under io/clconvt/kernels/" >&2
  exit 1
fi
classes="$(printf '%s\n' "$entries" | grep -c '\.class$' || true)"
kernels="$(printf '%s\n' "$entries" | grep -c '\.cl$' || true)"
echo "consumer: the library jar holds only the library ($classes classes, $kernels kernels under io/clconvt/)"

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

# Once more with the library as the module io.clconvt on the module path (src/main/java/module-info.java), its
# dependencies beside it: the module resolves, and the engine finds its kernels inside the named module.
modules="$(printf '%s\n' $paths | paste -sd: -)"
if ! "${CLCONVT_JAVA[@]}" --module-path "$modules" --add-modules io.clconvt -cp target/classes consumer.Consumer \
    "${opencl_flag[@]}" 2> "$work/stderr"; then
  cat "$work/stderr" >&2
  echo "consumer: the convolution failed with the library on the module path" >&2
  exit 1
fi
echo "consumer: ok"
