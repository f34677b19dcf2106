package io.clconvt.compat;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.clconvt.Backend;
import io.clconvt.Tensor;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport.ClassBackends;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Every golden case of make_golden.py, called through its framework's front end with the arguments
 * exactly as the framework spells them, on both backends. The expected outputs follow each framework's
 * published rule (Paddle, TensorFlow) or come from PyTorch itself.
 */
class FrameworkGoldenCasesTest {
    private static final ClassBackends BACKENDS = new ClassBackends();

    @AfterAll
    static void close() {
        BACKENDS.close();
    }

    @TestFactory
    List<DynamicTest> goldenCases() {
        List<DynamicTest> tests = new ArrayList<>();
        for (GoldenCase c : GoldenCase.all()) {
            for (ClassBackends.Kind kind : ClassBackends.Kind.values()) {
                tests.add(DynamicTest.dynamicTest(c.name() + " [" + kind + "]: " + c.rule(),
                        () -> check(c, BACKENDS.get(kind))));
            }
        }
        return tests;
    }

    @TestFactory
    List<DynamicTest> everyFrameworkHasCases() {
        List<GoldenCase> cases = GoldenCase.all();
        return List.of("paddle", "tensorflow", "torch").stream()
                .map(framework -> DynamicTest.dynamicTest(framework, () -> assertTrue(
                        cases.stream().filter(c -> c.framework().equals(framework)).count() >= 5,
                        "at least 5 golden cases for " + framework)))
                .toList();
    }

    private static void check(GoldenCase c, Backend backend) {
        CoreCall call = translate(c);
        Tensor actual = c.framework().equals("torch") ? Torch.convTranspose1d(backend, c.x(), c.w(), c.b(),
                c.args().get("stride").asInt(), c.args().get("padding").asInt(), call.params().outputPadding(),
                call.params().groups(), call.params().dilation()) : call.run(backend);
        Accuracy.assertClose(call, actual, c.y(), c.name());
    }

    /** The front end's translation of the case's arguments. */
    static CoreCall translate(GoldenCase c) {
        JsonNode a = c.args();
        return switch (c.framework()) {
            case "paddle" -> Paddle.translate(c.x(), c.w(), c.b(), a.get("stride").asInt(),
                    paddlePadding(a.get("padding")), a.get("output_padding").asInt(), a.get("groups").asInt(),
                    a.get("dilation").asInt(), a.get("output_size").isNull() ? null : a.get("output_size").asInt(),
                    a.get("data_format").asText());
            case "tensorflow" -> TensorFlow.translate(c.x(), c.w(), ints(a.get("output_shape")),
                    a.get("strides").asInt(), a.get("padding").asText(), a.get("data_format").asText(),
                    a.get("dilations").asInt());
            case "torch" -> {
                // A layer called with output_size takes its output padding from _output_padding instead.
                int outputPadding = a.get("output_size").isNull() ? a.get("output_padding").asInt()
                        : Torch.outputPadding(c.x(), ints(a.get("output_size")), a.get("stride").asInt(),
                                a.get("padding").asInt(), c.w().dim(2), a.get("dilation").asInt());
                yield Torch.translate(c.x(), c.w(), c.b(), a.get("stride").asInt(), a.get("padding").asInt(),
                        outputPadding, a.get("groups").asInt(), a.get("dilation").asInt());
            }
            default -> throw new IllegalStateException("unknown framework " + c.framework());
        };
    }

    /** Paddle's padding as the manifest spells it: an int, a list, or a string. */
    private static Object paddlePadding(JsonNode padding) {
        if (padding.isTextual()) {
            return padding.asText();
        }
        return padding.isArray() ? ints(padding) : (Object) padding.asInt();
    }

    private static int[] ints(JsonNode array) {
        return IntStream.range(0, array.size()).map(i -> array.get(i).asInt()).toArray();
    }
}
