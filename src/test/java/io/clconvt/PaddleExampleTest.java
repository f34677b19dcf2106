package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import io.clconvt.testing.OpenClSupport;
import org.junit.jupiter.api.Test;

/** The example of Paddle's conv1d_transpose documentation, worked by hand there. */
class PaddleExampleTest {
    private static final Tensor X = Tensor.of(new float[] {4, 0, 9, 7, 8, 0, 9, 2}, 1, 2, 4);
    private static final Tensor W = Tensor.of(new float[] {7, 0, 4, 2}, 2, 1, 2);
    private static final float[] EXPECTED = {60, 16, 99, 75, 4};

    @Test
    void cpuGivesTheDocumentedOutput() {
        try (Backend cpu = Backends.cpu()) {
            check(cpu);
        }
    }

    @Test
    void openClGivesTheDocumentedOutput() {
        try (Backend openCl = OpenClSupport.backend()) {
            check(openCl);
        }
    }

    private static void check(Backend backend) {
        Tensor y = backend.convTranspose1d(X, W, null, ConvTranspose1dParams.builder().build());
        assertArrayEquals(new int[] {1, 1, 5}, y.shape());
        assertArrayEquals(EXPECTED, y.toFloatArray());
    }
}
