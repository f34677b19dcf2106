package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.internal.backend.Diagnostics;
import io.clconvt.internal.backend.OpenClBackend;
import io.clconvt.testing.Accuracy;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.lang.reflect.Proxy;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/** prepare builds, several at once, every program a first call would build, and nothing else. */
class PrepareTest {
    private static Sequential upsampler(SplittableRandom random) {
        ConvTranspose1dParams up = ConvTranspose1dParams.builder().stride(8).padding(4).build();
        ConvTranspose1dParams dilated = ConvTranspose1dParams.builder().dilation(3).padding(3).build();
        return Sequential.builder()
                .add(new ConvTranspose1d(32, 16, 16, up, true, random.nextLong()))
                .activation(Activation.leakyRelu(0.1))
                .add(new ConvTranspose1d(16, 16, 3, dilated, true, random.nextLong()))
                .add(new ConvTranspose1d(16, 8, 4, ConvTranspose1dParams.builder().stride(2).padding(1).build(), false,
                        random.nextLong()))
                .build();
    }

    @Test
    void aPreparedStackBuildsNothingOnItsFirstCall() {
        SplittableRandom random = new SplittableRandom(5);
        Sequential stack = upsampler(random);
        Tensor x = TestTensors.random(random, DType.FLOAT32, 1, 1, 32, 20);
        try (OpenClBackend openCl = (OpenClBackend) OpenClSupport.backend(); Backend cpu = Backends.cpu()) {
            stack.prepare(openCl, DType.FLOAT32, 1, 32, 20);
            int prepared = Diagnostics.builtPrograms(openCl);
            assertEquals(3, prepared, "one program per layer");
            Tensor y = stack.forward(openCl, x);
            assertEquals(prepared, Diagnostics.builtPrograms(openCl), "the first call built a program");
            assertTrue(Tensor.maxRelativeDifference(y, stack.forward(cpu, x)) < 1e-4);
            stack.prepare(cpu, DType.FLOAT32, 1, 32, 20); // nothing to do, and no error
        }
    }

    @Test
    void aPreparedLayerMatchesTheCpuReference() {
        SplittableRandom random = new SplittableRandom(6);
        ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(4).padding(2).groups(2).build();
        ConvTranspose1d layer = new ConvTranspose1d(8, 8, 8, params, true, 7L);
        Tensor x = TestTensors.random(random, DType.FLOAT64, 1, 8, 13);
        try (OpenClBackend openCl = (OpenClBackend) OpenClSupport.backend(); Backend cpu = Backends.cpu()) {
            layer.prepare(openCl, DType.FLOAT64, 8, 13);
            assertEquals(1, Diagnostics.builtPrograms(openCl));
            Tensor y = layer.forward(openCl, x);
            assertEquals(1, Diagnostics.builtPrograms(openCl));
            Accuracy.assertClose(y, layer.forward(cpu, x), x, layer.weight(DType.FLOAT64),
                    layer.bias(DType.FLOAT64), params, "prepared FLOAT64 layer");
        }
    }

    @Test
    void aShapeTheStackRefusesIsRefusedBeforeAnyBuild() {
        Sequential stack = upsampler(new SplittableRandom(8));
        try (OpenClBackend openCl = (OpenClBackend) OpenClSupport.backend()) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> stack.prepare(openCl, DType.FLOAT32, 1, 31, 20));
            assertTrue(e.getMessage().contains("31") || e.getMessage().toLowerCase().contains("channel"),
                    e.getMessage());
            assertEquals(0, Diagnostics.builtPrograms(openCl));
        }
        // A Backend of the application's own: every method but describe() would fail, none may be called.
        Backend foreign = (Backend) Proxy.newProxyInstance(Backend.class.getClassLoader(),
                new Class<?>[] {Backend.class}, (proxy, method, args) -> {
                    if (method.getName().equals("describe")) {
                        return "foreign";
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
        assertThrows(IllegalArgumentException.class, () -> stack.prepare(foreign, DType.FLOAT32, 1, 32, 20));
    }
}
