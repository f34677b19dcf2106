package io.clconvt.bench;

import io.clconvt.Backend;
import io.clconvt.Conv1dParams;
import io.clconvt.ConvGradients;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One benchmark convolution (PyTorch's {@code F.conv1d}, symmetric zero padding) of seeded random data.
 * {@code flops = 2 * N * Cout * (Cin / groups) * K * Lout}; the minimal traffic reads input, weight and bias
 * once and writes the output once.
 */
public record Conv1dShape(String name, int n, int cin, int cout, int k, int stride, int padding, int dilation,
        int groups, int lin, Layout layout, DType dtype) implements LayerShape {

    private static final String RESBLOCKS_RESOURCE = "resblocks_suite.json";

    /**
     * The built-in {@code resblocks} suite: the convolutions of a HiFi-GAN V1 generator's residual blocks for
     * one second of 22.05 kHz audio, {@code rb_c<channels>_k<K>_d<dilation>}.
     */
    public static List<Conv1dShape> resblocksSuite() {
        return BenchmarkShape.suiteFields(RESBLOCKS_RESOURCE).stream().map(Conv1dShape::fromFields).toList();
    }

    /**
     * Parses the same {@code name=...,n=,cin=,cout=,k=,stride=,padding=,dilation=,groups=,lin=,layout=,dtype=}
     * as {@link BenchmarkShape#parse}, with the same defaults.
     *
     * @throws IllegalArgumentException naming a missing or malformed field, or a shape with no output
     */
    public static Conv1dShape parse(String spec) {
        return fromFields(BenchmarkShape.fields(spec));
    }

    private static Conv1dShape fromFields(Map<String, String> f) {
        Conv1dShape shape = new Conv1dShape(
                f.getOrDefault("name", "custom"),
                BenchmarkShape.integer(f, "n", "1"), BenchmarkShape.integer(f, "cin", null),
                BenchmarkShape.integer(f, "cout", null), BenchmarkShape.integer(f, "k", null),
                BenchmarkShape.integer(f, "stride", "1"), BenchmarkShape.integer(f, "padding", "0"),
                BenchmarkShape.integer(f, "dilation", "1"), BenchmarkShape.integer(f, "groups", "1"),
                BenchmarkShape.integer(f, "lin", null),
                Layout.valueOf(f.getOrDefault("layout", "NCL").toUpperCase(Locale.ROOT)),
                BenchmarkShape.dtype(f.getOrDefault("dtype", "float32")));
        for (String key : List.of("n", "cin", "cout", "k", "lin")) {
            if (BenchmarkShape.integer(f, key, "1") < 1) {
                throw new IllegalArgumentException("shape field '" + key + "' must be positive, got "
                        + BenchmarkShape.integer(f, key, "1"));
            }
        }
        if (shape.cin % shape.groups != 0 || shape.cout % shape.groups != 0) {
            throw new IllegalArgumentException("shape " + shape.name + ": cin (" + shape.cin + ") and cout ("
                    + shape.cout + ") must be divisible by groups (" + shape.groups + ")");
        }
        shape.outputLength();
        return shape;
    }

    @Override
    public Conv1dShape withDtype(DType dtype) {
        return new Conv1dShape(name, n, cin, cout, k, stride, padding, dilation, groups, lin, layout, dtype);
    }

    public Conv1dParams params() {
        return Conv1dParams.builder().stride(stride).padding(padding).dilation(dilation).groups(groups)
                .layout(layout).build();
    }

    /** @throws IllegalArgumentException if the kernel's span exceeds the padded input */
    public int outputLength() {
        return params().outputLength(lin, k);
    }

    @Override
    public double flops() {
        return 2.0 * n * cout * (cin / groups) * k * outputLength();
    }

    @Override
    public double minimalBytes() {
        return (double) dtype.byteSize() * ((long) n * cin * lin + (long) cout * (cin / groups) * k + cout
                + (long) n * cout * outputLength());
    }

    /** Each output sums (Cin / groups) * K products. */
    @Override
    public double tolerance() {
        return Benchmark.tolerance(dtype, (long) (cin / groups) * k);
    }

    /**
     * dx sums the (Cout / groups) * ceil(K / (stride / gcd(stride, dilation))) products that land on one input
     * position, dw and the bias N * Lout.
     */
    @Override
    public double[] gradientTolerances() {
        long outputs = (long) n * outputLength();
        return new double[] {Benchmark.tolerance(dtype, cout, groups, k, stride, dilation),
            Benchmark.tolerance(dtype, outputs), Benchmark.tolerance(dtype, outputs)};
    }

    @Override
    public Tensor input(long seed) {
        return LayerShape.random(seed, dtype, layout == Layout.NCL ? new int[] {n, cin, lin} : new int[] {n, lin, cin});
    }

    @Override
    public Tensor weight(long seed) {
        return LayerShape.random(seed + 1, dtype, cout, cin / groups, k);
    }

    @Override
    public Tensor bias(long seed) {
        return LayerShape.random(seed + 2, dtype, cout);
    }

    @Override
    public Tensor gradOutput(long seed) {
        int length = outputLength();
        return LayerShape.random(seed + 3, dtype, layout == Layout.NCL ? new int[] {n, cout, length}
                : new int[] {n, length, cout});
    }

    @Override
    public Tensor forward(Backend backend, Tensor x, Tensor weight, Tensor bias) {
        return backend.conv1d(x, weight, bias, params());
    }

    @Override
    public ConvGradients backward(Backend backend, Tensor gradOutput, Tensor x, Tensor weight) {
        return backend.conv1dBackward(gradOutput, x, weight, true, params());
    }
}
