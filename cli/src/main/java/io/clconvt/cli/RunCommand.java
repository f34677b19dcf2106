package io.clconvt.cli;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Tensor;
import io.clconvt.compat.CoreCall;
import io.clconvt.io.Npy;
import io.clconvt.io.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Applies one transposed convolution to arrays in .npy files. */
@Command(name = "run", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION, sortOptions = false,
        description = {"Computes a 1-D transposed convolution of .npy arrays the way PyTorch (default), "
                + "PaddlePaddle or TensorFlow does.",
            "The input is (N, C, L) or unbatched (C, L) for NCL, (N, L, C) or (L, C) for NLC; the weight is "
                    + "(Cin, Cout/groups, K), the bias (Cout). All must be float32, all float64 or all float16 "
                    + "(computed in float32, rounded once).",
            "--convention tensorflow: the weight is TensorFlow's (K, Cout, Cin) filters, --layout NWC (default) or "
                    + "NCW, --padding SAME (default) or VALID, --output-size required; no bias, groups or output "
                    + "padding.",
            "--weights FILE.safetensors|FILE.npz --layer PREFIX takes the weight and bias of one layer of a "
                    + "PyTorch state dict instead of --weight/--bias, folding weight normalisation."})
final class RunCommand implements Callable<Integer> {
    /** Which backend computes; AUTO is OpenCL when a device is usable, else the CPU. */
    enum BackendChoice {
        AUTO(Backends::auto), OPENCL(Backends::openCl), CPU(Backends::cpu);

        private final Supplier<Backend> open;

        BackendChoice(Supplier<Backend> open) {
            this.open = open;
        }
    }

    @Spec
    private CommandSpec spec;

    @Option(names = "--input", required = true, paramLabel = "x.npy", description = "The input array.")
    private Path input;

    @Option(names = "--convention", defaultValue = "torch", paramLabel = "torch|paddle|tensorflow",
            description = "Whose arguments and rules to follow: torch (the library's own parameters, PyTorch's "
                    + "semantics plus SAME/VALID, L,R and NLC), paddle (paddle.nn.functional.conv1d_transpose, "
                    + "including Paddle's SAME rule) or tensorflow (tf.nn.conv1d_transpose). A framework's errors "
                    + "are reported in its own words. Default: ${DEFAULT-VALUE}.")
    private Convention convention;

    @Option(names = "--weight", paramLabel = "w.npy",
            description = "The (Cin, Cout/groups, K) weight; TensorFlow's (K, Cout, Cin) filters for "
                    + "--convention tensorflow. Required unless --weights is given.")
    private Path weight;

    @Option(names = "--bias", paramLabel = "b.npy", description = "The (Cout) bias; none by default.")
    private Path bias;

    @Option(names = "--weights", paramLabel = "FILE.safetensors|FILE.npz",
            description = "A PyTorch state dict to take the layer's weight and bias from, instead of --weight "
                    + "and --bias (torch and paddle conventions); needs --layer.")
    private Path weights;

    @Option(names = "--layer", paramLabel = "PREFIX",
            description = "The layer's key prefix in --weights, e.g. ups.0: PREFIX.weight, or PREFIX.weight_g and "
                    + "PREFIX.weight_v (or parametrizations.weight.original0/1) folded as PyTorch's weight_norm "
                    + "does; PREFIX.bias if present.")
    private String layer;

    @Option(names = "--output", required = true, paramLabel = "y.npy",
            description = "Where to write the result; replaced atomically, never left partial.")
    private Path output;

    @Option(names = "--stride", defaultValue = "1", paramLabel = "S", description = "Default: ${DEFAULT-VALUE}.")
    private int stride;

    @Option(names = "--padding", paramLabel = "P|L,R|SAME|VALID",
            description = "Positions removed from each end (P), from the left and right (L,R), or a mode (any "
                    + "case), under the convention's rules. Default: 0; SAME for tensorflow, which takes only "
                    + "SAME or VALID.")
    private String padding;

