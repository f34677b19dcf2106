# Sourced by the ci scripts. POCL keeps its kernel cache under $HOME and reports no device at all
# when it cannot write there, so point it at a writable folder unless the caller chose one.
if [ -z "${POCL_CACHE_DIR:-}" ]; then
  if [ -n "${HOME:-}" ] && mkdir -p "$HOME/.cache/pocl" 2>/dev/null && [ -w "$HOME/.cache/pocl" ]; then
    export POCL_CACHE_DIR="$HOME/.cache/pocl"
  else
    export POCL_CACHE_DIR="${TMPDIR:-/tmp}/pocl-cache-$(id -u)"
    mkdir -p "$POCL_CACHE_DIR"
  fi
fi
