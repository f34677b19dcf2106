#!/usr/bin/env bash
# Makes an OpenCL device usable on this machine: if none is, installs POCL (the CPU OpenCL
# implementation) when running as root on Debian/Ubuntu, otherwise prints the command to run.
# Exits 0 when a device is usable afterwards, 1 otherwise.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/opencl-env.sh"

packages="pocl-opencl-icd ocl-icd-libopencl1 clinfo"

device_usable() {
  command -v clinfo >/dev/null 2>&1 && clinfo -l 2>/dev/null | grep -q "Device #"
}

if device_usable; then
  echo "OpenCL: a device is usable (POCL_CACHE_DIR=$POCL_CACHE_DIR):"
  clinfo -l
  exit 0
fi

if [ "$(id -u)" -ne 0 ] || ! command -v apt-get >/dev/null 2>&1; then
  echo "OpenCL: no usable device. Install an OpenCL runtime, e.g. as root on Debian/Ubuntu:" >&2
  echo "  apt-get update && apt-get install -y $packages" >&2
  exit 1
fi

echo "OpenCL: no usable device; installing $packages"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq $packages >/dev/null
if device_usable; then
  clinfo -l
  exit 0
fi
echo "OpenCL: POCL is installed but reports no device (POCL_CACHE_DIR=$POCL_CACHE_DIR)." >&2
clinfo >&2 || true
exit 1
