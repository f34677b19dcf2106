package io.clconvt.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.clconvt.Backend;
import io.clconvt.ConvGradients;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One benchmark layer: a symmetric-padding transposed convolution of seeded random data.
 * {@code flops = 2 * N * Cin * (Cout / groups) * K * Lin}; the minimal traffic reads input, weight and
 * bias once and writes the output once.
 */
public record BenchmarkShape(String name, int n, int cin, int cout, int k, int stride, int padding, int dilation,
        int groups, int lin, Layout layout, DType dtype) implements LayerShape {

    private static final String SUITE_RESOURCE = "decoder_suite.json";

    /** The built-in {@code decoder} suite: layers of HiFi-GAN, EnCodec, 1-D U-Nets and more. */
    public static List<BenchmarkShape> decoderSuite() {
        return suiteFields(SUITE_RESOURCE).stream().map(BenchmarkShape::fromFields).toList();
    }

    /** The shapes of a suite file built into the jar, each as its fields' texts. */
    static List<Map<String, String>> suiteFields(String resource) {
        try (InputStream in = BenchmarkShape.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("the built-in suite " + resource + " is missing from the jar");
            }
            List<Map<String, String>> shapes = new ArrayList<>();
            for (JsonNode s : new ObjectMapper().readTree(in).get("shapes")) {
                Map<String, String> fields = new HashMap<>();
                s.fields().forEachRemaining(e -> fields.put(e.getKey(), e.getValue().asText()));
                shapes.add(fields);
            }
            return shapes;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read the built-in suite " + resource, e);
        }
    }

    /**
     * Parses {@code name=...,n=,cin=,cout=,k=,stride=,padding=,dilation=,groups=,lin=,layout=,dtype=};
     * n, stride, padding, dilation and groups default to 1, 1, 0, 1, 1, layout to NCL and dtype to float32.
     *
     * @throws IllegalArgumentException naming a missing or malformed field
     */
    public static BenchmarkShape parse(String spec) {
        return fromFields(fields(spec));
    }

    /** The {@code key=value} pairs of a comma-separated shape spec. */
    static Map<String, String> fields(String spec) {
        Map<String, String> fields = new HashMap<>();
        for (String part : spec.split(",")) {
            String[] keyValue = part.split("=", 2);
            if (keyValue.length != 2 || keyValue[0].isBlank()) {
                throw new IllegalArgumentException("shape field '" + part + "' is not key=value (in '" + spec + "')");
            }
            fields.put(keyValue[0].trim(), keyValue[1].trim());
        }
        return fields;
    }

    private static BenchmarkShape fromFields(Map<String, String> f) {
        BenchmarkShape shape = new BenchmarkShape(
                f.getOrDefault("name", "custom"),
                integer(f, "n", "1"), integer(f, "cin", null), integer(f, "cout", null), integer(f, "k", null),
                integer(f, "stride", "1"), integer(f, "padding", "0"), integer(f, "dilation", "1"),
                integer(f, "groups", "1"), integer(f, "lin", null),
                Layout.valueOf(f.getOrDefault("layout", "NCL").toUpperCase(Locale.ROOT)),
                dtype(f.getOrDefault("dtype", "float32")));
        for (String key : List.of("n", "cin", "cout", "k", "lin")) {
            if (integer(f, key, "1") < 1) {
                throw new IllegalArgumentException("shape field '" + key + "' must be positive, got "
                        + integer(f, key, "1"));
            }
        }
        if (shape.cin % shape.groups != 0 || shape.cout % shape.groups != 0) {
            throw new IllegalArgumentException("shape " + shape.name + ": cin (" + shape.cin + ") and cout ("
                    + shape.cout + ") must be divisible by groups (" + shape.groups + ")");
        }
        shape.params().outputLength(shape.lin, shape.k);
        return shape;
    }

    /**
     * The dtype named {@code float32}, {@code float64}, {@code float16} or {@code bfloat16} (any case).
     *
     * @throws IllegalArgumentException for another name
     */
    public static DType dtype(String name) {
        for (DType dtype : DType.values()) {
            if (dtype.name().equalsIgnoreCase(name)) {
                return dtype;
            }
        }
        throw new IllegalArgumentException("dtype must be float32, float64, float16 or bfloat16, got '" + name + "'");
    }

    @Override
    public BenchmarkShape withDtype(DType dtype) {
        return new BenchmarkShape(name, n, cin, cout, k, stride, padding, dilation, groups, lin, layout, dtype);
    }

    static int integer(Map<String, String> fields, String key, String defaultValue) {
        String value = fields.getOrDefault(key, defaultValue);
        if (value == null) {
            throw new IllegalArgumentException("shape field '" + key + "' is required");
        }
        try {
            return Integer.parseInt(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("shape field '" + key + "' must be an integer, got '" + value + "'");
        }
    }

    public ConvTranspose1dParams params() {
        return ConvTranspose1dParams.builder().stride(stride).padding(padding).dilation(dilation).groups(groups)
                .layout(layout).build();
    }

    @Override
    public double flops() {
        return 2.0 * n * cin * (cout / groups) * k * lin;
    }

    @Override
    public double minimalBytes() {
        return (double) dtype.byteSize() * ((long) n * cin * lin + (long) cin * (cout / groups) * k + cout
                + (long) n * cout * outputLength());
    }

    private int outputLength() {
        return params().outputLength(lin, k);
    }

    @Override
    public double tolerance() {
        return Benchmark.tolerance(dtype, cin, groups, k, stride, dilation);
    }

    /** dx sums (Cout / groups) * K products, dw N * Lin, the bias N * Lout. */
    @Override
    public double[] gradientTolerances() {
        return new double[] {Benchmark.tolerance(dtype, (long) (cout / groups) * k),
            Benchmark.tolerance(dtype, (long) n * lin), Benchmark.tolerance(dtype, (long) n * outputLength())};
    }

    /** The seeded input, uniform in [-1, 1). */
    @Override
    public Tensor input(long seed) {
        return LayerShape.random(seed, dtype, layout == Layout.NCL ? new int[] {n, cin, lin} : new int[] {n, lin, cin});
    }

    @Override
    public Tensor weight(long seed) {
        return LayerShape.random(seed + 1, dtype, cin, cout / groups, k);
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
        return backend.convTranspose1d(x, weight, bias, params());
    }

    @Override
    public ConvGradients backward(Backend backend, Tensor gradOutput, Tensor x, Tensor weight) {
        return backend.convTranspose1dBackward(gradOutput, x, weight, true, params());
    }
}