    @Option(names = "--output-padding", defaultValue = "0", paramLabel = "OP",
            description = "Positions added on the right; below max(stride, dilation). Default: ${DEFAULT-VALUE}.")
    private int outputPadding;

    @Option(names = "--dilation", defaultValue = "1", paramLabel = "D", description = "Default: ${DEFAULT-VALUE}.")
    private int dilation;

    @Option(names = "--groups", defaultValue = "1", paramLabel = "G", description = "Default: ${DEFAULT-VALUE}.")
    private int groups;

    @Option(names = "--layout", paramLabel = "NCL|NLC|NWC|NCW",
            description = "Input and output layout: NCL or NLC; for tensorflow NWC (= NLC, the default) or "
                    + "NCW (= NCL). Default: NCL.")
    private String layout;

    @Option(names = "--output-size", paramLabel = "L",
            description = "The output length, instead of --output-padding, within the range the other options "
                    + "allow; required for tensorflow (the width of output_shape).")
    private Integer outputSize;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|opencl|cpu",
            description = "auto: OpenCL when a device is usable, else the CPU. Default: ${DEFAULT-VALUE}.")
    private BackendChoice backend;

    @Override
    public Integer call() throws IOException {
        requireWritableDirectoryFor(output);
        Tensor x = read("--input", input);
        Tensor w;
        Tensor b;
        if (weights != null) {
            if (weight != null || bias != null || layer == null || convention == Convention.TENSORFLOW) {
                throw new IllegalArgumentException("--weights needs --layer, excludes --weight and --bias, and "
                        + "holds PyTorch's (Cin, Cout/groups, K) weights, not TensorFlow's filters");
            }
            // The layer's hyper-parameters come from the other options through the convention; here only its
            // parameters are needed, in the input's dtype.
            ConvTranspose1d loaded = ConvTranspose1d.fromStateDict(readStateDict(), layer,
                    ConvTranspose1dParams.builder().groups(groups).build());
            w = loaded.weight(x.dtype());
            b = loaded.bias(x.dtype());
        } else if (weight == null) {
            throw new IllegalArgumentException("give the weight: --weight w.npy, or --weights FILE --layer PREFIX");
        } else {
            if (layer != null) {
                throw new IllegalArgumentException("--layer needs --weights");
            }
            w = read("--weight", weight);
            b = bias == null ? null : read("--bias", bias);
        }
        CoreCall call = convention.translate(new Convention.RunArguments(stride, padding, outputPadding, dilation,
                groups, layout, outputSize), x, w, b);
        // Validate before a backend opens: opening OpenCL logs the device, and invalid input must
        // produce one line on stderr.
        call.outputShape();

        Tensor y;
        String computedBy;
        try (Backend computer = backend.open.get()) {
            y = call.run(computer);
            computedBy = computer.describe();
        }
        try {
            Npy.write(output, y);
        } catch (IOException e) {
            throw new IOException("cannot write --output " + output + ": " + Messages.reason(e), e);
        }
        spec.commandLine().getOut().println("wrote " + output + ": shape " + Messages.shape(y.shape()) + ", "
                + y.dtype() + ", " + computedBy);
        return ExitCode.OK;
    }

    /** Checked before any work, so a mistyped output path fails at once and as invalid input. */
    private static void requireWritableDirectoryFor(Path file) {
        if (Files.isDirectory(file)) {
            throw new IllegalArgumentException("--output " + file + " is a directory");
        }
        Path directory = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            throw new IllegalArgumentException("--output directory " + directory + " does not exist");
        }
        if (!Files.isWritable(directory)) {
            throw new IllegalArgumentException("--output directory " + directory + " is not writable");
        }
    }

    private StateDict readStateDict() {
        try {
            return StateDict.read(weights);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read --weights " + weights + ": " + Messages.reason(e), e);
        }
    }

    /** An input that cannot be read is invalid input like a malformed one. */
    private static Tensor read(String option, Path file) {
        try {
            return Npy.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + Messages.reason(e), e);
        }
    }
}
