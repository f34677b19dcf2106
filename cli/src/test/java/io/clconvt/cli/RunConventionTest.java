package io.clconvt.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Tensor;
import io.clconvt.io.Npy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestResources;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code run --convention}: the framework golden cases of the library's src/test/resources/compat, run from their .npy
 * files with the options a user would type, and each framework's refusals as exit code 2.
 */
class RunConventionTest {
    @TempDir
    Path dir;

    static Stream<Arguments> goldenRuns() {
        return Stream.of(
                Arguments.of("paddle_same_not_divisible", "--convention paddle --padding same --stride 2 --layout NLC"),
                Arguments.of("paddle_valid_output_padding_grouped_dilated", "--convention paddle --padding VALID "
                        + "--stride 3 --output-padding 2 --groups 2 --dilation 2"),
                Arguments.of("paddle_asymmetric_nlc_grouped_dilated", "--convention paddle --padding 2,0 --stride 2 "
                        + "--groups 2 --dilation 2 --layout nlc"),
                Arguments.of("paddle_same_output_size", "--convention paddle --padding SAME --stride 3 "
                        + "--output-size 16"),
                Arguments.of("tf_same_full_length", "--convention tensorflow --stride 2 --output-size 8"),
                Arguments.of("tf_same_odd_total_padding", "--convention tensorflow --stride 2 --layout NCW "
                        + "--output-size 9"),
                Arguments.of("tf_valid_dilated_ncw", "--convention tensorflow --padding VALID --stride 2 --dilation 3 "
                        + "--layout NCL --output-size 12"),
                Arguments.of("torch_basic", "--convention torch --stride 2 --padding 1 --output-padding 1"),
                Arguments.of("torch_unbatched", "--stride 2"));
    }

    @ParameterizedTest(name = "{0}: {1}")
    @MethodSource("goldenRuns")
    void givesTheFrameworksResult(String goldenCase, String options) throws IOException {
        Path y = dir.resolve("y.npy");
        List<String> args = inputs(goldenCase);
        args.addAll(List.of("--backend", "cpu", "--output", y.toString()));
        args.addAll(List.of(options.split(" ")));

        CliResult result = CliResult.run(args.toArray(String[]::new));

        assertEquals(0, result.exitCode(), result::toString);
        assertClose(Npy.read(golden(goldenCase, "y")), Npy.read(y));
    }

    @Test
    void openClGivesThePaddleResult() throws IOException {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        Path y = dir.resolve("y.npy");
        List<String> args = inputs("paddle_same_not_divisible_asymmetric");
        args.addAll(List.of("--backend", "opencl", "--output", y.toString(), "--convention", "paddle", "--padding",
                "SAME", "--stride", "3"));

        CliResult result = CliResult.run(args.toArray(String[]::new));

        assertEquals(0, result.exitCode(), result::toString);
        assertTrue(result.out().contains("opencl:"), result.out());
        assertClose(Npy.read(golden("paddle_same_not_divisible_asymmetric", "y")), Npy.read(y));
    }

    @Test
    void tensorFlowAcceptsNclAsAnAliasOfNcw() throws IOException {
        Path ncw = dir.resolve("ncw.npy");
        Path ncl = dir.resolve("ncl.npy");
        for (Path y : List.of(ncw, ncl)) {
            List<String> args = inputs("tf_same_odd_total_padding");
            args.addAll(List.of("--backend", "cpu", "--output", y.toString(), "--convention", "tensorflow",
                    "--stride", "2", "--output-size", "9", "--layout", y == ncw ? "NCW" : "ncl"));
            assertEquals(0, CliResult.run(args.toArray(String[]::new)).exitCode());
        }
        assertArrayEquals(Npy.read(ncw).toDoubleArray(), Npy.read(ncl).toDoubleArray());
    }

