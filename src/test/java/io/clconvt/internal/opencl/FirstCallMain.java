package io.clconvt.internal.opencl;

import io.clconvt.Activation;
import io.clconvt.Backend;
import io.clconvt.Backends;
import io.clconvt.ConvTranspose1d;
import io.clconvt.ConvTranspose1dParams;
import io.clconvt.DType;
import io.clconvt.Sequential;
import io.clconvt.Tensor;
import java.util.Locale;
import java.util.SplittableRandom;
import org.slf4j.LoggerFactory;

/**
 * The measurement of docs/program-cache.md, one per process: the first call of the two-layer HiFi-GAN-style
 * upsampler (512 → 256 → 128 channels, K 16, stride 8, leaky ReLU fused, 86 frames) in a fresh process,
 * with {@code prepare} ({@code prepare} as the first argument) or without. Prints one line of milliseconds:
 * opening the backend (JOCL, the OpenCL runtime's start, the context), preparing, the first call, and the three
 * together.
 */
public final class FirstCallMain {
    private FirstCallMain() {
    }

    public static void main(String[] args) {
        boolean prepare = args.length > 0 && args[0].equals("prepare");
        ConvTranspose1dParams up8 = ConvTranspose1dParams.builder().stride(8).padding(4)
                .activation(Activation.leakyRelu(0.1)).build();
        Sequential stack = Sequential.builder().add(new ConvTranspose1d(512, 256, 16, up8, true, 1L))
                .add(new ConvTranspose1d(256, 128, 16, up8, true, 2L)).build();
        Tensor x = Tensor.of(new SplittableRandom(3).doubles(512 * 86, -1, 1).toArray(), 1, 512, 86)
                .to(DType.FLOAT32);
        // The logging framework starts with the application, not with the library (logback took 0.34-0.38 s
        // here): started first, it stays out of "open".
        LoggerFactory.getLogger(FirstCallMain.class).debug("first call of the two-layer upsampler");
        long start = System.nanoTime();
        try (Backend backend = Backends.openCl()) {
            long opened = System.nanoTime();
            if (prepare) {
                stack.prepare(backend, DType.FLOAT32, 1, 512, 86);
            }
            long prepared = System.nanoTime();
            Tensor y = stack.forward(backend, x);
            long called = System.nanoTime();
            System.out.printf(Locale.ROOT, "first-call open %.0f prepare %.0f call %.0f total %.0f ms (output %d)%n",
                    (opened - start) / 1e6, (prepared - opened) / 1e6, (called - prepared) / 1e6,
                    (called - start) / 1e6, y.size());
        }
    }
}
