package io.clconvt.internal.opencl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.clconvt.Activation;
import io.clconvt.Backend;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.DeviceTensor;
import io.clconvt.Padding;
import io.clconvt.Tensor;
import io.clconvt.testing.OpenClSupport;
import io.clconvt.testing.TestTensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * 10,000 mixed calls on one OpenCL backend, failing ones included, leave nothing behind: the live
 * device-buffer count stays bounded while it runs and returns to its start when the backend closes, and
 * the process's resident memory does not grow once warm.
 */
class ResourceTest {
    private static final int CALLS = 10_000;
    private static final int WARM_UP_CALLS = 1_000;
    /** Generous: the JVM's own heap may still settle; a native leak per call would exceed it many times. */
    private static final long MAX_RSS_GROWTH_BYTES = 64L << 20;

    /** Tiny shapes, so that 10,000 calls take seconds: the point is the call count, not the work. */
    private static final SplittableRandom RANDOM = new SplittableRandom(3);
    private static final Tensor X = TestTensors.random(RANDOM, DType.FLOAT32, 1, 1, 4, 9);
    private static final Tensor X_LONGER = TestTensors.random(RANDOM, DType.FLOAT32, 1, 2, 4, 17);
    private static final Tensor W = TestTensors.random(RANDOM, DType.FLOAT32, 1, 4, 3, 4);
    private static final Tensor W2 = TestTensors.random(RANDOM, DType.FLOAT32, 1, 3, 2, 3);
    private static final Tensor B = TestTensors.random(RANDOM, DType.FLOAT32, 1, 3);
    private static final Tensor WRONG_BIAS = TestTensors.random(RANDOM, DType.FLOAT32, 1, 5);
    private static final ConvTranspose1dParams UP = ConvTranspose1dParams.builder().stride(2).padding(1)
            .activation(Activation.leakyRelu(0.2)).build();
    private static final ConvTranspose1dParams SAME = ConvTranspose1dParams.builder().padding(Padding.SAME).build();

    @Test
    void tenThousandMixedCallsLeakNothing() {
        int before = ClBuffer.liveCount();
        OptionalLong warmRss = OptionalLong.empty();
        int bound = 0;
        try (Backend backend = OpenClSupport.backend()) {
            for (int call = 0; call < CALLS; call++) {
                mixedCall(backend, call);
                if (call == WARM_UP_CALLS) {
                    // Every shape has run: pools and caches hold what they will ever hold.
                    bound = ClBuffer.liveCount();
                    warmRss = residentBytes();
                } else if (call > WARM_UP_CALLS) {
                    int live = ClBuffer.liveCount();
                    if (live > bound) {
                        throw new AssertionError("call " + call + ": " + live + " live buffers, more than the "
                                + bound + " a warm backend holds");
                    }
                }
            }
            OptionalLong finalRss = residentBytes();
            if (warmRss.isPresent() && finalRss.isPresent()) {
                long growth = finalRss.getAsLong() - warmRss.getAsLong();
                assertTrue(growth < MAX_RSS_GROWTH_BYTES, "resident memory grew by " + (growth >> 20) + " MiB over "
                        + (CALLS - WARM_UP_CALLS) + " warm calls");
            }
        }
        assertEquals(before, ClBuffer.liveCount(), "close releases every buffer");
    }

    /** One of eight kinds of call, failures included, chosen by {@code call}. */
    private static void mixedCall(Backend backend, int call) {
        switch (call % 8) {
            case 0 -> backend.convTranspose1d(X, W, B, UP);
            case 1 -> backend.convTranspose1d(X_LONGER, W, null, SAME);
            case 2 -> {
                try (DeviceTensor x = backend.upload(X); DeviceTensor h = backend.convTranspose1d(x, W, B, UP);
                        DeviceTensor y = backend.convTranspose1d(h, W2, null, SAME)) {
                    y.download();
                }
            }
            case 3 -> assertThrows(IllegalArgumentException.class,
                    () -> backend.convTranspose1d(X, W, WRONG_BIAS, UP));
            case 4 -> {
                try (DeviceTensor x = backend.upload(X)) {
                    assertThrows(IllegalArgumentException.class, () -> backend.convTranspose1d(x, W2, null, SAME));
                }
            }
            case 5 -> {
                DeviceTensor x = backend.upload(X_LONGER);
                x.close();
                assertThrows(IllegalStateException.class, () -> backend.convTranspose1d(x, W, null, SAME));
            }
            case 6 -> backend.upload(X).close();
            default -> backend.convTranspose1d(X, W, B, SAME.toBuilder().activation(Activation.SILU).build());
        }
    }

    /** VmRSS from /proc/self/status; empty where there is no /proc (not Linux), which skips that check. */
    private static OptionalLong residentBytes() {
        Path status = Path.of("/proc/self/status");
        if (!Files.isReadable(status)) {
            return OptionalLong.empty();
        }
        try {
            return Files.readAllLines(status).stream().filter(line -> line.startsWith("VmRSS:"))
                    .mapToLong(line -> Long.parseLong(line.replaceAll("\\D", "")) * 1024).findFirst();
        } catch (IOException e) {
            return OptionalLong.empty();
        }
    }
}