    static Stream<Arguments> refusals() {
        return Stream.of(
                Arguments.of("tf_same_full_length", "--convention tensorflow --stride 2",
                        "--convention tensorflow needs --output-size"),
                Arguments.of("tf_same_full_length", "--convention tensorflow --stride 2 --output-size 9",
                        "Conv2DSlowBackpropInput: Size of out_backprop doesn't match computed: actual = 4, "
                                + "computed = 5"),
                Arguments.of("tf_same_full_length", "--convention tensorflow --output-size 8 --stride 2 --groups 2",
                        "--convention tensorflow does not take --groups"),
                Arguments.of("tf_same_full_length", "--convention tensorflow --output-size 8 --stride 2 "
                        + "--output-padding 1", "--convention tensorflow does not take --output-padding"),
                Arguments.of("tf_same_full_length", "--convention tensorflow --output-size 8 --stride 2 --layout NLCX",
                        "`data_format` must be 'NWC' or 'NCW'. Received: data_format=NLCX"),
                Arguments.of("tf_same_full_length", "--convention tensorflow --output-size 8 --stride 2 --padding 1",
                        "Value for attr 'padding' of \"1\" is not in the list of allowed values"),
                Arguments.of("torch_basic", "--convention tensorflow --output-size 10 --stride 2 --padding VALID",
                        "--convention tensorflow does not take --bias"),
                Arguments.of("paddle_int_padding_bias", "--convention paddle --padding -1",
                        "Invalid padding, all value should be larger than or equal to 0, but received: [-1]"),
                Arguments.of("paddle_int_padding_bias", "--convention paddle --padding 1,-2", "but received: [1, -2]"),
                Arguments.of("paddle_int_padding_bias", "--convention paddle --padding full",
                        "Unknown padding: 'FULL'. It can only be 'SAME' or 'VALID'."),
                Arguments.of("paddle_int_padding_bias", "--convention paddle --layout nwc",
                        "Attr(data_format) of conv2d_transpose got wrong value: received NWC"),
                Arguments.of("paddle_int_padding_bias", "--convention paddle --stride 2 --output-padding 2",
                        "output_padding of Op(ConvTransposeOp) should be less than either stride or dilation"),
                Arguments.of("torch_unbatched", "--convention paddle",
                        "Input x should be 3D tensor, but received x with the shape of [3, 5]"),
                Arguments.of("torch_basic", "--layout NWC", "invalid --layout 'NWC': expected NCL or NLC"),
                Arguments.of("torch_basic", "--padding 1,2,3", "invalid --padding: '1,2,3' is not a padding"),
                Arguments.of("torch_basic", "--convention keras", "--convention"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("refusals")
    void refusesWithTheFrameworksMessage(String goldenCase, String options, String message) throws IOException {
        Path y = dir.resolve("y.npy");
        List<String> args = inputs(goldenCase);
        args.addAll(List.of("--backend", "cpu", "--output", y.toString()));
        args.addAll(List.of(options.split(" ")));

        CliResult.run(args.toArray(String[]::new)).assertInvalidInput(message);
        assertFalse(Files.exists(y));
    }

    @Test
    void helpNamesTheConventions() {
        CliResult result = CliResult.run("run", "--help");

        assertEquals(0, result.exitCode());
        assertTrue(result.out().contains("--convention=torch|paddle|tensorflow"), result.out());
        assertTrue(result.out().contains("(K, Cout, Cin)"), result.out());
    }

    /** run, --input, --weight and (where the case has one) --bias for a golden case's files. */
    private static List<String> inputs(String goldenCase) {
        List<String> args = new ArrayList<>(List.of("run", "--input", golden(goldenCase, "x").toString(), "--weight",
                golden(goldenCase, "w").toString()));
        Path bias = golden(goldenCase, "b");
        if (Files.exists(bias)) {
            args.addAll(List.of("--bias", bias.toString()));
        }
        return args;
    }

    /** A golden case's file, from the library's test resources (its test-jar). */
    private static Path golden(String goldenCase, String role) {
        return TestResources.folder("compat").resolve(goldenCase + "_" + role + ".npy");
    }

    /** The CPU backend rounds a double sum once, so a float32 result is within one rounding of the reference. */
    private static void assertClose(Tensor expected, Tensor actual) {
        assertArrayEquals(expected.shape(), actual.shape());
        double[] e = expected.toDoubleArray();
        double[] a = actual.toDoubleArray();
        for (int i = 0; i < e.length; i++) {
            assertEquals(e[i], a[i], 0x1p-23 * Math.max(1, Math.abs(e[i])), "element " + i);
        }
    }
}
