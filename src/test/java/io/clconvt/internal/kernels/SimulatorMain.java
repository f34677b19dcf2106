package io.clconvt.internal.kernels;

import io.clconvt.Activation;
import io.clconvt.Block;
import io.clconvt.ChunkStream;
import io.clconvt.Conv1d;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvGradients;
import io.clconvt.PaddingMode;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.internal.ConvProblem;
import io.clconvt.internal.DeviceSelection;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.internal.cpu.CpuBackend;
import io.clconvt.internal.opencl.ClBuffer;
import io.clconvt.internal.opencl.ClContext;
import io.clconvt.internal.opencl.ClDevice;
import io.clconvt.internal.opencl.PendingKernel;
import io.clconvt.internal.opencl.ProgramCache;
import io.clconvt.internal.plan.GemmPlan;
import io.clconvt.internal.plan.GemmTile;
import io.clconvt.internal.plan.KernelVariant;
import io.clconvt.internal.plan.LaunchPlan;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.TestTensors;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Run by {@link SimulatorCheckTest} in a child JVM whose only OpenCL platform is the Oclgrind simulator:
 * every implementation of the transposed convolution at a small matrix of layers (strides, dilations,
 * groups down to depthwise, both layouts, FLOAT32 and FLOAT64, activations, paddings, output padding),
 * plus gemm tiles whose reduction slab holds fewer input channels than the layer (where a missing
 * barrier shows), each compared with the CPU reference. Prints {@code FAIL <what>} for a wrong result
 * and exits 1 after any; Oclgrind's own diagnostics go to stderr, which the test reads.
 *
 * <p>With the argument {@code built-in-plans} it runs only the built-in rule's plans, each printed as
 * {@code plan <plan>}: on a simulator whose local memory and work-groups are set small, they must have
 * shrunk to fit. With the argument {@code broken-barrier} it instead runs the gemm kernel with the barrier at the top
 * of its reduction loop removed, so the test can prove the simulator catches the race POCL hides.
 */
public final class SimulatorMain {
    /** One layer of the matrix: the call's tensors' shapes come from its channels and length. */
    private record Layer(int inChannels, int outChannels, int kernelSize, int length, boolean batched,
            ConvTranspose1dParams params, DType dtype) {
    }

    /** The gemm kernel's barrier before a step's slabs are overwritten, as the kernel file writes it. */
    static final String TOP_OF_LOOP_BARRIER =
            "barrier(CLK_LOCAL_MEM_FENCE); // the previous step's readers are done with both slabs";

    private SimulatorMain() {
    }

    public static void main(String[] args) {
        SplittableRandom random = new SplittableRandom(2026);
        String mode = args.length > 0 ? args[0] : "matrix";
        int failures = switch (mode) {
            case "broken-barrier" -> runBrokenBarrier(random);
            case "built-in-plans" -> runBuiltInPlans(random);
            default -> runMatrix(random) + runConvolutionsAndGradients(random);
        };
        System.out.println("failures=" + failures);
        System.exit(failures == 0 ? 0 : 1);
    }

    private static List<Layer> matrix() {
        ConvTranspose1dParams.Builder p = ConvTranspose1dParams.builder();
        return List.of(
                new Layer(16, 16, 4, 9, true, p.stride(2).padding(1).build(), DType.FLOAT32),
                new Layer(8, 16, 3, 7, true, ConvTranspose1dParams.builder().dilation(2).padding(2)
                        .layout(Layout.NLC).activation(Activation.leakyRelu(0.1)).build(), DType.FLOAT64),
                new Layer(16, 8, 5, 6, true, ConvTranspose1dParams.builder().stride(3).groups(4).outputPadding(1)
                        .activation(Activation.RELU).build(), DType.FLOAT32),
                new Layer(8, 8, 4, 11, true, ConvTranspose1dParams.builder().stride(2).groups(8).padding(1, 2)
                        .layout(Layout.NLC).activation(Activation.TANH).build(), DType.FLOAT32),
                new Layer(4, 16, 8, 5, false, ConvTranspose1dParams.builder().stride(4).padding(2)
                        .activation(Activation.SILU).build(), DType.FLOAT64),
                new Layer(8, 4, 3, 10, true, ConvTranspose1dParams.builder().dilation(3).padding(Padding.VALID)
                        .build(), DType.FLOAT32),
                new Layer(16, 16, 6, 8, true, ConvTranspose1dParams.builder().stride(3).padding(2).outputPadding(2)
                        .build(), DType.FLOAT16),
                new Layer(8, 16, 4, 9, true, ConvTranspose1dParams.builder().stride(2).groups(2).padding(1)
                        .layout(Layout.NLC).activation(Activation.leakyRelu(0.2)).build(), DType.BFLOAT16));
    }

