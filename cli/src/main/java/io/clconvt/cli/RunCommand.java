package io.clconvt.cli;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.Conv1d;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.PaddingMode;
import io.clconvt.Tensor;
import io.clconvt.compat.CoreCall;
import io.clconvt.io.Npy;
import io.clconvt.io.StateDict;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.function.Supplier;
import picocli.CommandLine.Command;
import picocli.CommandLine.ExitCode;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** Applies one transposed convolution, or one convolution, to arrays in .npy files. */
@Command(name = "run", mixinStandardHelpOptions = true, version = "clconvt " + Main.VERSION, sortOptions = false,
        description = {"Computes a 1-D transposed convolution of .npy arrays the way PyTorch (default), "
                + "PaddlePaddle or TensorFlow does, or with --op conv1d PyTorch's Conv1d.",
            "The input is (N, C, L) or unbatched (C, L) for NCL, (N, L, C) or (L, C) for NLC; the weight is "
                    + "(Cin, Cout/groups, K), the bias (Cout). All must be float32, all float64 or all float16 "
                    + "(computed in float32, rounded once).",
            "--convention tensorflow: the weight is TensorFlow's (K, Cout, Cin) filters, --layout NWC (default) or "
                    + "NCW, --padding SAME (default) or VALID, --output-size required; no bias, groups or output "
                    + "padding.",
            "--weights FILE.safetensors|FILE.npz --layer PREFIX takes the weight and bias of one layer of a "
                    + "PyTorch state dict instead of --weight/--bias, folding weight normalisation.",
            "--op conv1d: PyTorch's Conv1d / F.conv1d; the weight is (Cout, Cin/groups, K), --padding P, L,R, SAME "
                    + "or VALID with --padding-mode zeros|reflect|replicate|circular; torch convention only, no "
                    + "--output-padding or --output-size. A Conv1d layer of a state dict (e.g. a HiFi-GAN "
                    + "resblocks.0.convs1.0) must be read with --op conv1d: its weight is laid out the other way."})
final class RunCommand implements Callable<Integer> {
    /** Which operation to compute. */
    enum Op { CONV_TRANSPOSE1D, CONV1D }

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

    @Option(names = "--op", defaultValue = "conv_transpose1d", paramLabel = "conv_transpose1d|conv1d",
            description = "The operation: PyTorch's ConvTranspose1d or Conv1d. Default: ${DEFAULT-VALUE}.")
    private Op op;

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

    @Option(names = "--padding-mode", defaultValue = "zeros", paramLabel = "zeros|reflect|replicate|circular",
            description = "What --op conv1d's padding reads (PyTorch's padding_mode). Default: ${DEFAULT-VALUE}.")
    private PaddingMode paddingMode;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|opencl|cpu",
            description = "auto: OpenCL when a device is usable, else the CPU. Default: ${DEFAULT-VALUE}.")
    private BackendChoice backend;

    @Override
    public Integer call() throws IOException {
        requireWritableDirectoryFor(output);
        Tensor x = read("--input", input);
        if (op == Op.CONV1D) {
            return write(conv1d(x));
        }
        if (paddingMode != PaddingMode.ZEROS) {
            throw new IllegalArgumentException("--padding-mode " + paddingMode + " needs --op conv1d: a transposed "
                    + "convolution's padding removes outputs, it reads nothing");
        }
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

        return write(compute(call::run));
    }

    /** The result and what computed it. */
    private record Result(Tensor y, String computedBy) {
    }

    /** Runs {@code work} on the chosen backend, opened only now that the call is known to be valid. */
    private Result compute(Function<Backend, Tensor> work) {
        try (Backend computer = backend.open.get()) {
            return new Result(work.apply(computer), computer.describe());
        }
    }

    /** PyTorch's Conv1d, its weight from --weight/--bias or a Conv1d layer of --weights. */
    private Result conv1d(Tensor x) {
        if (convention != Convention.TORCH || outputPadding != 0 || outputSize != null) {
            throw new IllegalArgumentException("--op conv1d takes the torch convention, without --output-padding or "
                    + "--output-size");
        }
        Conv1dParams params = Conv1dParams.builder().stride(stride).padding(Convention.torchPadding(padding))
                .paddingMode(paddingMode).dilation(dilation).groups(groups).layout(Convention.torchLayout(layout))
                .build();
        Conv1d layerOfWeights;
        if (weights != null) {
            if (weight != null || bias != null || layer == null) {
                throw new IllegalArgumentException("--weights needs --layer and excludes --weight and --bias");
            }
            layerOfWeights = Conv1d.fromStateDict(readStateDict(), layer, params);
        } else if (weight == null) {
            throw new IllegalArgumentException("give the weight: --weight w.npy, or --weights FILE --layer PREFIX");
        } else {
            if (layer != null) {
                throw new IllegalArgumentException("--layer needs --weights");
            }
            Tensor w = read("--weight", weight);
            Tensor b = bias == null ? null : read("--bias", bias);
            params.outputShape(x, w, b); // the arrays as given, before the module would convert their dtype
            layerOfWeights = Conv1d.of(w, b, params);
        }
        Tensor w = layerOfWeights.weight(x.dtype());
        Tensor b = layerOfWeights.bias(x.dtype());
        params.outputShape(x, w, b); // every check before a backend opens, as for the transposed convolution
        return compute(computer -> computer.conv1d(x, w, b, params));
    }

    private Integer write(Result result) throws IOException {
        Tensor y = result.y();
        String computedBy = result.computedBy();
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
