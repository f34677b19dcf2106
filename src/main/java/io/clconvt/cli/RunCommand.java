package io.clconvt.cli;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.npy.Npy;
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
        description = {"Computes a 1-D transposed convolution (PyTorch's conv_transpose1d) of .npy arrays.",
            "The input is (N, C, L) or unbatched (C, L) for NCL, (N, L, C) or (L, C) for NLC; the weight is "
                    + "(Cin, Cout/groups, K), the bias (Cout). All must be float32 or all float64."})
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

    @Option(names = "--weight", required = true, paramLabel = "w.npy",
            description = "The (Cin, Cout/groups, K) weight.")
    private Path weight;

    @Option(names = "--bias", paramLabel = "b.npy", description = "The (Cout) bias; none by default.")
    private Path bias;

    @Option(names = "--output", required = true, paramLabel = "y.npy",
            description = "Where to write the result; replaced atomically, never left partial.")
    private Path output;

    @Option(names = "--stride", defaultValue = "1", paramLabel = "S", description = "Default: ${DEFAULT-VALUE}.")
    private int stride;

    @Option(names = "--padding", defaultValue = "0", paramLabel = "P|L,R|SAME|VALID",
            converter = PaddingConverter.class,
            description = "Positions removed from each end (P), from the left and right (L,R), or a mode. "
                    + "Default: ${DEFAULT-VALUE}.")
    private Padding padding;

    @Option(names = "--output-padding", defaultValue = "0", paramLabel = "OP",
            description = "Positions added on the right; below max(stride, dilation). Default: ${DEFAULT-VALUE}.")
    private int outputPadding;

    @Option(names = "--dilation", defaultValue = "1", paramLabel = "D", description = "Default: ${DEFAULT-VALUE}.")
    private int dilation;

    @Option(names = "--groups", defaultValue = "1", paramLabel = "G", description = "Default: ${DEFAULT-VALUE}.")
    private int groups;

    @Option(names = "--layout", defaultValue = "NCL", paramLabel = "NCL|NLC",
            description = "Input and output layout. Default: ${DEFAULT-VALUE}.")
    private Layout layout;

    @Option(names = "--output-size", paramLabel = "L",
            description = "The output length, instead of --output-padding, within the range the other options allow.")
    private Integer outputSize;

    @Option(names = "--backend", defaultValue = "auto", paramLabel = "auto|opencl|cpu",
            description = "auto: OpenCL when a device is usable, else the CPU. Default: ${DEFAULT-VALUE}.")
    private BackendChoice backend;

    @Override
    public Integer call() throws IOException {
        ConvTranspose1dParams params = params();
        requireWritableDirectoryFor(output);
        Tensor x = read("--input", input);
        Tensor w = read("--weight", weight);
        Tensor b = bias == null ? null : read("--bias", bias);
        // Validate before a backend opens: opening OpenCL logs the device, and invalid input must
        // produce one line on stderr.
        params.outputShape(x, w, b);

        Tensor y;
        String computedBy;
        try (Backend computer = backend.open.get()) {
            y = computer.convTranspose1d(x, w, b, params);
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

    private ConvTranspose1dParams params() {
        ConvTranspose1dParams.Builder builder = ConvTranspose1dParams.builder().stride(stride).padding(padding)
                .outputPadding(outputPadding).dilation(dilation).groups(groups).layout(layout);
        if (outputSize != null) {
            builder.outputSize(outputSize);
        }
        return builder.build();
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

    /** An input that cannot be read is invalid input like a malformed one. */
    private static Tensor read(String option, Path file) {
        try {
            return Npy.read(file);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + option + " " + file + ": " + Messages.reason(e), e);
        }
    }
}