    /** Tuning candidates tried per layer besides each variant's own plan: the spaces' tiles on a GPU. */
    private static final int CANDIDATES = 8;

    /** Gemm tiles of 4 and 8 input channels per slab, for layers of 16 and 32: several slabs per tile. */
    private static final List<GemmTile> SMALL_SLAB_TILES = List.of(
            new GemmTile(16, 16, 4, 4, 4, 4),
            new GemmTile(8, 16, 8, 8, 4, 1));

    private static int runMatrix(SplittableRandom random) {
        int failures = 0;
        try (CpuBackend cpu = new CpuBackend()) {
            for (KernelVariant variant : List.of(KernelVariant.DIRECT, KernelVariant.PHASE, KernelVariant.TILED,
                    KernelVariant.ROWS, KernelVariant.GEMM, KernelVariant.AUTO)) {
                try (OpenClBackend backend = new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()),
                        variant, true, false)) {
                    for (Layer layer : matrix()) {
                        Tensor[] call = tensors(random, layer, true);
                        ConvProblem problem = ConvProblem.resolve(call[0], call[1], call[2], layer.params());
                        failures += check(backend, cpu, problem, backend.plan(problem), call, layer, variant + " ");
                        failures += checkResidual(backend, cpu, problem, random, call, layer, variant + " ");
                        if (variant == KernelVariant.AUTO) {
                            for (LaunchPlan candidate : ConvTranspose1dImplementations.candidates(problem,
                                    backend.device(), random, CANDIDATES)) {
                                failures += check(backend, cpu, problem, candidate, call, layer, "candidate ");
                            }
                        }
                    }
                    if (variant == KernelVariant.GEMM) {
                        for (GemmTile tile : SMALL_SLAB_TILES) {
                            for (DType dtype : List.of(DType.FLOAT32, DType.FLOAT64)) {
                                Layer layer = new Layer(32, 16, 4, 12, true, ConvTranspose1dParams.builder().stride(2)
                                        .padding(1).build(), dtype);
                                Tensor[] call = tensors(random, layer, true);
                                ConvProblem problem = ConvProblem.resolve(call[0], call[1], call[2], layer.params());
                                failures += check(backend, cpu, problem, new GemmPlan(tile), call, layer, "gemm tile ");
                            }
                        }
                    }
                }
            }
        }
        return failures;
    }

    /**
     * The convolution's routes (its direct kernel with padding modes, the adjoint route with an input
     * activation, a strided call thinned from stride 1), both backward calls (the weight-gradient kernel, the
     * channel sum, NLC's copy to NCL) and a layer graph's element-wise passes, each against the CPU.
     */
    private static int runConvolutionsAndGradients(SplittableRandom random) {
        int failures = 0;
        try (CpuBackend cpu = new CpuBackend();
                OpenClBackend backend = new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()),
                        KernelVariant.AUTO, true, false)) {
            List<Conv1dParams> convs = List.of(
                    Conv1dParams.builder().stride(3).padding(2, 1).paddingMode(PaddingMode.REFLECT)
                            .layout(Layout.NLC).build(),
                    Conv1dParams.builder().padding(3).dilation(3).activation(Activation.leakyRelu(0.1)).build(),
                    Conv1dParams.builder().stride(2).padding(1).build());
            for (Conv1dParams params : convs) {
                Tensor x = TestTensors.random(random, DType.FLOAT32, 1, params.layout() == Layout.NCL
                        ? new int[] {2, 6, 17} : new int[] {2, 17, 6});
                Tensor w = TestTensors.random(random, DType.FLOAT32, 1, 4, 6, 3);
                Tensor b = TestTensors.random(random, DType.FLOAT32, 1, 4);
                String what = "conv1d " + params;
                try {
                    Accuracy.assertConv1dClose(backend.conv1d(x, w, b, params), cpu.conv1d(x, w, b, params), x, w,
                            b, params, what);
                    Conv1dParams plain = params.toBuilder().activation(Activation.NONE).build();
                    Tensor gy = TestTensors.random(random, DType.FLOAT32, 1, cpu.conv1d(x, w, b, plain).shape());
                    assertGradientsClose(backend.conv1dBackward(gy, x, w, true, plain),
                            cpu.conv1dBackward(gy, x, w, true, plain), cpu.conv1dBackward(Accuracy.absolute(gy),
                                    Accuracy.absolute(x), Accuracy.absolute(w), true, plain), what);
                    System.out.println("ok " + what);
                } catch (AssertionError | RuntimeException e) {
                    System.out.println("FAIL " + what + ": " + e);
                    failures++;
                }
            }
            Layer up = new Layer(6, 4, 4, 9, true, ConvTranspose1dParams.builder().stride(2).padding(1)
                    .layout(Layout.NLC).build(), DType.FLOAT32);
            Tensor[] call = tensors(random, up, false);
            Tensor gy = TestTensors.random(random, DType.FLOAT32, 1,
                    cpu.convTranspose1d(call[0], call[1], null, up.params()).shape());
            String what = "convTranspose1dBackward " + up;
            try {
                assertGradientsClose(backend.convTranspose1dBackward(gy, call[0], call[1], true, up.params()),
                        cpu.convTranspose1dBackward(gy, call[0], call[1], true, up.params()),
                        cpu.convTranspose1dBackward(Accuracy.absolute(gy), Accuracy.absolute(call[0]),
                                Accuracy.absolute(call[1]), true, up.params()), what);
                // The branch's convolution reads leaky ReLU of its input: streamed, each chunk is activated as it
                // joins the window the convolution keeps (the splice kernel), and the second push joins history;
                // the skip queue rides in the same kernel, split from the second push on where the branch takes.
                Block graph = Block.chain(Block.activation(Activation.leakyRelu(0.1)), Block.residual(Block.chain(
                        Block.activation(Activation.leakyRelu(0.2)), Block.of(Conv1d.of(TestTensors.random(random,
                                DType.FLOAT32, 1, 6, 6, 3), null, Conv1dParams.builder().padding(1)
                                .layout(Layout.NLC).build())))),
                        Block.activation(Activation.TANH));
                Tensor y = graph.forward(backend, call[0]);
                double difference = Tensor.maxRelativeDifference(y, graph.forward(cpu, call[0]));
                if (!(difference < 1e-5)) { // tanh of a residual sum of 18-product convolutions, in FLOAT32
                    throw new AssertionError("graph: relative difference " + difference);
                }
                try (ChunkStream stream = graph.stream(backend); ChunkStream reference = graph.stream(cpu)) {
                    for (int length : new int[] {5, 3, 4}) {
                        Tensor chunk = TestTensors.random(random, DType.FLOAT32, 1, 2, length, 6);
                        requireClose(stream.push(chunk), reference.push(chunk), "residual stream push");
                    }
                    requireClose(stream.finish(), reference.finish(), "residual stream finish");
                }
                // NCL: a join's rows are channels, eight to a work-group.
                Block ncl = Block.chain(Block.activation(Activation.leakyRelu(0.1)), Block.of(Conv1d.of(
                        TestTensors.random(random, DType.FLOAT32, 1, 8, 8, 3), null,
                        Conv1dParams.builder().padding(1).build())));
                Tensor first = TestTensors.random(random, DType.FLOAT32, 1, 1, 8, 5);
                Tensor second = TestTensors.random(random, DType.FLOAT32, 1, 1, 8, 4);
                try (ChunkStream stream = ncl.stream(backend); ChunkStream reference = ncl.stream(cpu)) {
                    for (Tensor chunk : new Tensor[] {first, second}) {
                        requireClose(stream.push(chunk), reference.push(chunk), "NCL stream push");
                    }
                    requireClose(stream.finish(), reference.finish(), "NCL stream finish");
                }
                // A mean of two branches of different look-ahead: each push reads the longer queue from an offset.
                Block mean = Block.mean(Block.of(Conv1d.of(TestTensors.random(random, DType.FLOAT32, 1, 8, 8, 3), null,
                        Conv1dParams.builder().padding(1).build())), Block.of(Conv1d.of(TestTensors.random(random,
                        DType.FLOAT32, 1, 8, 8, 5), null, Conv1dParams.builder().padding(2).build())));
                try (ChunkStream stream = mean.stream(backend); ChunkStream reference = mean.stream(cpu)) {
                    for (int length : new int[] {13, 11, 17}) { // rows of whole vectors and a remainder
                        Tensor chunk = TestTensors.random(random, DType.FLOAT32, 1, 1, 8, length);
                        requireClose(stream.push(chunk), reference.push(chunk), "mean stream push");
                    }
                    requireClose(stream.finish(), reference.finish(), "mean stream finish");
                }
                System.out.println("ok " + what + ", a layer graph and its stream");
            } catch (AssertionError | RuntimeException e) {
                System.out.println("FAIL " + what + " or the layer graph: " + e);
                failures++;
            }
        }
        return failures;
    }

    /**
     * Every gradient within the gamma bound (see {@link Accuracy}) of the longest sum any of these small calls
     * makes: 2 samples x 17 positions x 3 taps x 6 channels products at most, an upper bound for each gradient.
     */
    /** Throws unless {@code actual} has {@code expected}'s shape and values within FLOAT32 rounding of short sums. */
    private static void requireClose(Tensor actual, Tensor expected, String what) {
        if (!Arrays.equals(actual.shape(), expected.shape())
                || !(Tensor.maxRelativeDifference(actual, expected) < 1e-5)) {
            throw new AssertionError(what + ": " + Arrays.toString(actual.shape()) + " against "
                    + Arrays.toString(expected.shape()));
        }
    }

    private static void assertGradientsClose(ConvGradients actual, ConvGradients expected, ConvGradients magnitude,
            String what) {
        long bound = 2L * 17 * 3 * 6;
        Accuracy.assertGradientClose(actual.input(), expected.input(), magnitude.input(), bound, what + " input");
        Accuracy.assertGradientClose(actual.weight(), expected.weight(), magnitude.weight(), bound, what + " weight");
        Accuracy.assertGradientClose(actual.bias(), expected.bias(), magnitude.bias(), bound, what + " bias");
    }

    private static int runBuiltInPlans(SplittableRandom random) {
        int failures = 0;
        try (CpuBackend cpu = new CpuBackend();
                OpenClBackend backend = new OpenClBackend(ClDevice.select(DeviceSelection.fromEnvironment()),
                        KernelVariant.AUTO, true, false)) {
            for (Layer layer : matrix()) {
                Tensor[] call = tensors(random, layer, true);
                ConvProblem problem = ConvProblem.resolve(call[0], call[1], call[2], layer.params());
                LaunchPlan plan = backend.plan(problem);
                System.out.println("plan " + plan);
                failures += check(backend, cpu, problem, plan, call, layer, "built-in ");
            }
        }
        return failures;
    }

    private static int check(OpenClBackend backend, CpuBackend cpu, ConvProblem problem, LaunchPlan plan,
            Tensor[] call, Layer layer, String label) {
        String what = label + plan + " " + layer;
        if (!ConvTranspose1dImplementations.supports(problem, plan, backend.device())) {
            System.out.println("FAIL " + what + ": the plan does not run the layer on the simulator");
            return 1;
        }
        try {
            Tensor actual = backend.run(problem, plan, call[0], call[1], call[2]);
            Tensor expected = cpu.convTranspose1d(call[0], call[1], call[2], layer.params());
            Accuracy.assertClose(actual, expected, call[0], call[1], call[2], layer.params(), what);
            System.out.println("ok " + what);
            return 0;
        } catch (AssertionError | RuntimeException e) {
            System.out.println("FAIL " + what + ": " + e);
            return 1;
        }
    }

    /** The same call adding a residual input (at half scale) in the epilogue, against the CPU's. */
    private static int checkResidual(OpenClBackend backend, CpuBackend cpu, ConvProblem plain,
            SplittableRandom random, Tensor[] call, Layer layer, String label) {
        String what = label + "residual " + layer;
        ConvProblem problem = plain.withResidual(0.5);
        Tensor r = TestTensors.random(random, layer.dtype(), 1, problem.outputShape());
        try (DeviceTensor x = backend.upload(call[0]); DeviceTensor residual = backend.upload(r);
                DeviceTensor y = backend.convTranspose1dWindow(problem, x, call[1], call[2], residual);
                DeviceTensor heapX = cpu.upload(call[0]); DeviceTensor heapResidual = cpu.upload(r);
                DeviceTensor expected = cpu.convTranspose1dWindow(problem, heapX, call[1], call[2], heapResidual)) {
            Accuracy.assertClose(y.download(), expected.download(), call[0], call[1], call[2], layer.params(), what);
            System.out.println("ok " + what);
            return 0;
        } catch (AssertionError | RuntimeException e) {
            System.out.println("FAIL " + what + ": " + e);
            return 1;
        }
    }

    /** x, weight (Cin, Cout / groups, K) and bias (or null) of {@code layer}. */
    private static Tensor[] tensors(SplittableRandom random, Layer layer, boolean withBias) {
        int groups = layer.params().groups();
        int[] xShape = layer.params().layout() == Layout.NCL
                ? new int[] {layer.inChannels(), layer.length()} : new int[] {layer.length(), layer.inChannels()};
        if (layer.batched()) {
            xShape = new int[] {2, xShape[0], xShape[1]};
        }
        Tensor x = TestTensors.random(random, layer.dtype(), 1, xShape);
        Tensor w = TestTensors.random(random, layer.dtype(), 1, layer.inChannels(), layer.outChannels() / groups,
                layer.kernelSize());
        Tensor b = withBias ? TestTensors.random(random, layer.dtype(), 1, layer.outChannels()) : null;
        return new Tensor[] {x, w, b};
    }

    /**
     * The gemm kernel with its top-of-loop barrier removed, on a layer of 16 input channels in slabs of 4:
     * a work-item overwrites the slabs while others still read the previous step's.
     */
    private static int runBrokenBarrier(SplittableRandom random) {
        String broken = ProgramCache.kernelSource(ConvTranspose1dGemmKernel.SOURCE_FILE)
                .replace(TOP_OF_LOOP_BARRIER, "// barrier removed");
        if (broken.contains(TOP_OF_LOOP_BARRIER) || !broken.contains("// barrier removed")) {
            System.out.println("FAIL the barrier to remove is not in the gemm kernel any more");
            return 1;
        }
        Layer layer = new Layer(16, 16, 4, 12, true, ConvTranspose1dParams.builder().stride(2).padding(1).build(),
                DType.FLOAT32);
        Tensor[] call = tensors(random, layer, false);
        ConvProblem problem = ConvProblem.resolve(call[0], call[1], null, layer.params());
        LaunchPlan plan = new GemmPlan(SMALL_SLAB_TILES.get(0));
        ConvTranspose1dImplementation gemm = ConvTranspose1dImplementations.GEMM;
        try (ClContext context = new ClContext(ClDevice.select(DeviceSelection.fromEnvironment()), false);
                ProgramCache programs = new ProgramCache(context, 1, file -> broken);
                ClBuffer x = ClBuffer.upload(context, call[0]);
                ClBuffer w = ClBuffer.upload(context, gemm.layWeight(call[1], problem, plan));
                ClBuffer y = ClBuffer.allocate(context,
                        (long) problem.outputElements() * problem.dtype().byteSize())) {
            PendingKernel kernel = new PendingKernel();
            kernel.set(gemm.enqueue(context, programs, problem, plan, x, w, null, null, y));
            kernel.await();
        }
        System.out.println("ran the gemm kernel without its top-of-loop barrier");
        return 0;
    }
}
