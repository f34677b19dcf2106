package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Layout;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.io.NpyFixtures;
import io.clconvt.testing.OpenClSupport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class RunCommandTest {
    @TempDir
    Path dir;

    private Path x;
    private Path w;
    private Path b;
    private Path y;

    /** x (2, 4, 5), w (4, 3, 3), b (3): Cin 4, Cout 3 with one group, K 3. */
    @BeforeEach
    void writeInputs() throws IOException {
        x = write("x.npy", random(1, 2, 4, 5));
        w = write("w.npy", random(2, 4, 3, 3));
        b = write("b.npy", random(3, 3));
        y = dir.resolve("y.npy");
    }

    @Test
    void cpuBackendWritesTheCpuResult() throws IOException {
        CliResult result = CliResult.run("run", "--input", x.toString(), "--weight", w.toString(), "--bias",
                b.toString(), "--stride", "2", "--padding", "1", "--output-padding", "1", "--backend", "cpu",
                "--output", y.toString());

        assertEquals(0, result.exitCode(), result::toString);
        assertEquals("", result.err());
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).padding(1).outputPadding(1).build();
        Tensor expected = cpu(Npy.read(x), Npy.read(w), Npy.read(b), params);
        Tensor actual = Npy.read(y);
        assertArrayEquals(new int[] {2, 3, 10}, actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray());
        assertEquals(1, result.out().lines().count(), result.out());
        assertTrue(result.out().contains("shape (2, 3, 10), FLOAT32, cpu:"), result.out());
    }

    @Test
    void float16FilesRunAndWriteFloat16() throws IOException {
        Path x16 = write("x16.npy", Npy.read(x).to(DType.FLOAT16));
        Path w16 = write("w16.npy", Npy.read(w).to(DType.FLOAT16));
        Path b16 = write("b16.npy", Npy.read(b).to(DType.FLOAT16));
        CliResult result = CliResult.run("run", "--input", x16.toString(), "--weight", w16.toString(), "--bias",
                b16.toString(), "--stride", "2", "--backend", "cpu", "--output", y.toString());

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().contains("FLOAT16, cpu:"), result.out());
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).build();
        // The CPU computes from the 16-bit values in double and rounds once, as this FLOAT64 call then to().
        Tensor expected = cpu(Npy.read(x16).to(DType.FLOAT64), Npy.read(w16).to(DType.FLOAT64),
                Npy.read(b16).to(DType.FLOAT64), params).to(DType.FLOAT16);
        Tensor actual = Npy.read(y);
        assertEquals(DType.FLOAT16, actual.dtype());
        assertArrayEquals(expected.toHalfBits(), actual.toHalfBits());
    }

    @Test
    void openClBackendAgreesWithTheCpu() throws IOException {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        CliResult result = CliResult.run("run", "--input", x.toString(), "--weight", w.toString(), "--bias",
                b.toString(), "--stride", "2", "--padding", "1", "--backend", "opencl", "--output", y.toString());

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().contains("opencl:"), result.out());
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(2).padding(1).build();
        float[] expected = cpu(Npy.read(x), Npy.read(w), Npy.read(b), params).toFloatArray();
        float[] actual = Npy.read(y).toFloatArray();
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], 1e-5, "element " + i);
        }
    }

    static Stream<Arguments> optionCases() {
        return Stream.of(
                Arguments.of("--padding 2,0 --dilation 2", new int[] {2, 4, 5},
                        ConvTranspose1dParams.builder().padding(2, 0).dilation(2).build()),
                Arguments.of("--padding SAME --stride 3", new int[] {2, 4, 5},
                        ConvTranspose1dParams.builder().padding(Padding.SAME).stride(3).build()),
                Arguments.of("--padding valid --groups 2", new int[] {4, 5},
                        ConvTranspose1dParams.builder().padding(Padding.VALID).groups(2).build()),
                Arguments.of("--layout nlc --stride 2", new int[] {2, 5, 4},
                        ConvTranspose1dParams.builder().layout(Layout.NLC).stride(2).build()),
                Arguments.of("--stride 2 --output-size 12", new int[] {2, 4, 5},
                        ConvTranspose1dParams.builder().stride(2).outputSize(12).build()));
    }

    /** Each option must reach the parameters: a miswired one changes the result or its shape. */
    @ParameterizedTest
    @MethodSource("optionCases")
    void optionsReachTheParameters(String options, int[] inputShape, ConvTranspose1dParams params) throws IOException {
        Npy.write(x, random(4, inputShape));
        List<String> args = new ArrayList<>(List.of("run", "--input", x.toString(), "--weight", w.toString(),
                "--backend", "cpu", "--output", y.toString()));
        args.addAll(Arrays.asList(options.split(" ")));

        CliResult result = CliResult.run(args.toArray(String[]::new));

        assertEquals(0, result.exitCode(), result::toString);
        Tensor expected = cpu(Npy.read(x), Npy.read(w), null, params);
        Tensor actual = Npy.read(y);
        assertArrayEquals(expected.shape(), actual.shape());
        assertArrayEquals(expected.toFloatArray(), actual.toFloatArray());
    }

    @Test
    void missingInputFile() throws IOException {
        Files.delete(x);
        run("--backend", "cpu").assertInvalidInput("cannot read --input " + x + ": no such file or directory");
        assertNoOutput();
    }

    @Test
    void zeroStride() {
        run("--stride", "0").assertInvalidInput("stride must be at least 1, got 0");
        assertNoOutput();
    }

    @Test
    void weightChannelsNotMatchingTheInput() throws IOException {
        Npy.write(w, random(5, 3, 3, 3));
        run("--backend", "cpu").assertInvalidInput("weight has Cin=3");
        assertNoOutput();
    }

    @Test
    void fortranOrderedInput() throws IOException {
        Files.copy(NpyFixtures.path("fortran_f4_2x3.npy"), x, StandardCopyOption.REPLACE_EXISTING);
        run().assertInvalidInput("Fortran-ordered arrays are not supported");
        assertNoOutput();
    }

    @Test
    void unsupportedDtype() throws IOException {
        Files.copy(NpyFixtures.path("i4_3.npy"), w, StandardCopyOption.REPLACE_EXISTING);
        run().assertInvalidInput(w + ": dtype '<i4' is not supported");
        assertNoOutput();
    }

    @Test
    void truncatedInput() throws IOException {
        byte[] whole = Files.readAllBytes(x);
        Files.write(x, Arrays.copyOf(whole, whole.length - 7));
        run("--backend", "cpu").assertInvalidInput("truncated: header says 40 elements (160 bytes) but only 153");
        assertNoOutput();
    }

    @Test
    void absurdSizesInAHeaderAreRefusedWithoutAllocating() throws IOException {
        Files.write(x, NpyFixtures.npy(1, NpyFixtures.header("'<f4'", "(1, 4, 2000000000)"), NpyFixtures.floats(1)));
        run("--backend", "cpu").assertInvalidInput("more elements than a Java array holds");
        Files.write(x, NpyFixtures.npy(1, NpyFixtures.header("'<f4'", "(1, 4, 500000000)"), NpyFixtures.floats(1)));
        run("--backend", "cpu").assertInvalidInput("truncated: header says 2000000000 elements");
        assertNoOutput();
    }

    @Test
    void inputsOfDifferentDtypes() throws IOException {
        Npy.write(w, Tensor.of(new double[36], 4, 3, 3));
        run("--backend", "cpu").assertInvalidInput("weight dtype FLOAT64 does not match input dtype FLOAT32");
        assertNoOutput();
    }

    @Test
    void biasOfTheWrongLength() throws IOException {
        Npy.write(b, random(3, 4));
        run("--bias", b.toString(), "--backend", "cpu").assertInvalidInput("bias has 4 elements but there are 3");
        assertNoOutput();
    }

    @Test
    void malformedPadding() {
        run("--padding", "1,2,3").assertInvalidInput("'1,2,3' is not a padding");
        assertNoOutput();
    }

    @Test
    void outputDirectoryMissing() {
        Path elsewhere = dir.resolve("absent").resolve("y.npy");
        CliResult result = CliResult.run("run", "--input", x.toString(), "--weight", w.toString(), "--output",
                elsewhere.toString());
        result.assertInvalidInput("does not exist");
        assertNoOutput();
    }

    @Test
    void failureKeepsAnExistingOutputUntouched() throws IOException {
        byte[] previous = {1, 2, 3};
        Files.write(y, previous);
        run("--stride", "0").assertInvalidInput("stride");
        assertArrayEquals(previous, Files.readAllBytes(y));
    }

    /** {@code run} on the prepared x and w, writing y, with extra options. */
    private CliResult run(String... options) {
        List<String> args = new ArrayList<>(List.of("run", "--input", x.toString(), "--weight", w.toString(),
                "--output", y.toString()));
        args.addAll(List.of(options));
        return CliResult.run(args.toArray(String[]::new));
    }

    /** Neither y.npy nor a temporary file of it: the folder holds only the inputs. */
    private void assertNoOutput() {
        try (Stream<Path> files = Files.list(dir)) {
            List<String> names = files.map(f -> f.getFileName().toString()).sorted().toList();
            assertTrue(names.stream().allMatch(List.of("b.npy", "w.npy", "x.npy")::contains), names.toString());
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private Path write(String name, Tensor t) throws IOException {
        Path file = dir.resolve(name);
        Npy.write(file, t);
        return file;
    }

    private static Tensor cpu(Tensor x, Tensor w, Tensor b, ConvTranspose1dParams params) {
        try (Backend cpu = Backends.cpu()) {
            return cpu.convTranspose1d(x, w, b, params);
        }
    }

    private static Tensor random(long seed, int... shape) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] data = new float[Arrays.stream(shape).reduce(1, Math::multiplyExact)];
        for (int i = 0; i < data.length; i++) {
            data[i] = (float) random.nextDouble(-1, 1);
        }
        return Tensor.of(data, shape);
    }
}
