"""What the PyTorch peers of `clconvt bench` share: the environment they run in, the suites, the timing loop
and the configuration line each prints first. Import it before torch: it drops the OpenBLAS variables."""
import ctypes, json, os, sys, time

# OPENBLAS_CORETYPE / OPENBLAS_L2_SIZE, when the environment sets them, pin OpenBLAS to older (e.g. AVX2) kernels
# and slow the peer down by up to 2x. A user's PyTorch runs without them, so the peer does too. --keep-env keeps them.
DROPPED = []
if "--keep-env" not in sys.argv:
    for name in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if os.environ.pop(name, None) is not None:
            DROPPED.append(name)

HERE = os.path.dirname(os.path.abspath(__file__))
SUITES = os.path.join(HERE, "..", "..", "cli", "src", "main", "resources", "io", "clconvt", "bench")


def option(name, default):
    return sys.argv[sys.argv.index(name) + 1] if name in sys.argv else default


def positional():
    """The arguments that are neither options nor their values."""
    args, skip = [], False
    for a in sys.argv[1:]:
        if skip:
            skip = False
        elif a in ("--threads", "--only"):
            skip = True
        elif not a.startswith("--"):
            args.append(a)
    return args


def load_suite(default_name):
    """The suite file given as the first positional argument, else the jar's copy; --only NAME,... keeps those."""
    args = positional()
    path = args[0] if args else os.path.join(SUITES, default_name)
    suite = json.load(open(path))
    only = option("--only", None)
    if only is not None:
        names = only.split(",")
        unknown = [n for n in names if n not in {s["name"] for s in suite["shapes"]}]
        if unknown:
            sys.exit(f"--only: no shape named {unknown} in {path}")
        suite["shapes"] = [s for s in suite["shapes"] if s["name"] in names]
    return path, suite


def median_ms(f):
    """Median and minimum milliseconds of f(): two untimed calls, then at least 5 timed calls and up to 50 within
    3 seconds, as the transposed convolution's peer (torch_reference.py) times."""
    for _ in range(2):
        f()
    ts = []
    t_end = time.perf_counter() + 3.0
    while len(ts) < 5 or (time.perf_counter() < t_end and len(ts) < 50):
        t = time.perf_counter(); f(); ts.append(time.perf_counter() - t)
    ts.sort()
    return ts[len(ts) // 2] * 1e3, ts[0] * 1e3, len(ts)


def openblas():
    """The core and build configuration of the OpenBLAS loaded in this process (torch's BLAS), if any."""
    for line in open("/proc/self/maps"):
        path = line.split()[-1]
        if "openblas" in os.path.basename(path) and ".so" in path:
            try:
                lib = ctypes.CDLL(path)
                lib.openblas_get_corename.restype = ctypes.c_char_p
                lib.openblas_get_config.restype = ctypes.c_char_p
                return lib.openblas_get_corename().decode(), lib.openblas_get_config().decode().strip()
            except (OSError, AttributeError):
                pass
    return "not loaded", ""


def print_config(torch, peer, suite_path, threads):
    core, config = openblas()
    print(json.dumps({"peer": peer, "suite": os.path.abspath(suite_path), "torch": torch.__version__,
                      "threads": threads, "mkldnn": torch.backends.mkldnn.is_available(),
                      "openblas_core": core, "openblas_config": config, "dropped_env": DROPPED,
                      "kept_env": {k: v for k, v in os.environ.items() if k.startswith("OPENBLAS_")}}), flush=True)
    return core
