#!/usr/bin/env bash
# Runs the decode job exactly as `spark-submit --master local[2] --class io.clconvt.spark.DecodeJob clconvt-spark.jar`
# would, on a machine without a Spark distribution: it starts Spark's own launcher class,
# org.apache.spark.deploy.SparkSubmit (which the spark-submit script runs too), on Spark's jars as Maven resolved
# them for this module. Arguments go to the job (see docs/cluster.md); SPARK_MASTER picks the master (default
# local[2]), SPARK_SUBMIT_ARGS adds spark-submit options (e.g. "--conf spark.task.maxFailures=2"), and
# CLCONVT_MAIN_CLASS runs another main class of the jar (io.clconvt.spark.GpuDiscovery).
#   spark/run-local.sh --config config.json --weights generator.npz --input mels/ --output wavs/
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/../ci/opencl-env.sh"
read -r -a maven_args <<< "${MAVEN_ARGS:-}"
jar="$here/target/clconvt-spark.jar"
classpath="$here/target/spark-classpath.txt"
if [ ! -f "$jar" ] || [ -n "$(find "$here/src/main" "$here/pom.xml" -newer "$jar" -print -quit)" ]; then
  mvn -B -q "${maven_args[@]}" -f "$here/pom.xml" package -DskipTests
fi
if [ ! -f "$classpath" ] || [ "$here/pom.xml" -nt "$classpath" ]; then
  # Spark and everything it depends on, what a cluster's Spark installation holds; not the library and JOCL, which
  # the job jar carries (and which another build's `mvn install` may replace in ~/.m2 while a job runs).
  mvn -B -q "${maven_args[@]}" -f "$here/pom.xml" dependency:build-classpath -DincludeScope=compile \
    -DexcludeArtifactIds=clconvt,jocl -Dmdep.outputFile="$classpath"
fi
# The JDK packages Spark 4 opens on Java 17, as its launcher passes them (the pom's spark.addOpens, for the tests).
add_opens=(--add-opens=java.base/java.lang=ALL-UNNAMED --add-opens=java.base/java.lang.invoke=ALL-UNNAMED
  --add-opens=java.base/java.lang.reflect=ALL-UNNAMED --add-opens=java.base/java.io=ALL-UNNAMED
  --add-opens=java.base/java.net=ALL-UNNAMED --add-opens=java.base/java.nio=ALL-UNNAMED
  --add-opens=java.base/java.util=ALL-UNNAMED --add-opens=java.base/java.util.concurrent=ALL-UNNAMED
  --add-opens=java.base/java.util.concurrent.atomic=ALL-UNNAMED --add-opens=java.base/sun.nio.ch=ALL-UNNAMED
  --add-opens=java.base/sun.nio.cs=ALL-UNNAMED --add-opens=java.base/sun.security.action=ALL-UNNAMED
  --add-opens=java.base/sun.util.calendar=ALL-UNNAMED -Djdk.reflect.useDirectMethodHandle=false
  -Dio.netty.tryReflectionSetAccessible=true)
read -r -a submit_args <<< "${SPARK_SUBMIT_ARGS:-}"
export SPARK_LOCAL_IP="${SPARK_LOCAL_IP:-127.0.0.1}"
exec "${CLCONVT_JAVA[@]}" "${add_opens[@]}" -cp "$(cat "$classpath")" org.apache.spark.deploy.SparkSubmit \
  --master "${SPARK_MASTER:-local[2]}" --class "${CLCONVT_MAIN_CLASS:-io.clconvt.spark.DecodeJob}" \
  "${submit_args[@]}" "$jar" "$@"
