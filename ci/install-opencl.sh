#!/usr/bin/env bash
# Makes an OpenCL device usable on this machine: if none is, installs POCL (the CPU OpenCL
# implementation) when running as root on Debian/Ubuntu, otherwise prints the command to run. Also
# installs the Oclgrind GPU simulator, which the tests run every kernel on (it adds no platform of its
# own: the tests point a child JVM at it alone).
# Exits 0 when a device and the simulator are usable afterwards, 1 otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/opencl-env.sh"

packages="pocl-opencl-icd ocl-icd-libopencl1 clinfo oclgrind"

device_usable() {
  command -v clinfo >/dev/null 2>&1 && clinfo -l 2>/dev/null | grep -q "Device #"
}

simulator_usable() {
  [ -f "${CLCONVT_OCLGRIND_ICD:-/usr/lib/oclgrind/liboclgrind-rt-icd.so}" ]
}

if device_usable && simulator_usable; then
  echo "OpenCL: a device is usable (POCL_CACHE_DIR=$POCL_CACHE_DIR):"
  clinfo -l
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "OpenCL: no usable device or no Oclgrind simulator. Install them, e.g. as root on Debian/Ubuntu:" >&2
  echo "  apt-get update && apt-get install -y $packages" >&2
  exit 1
fi

echo "OpenCL: a device or the simulator is missing; installing $packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $packages >/dev/null
if device_usable && simulator_usable; then
  clinfo -l
  exit 0
fi
echo "OpenCL: after installing, POCL reports no device or Oclgrind is missing (POCL_CACHE_DIR=$POCL_CACHE_DIR)." >&2
clinfo >&2 || true
exit 1
