# Sourced by the ci scripts: make sure a JDK 17 and Maven are present, installing them as root on
# Debian/Ubuntu when they are not.
if ! command -v mvn >/dev/null 2>&1 || ! command -v javac >/dev/null 2>&1; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "build tools: installing openjdk-17-jdk-headless and maven"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq openjdk-17-jdk-headless maven >/dev/null
  else
    echo "build tools: install a JDK 17 and Maven 3.8+ (apt-get install -y openjdk-17-jdk-headless maven)" >&2
    exit 1
  fi
fi
