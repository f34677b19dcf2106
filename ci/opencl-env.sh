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

# POCL's LLVM can put its own SIGSEGV handler in place of the JVM's, and a fault the JVM makes on purpose
# (a safepoint poll) then kills the JVM with no crash report. The JDK's signal-chaining library, preloaded,
# keeps the JVM's handler first: the scripts start java through "$CLCONVT_JAVA".
CLCONVT_JAVA=(java)
if command -v java > /dev/null; then
  jsig="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")/lib/libjsig.so"
  if [ -f "$jsig" ]; then
    CLCONVT_JAVA=(env "LD_PRELOAD=$jsig${LD_PRELOAD:+:$LD_PRELOAD}" java)
  fi
fi

