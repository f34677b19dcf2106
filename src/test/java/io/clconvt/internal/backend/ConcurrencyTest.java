package io.clconvt.internal.backend;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clconvt.ActivationTest;
import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Layout;
import io.clconvt.Tensor;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * One backend shared by 8 threads, each running its own shapes, host and device-resident calls mixed,
 * must give bit for bit what the same calls give one after another.
 */
class ConcurrencyTest {
    private static final int THREADS = 8;
    private static final int ROUNDS = 25;

    static Stream<Named<Supplier<Backend>>> backends() {
        return Stream.of(Named.of("cpu", Backends::cpu), Named.of("opencl", OpenClSupport::backend));
    }

    /** Thread t's call: its own channels, lengths, stride, layout, dtype and activation. */
    private record Work(Tensor x, Tensor weight, Tensor bias, ConvTranspose1dParams params) {
        static Work forThread(int t) {
            SplittableRandom random = new SplittableRandom(100 + t);
            DType dtype = t % 3 == 2 ? DType.FLOAT64 : DType.FLOAT32;
            Layout layout = t % 2 == 0 ? Layout.NCL : Layout.NLC;
            int inChannels = 2 + t;
            int length = 5 + 3 * t;
            int[] xShape = layout == Layout.NCL ? new int[] {2, inChannels, length} : new int[] {2, length, inChannels};
            ConvTranspose1dParams params = ConvTranspose1dParams.builder().stride(1 + t % 4).padding(t % 2)
                    .layout(layout).activation(ActivationTest.ACTIVATIONS.get(t % ActivationTest.ACTIVATIONS.size()))
                    .build();
            return new Work(TestTensors.random(random, dtype, 1, xShape),
                    TestTensors.random(random, dtype, 1, inChannels, 3 + t % 5, 2 + t % 4),
                    TestTensors.random(random, dtype, 1, 3 + t % 5), params);
        }

        Tensor onHost(Backend backend) {
            return backend.convTranspose1d(x, weight, bias, params);
        }

        /** Two chained device calls (the second a 1x1 layer that keeps the shape), downloaded once. */
        Tensor onDevice(Backend backend, Tensor pointwise) {
            ConvTranspose1dParams keep = ConvTranspose1dParams.builder().layout(params.layout()).build();
            try (DeviceTensor input = backend.upload(x);
                    DeviceTensor first = backend.convTranspose1d(input, weight, bias, params);
                    DeviceTensor second = backend.convTranspose1d(first, pointwise, null, keep)) {
                return second.download();
            }
        }

        Tensor pointwise() {
            int channels = weight.dim(1);
            return TestTensors.random(new SplittableRandom(channels), x.dtype(), 1, channels, channels, 1);
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("backends")
    void eightThreadsGetTheSequentialResultsBitForBit(Supplier<Backend> open) throws Exception {
        List<Work> work = new ArrayList<>();
        for (int t = 0; t < THREADS; t++) {
            work.add(Work.forThread(t));
        }
        try (Backend backend = open.get()) {
            List<Tensor[]> expected = new ArrayList<>();
            for (Work w : work) {
                expected.add(new Tensor[] {w.onHost(backend), w.onDevice(backend, w.pointwise())});
            }
            ExecutorService pool = Executors.newFixedThreadPool(THREADS);
            try {
                CountDownLatch start = new CountDownLatch(1);
                List<Future<Integer>> results = new ArrayList<>();
                for (int t = 0; t < THREADS; t++) {
                    Work w = work.get(t);
                    Tensor[] reference = expected.get(t);
                    Callable<Integer> task = () -> {
                        Tensor pointwise = w.pointwise();
                        start.await();
                        for (int round = 0; round < ROUNDS; round++) {
                            assertArrayEquals(reference[0].toDoubleArray(), w.onHost(backend).toDoubleArray());
                            assertArrayEquals(reference[1].toDoubleArray(),
                                    w.onDevice(backend, pointwise).toDoubleArray());
                        }
                        return ROUNDS;
                    };
                    results.add(pool.submit(task));
                }
                start.countDown();
                for (Future<Integer> result : results) {
                    assertEquals(ROUNDS, result.get(2, TimeUnit.MINUTES)); // rethrows a thread's failure
                }
            } finally {
                pool.shutdownNow();
            }
        }
    }
}
