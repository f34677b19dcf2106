package io.clconvt;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.clconvt.testing.ChildJvm;
import io.clconvt.testing.OpenClSupport;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Whatever cannot be returned is refused before the work, not after it: a stack whose result would not
 * fit the heap, and a device tensor's download, in a child JVM with a 64 MiB heap (an OutOfMemoryError
 * after minutes of computing is what a server must not see).
 */
class HeapRefusalTest {
    /** A 1 -> 1 layer of stride 2^20: 64 inputs become 64 Mi outputs, 256 MiB in FLOAT32. */
    private static final int STRIDE = 1 << 20;

    @Test
    void aResultLargerThanTheHeapIsRefusedBeforeAnyWork() throws Exception {
        OpenClSupport.backend().close(); // fails under CI, skips elsewhere, when there is no device
        ChildJvm.Result result = ChildJvm.run(120, List.of("-Xmx64m"), Child.class);
        assertEquals(0, result.exitCode(), result.toString());
        assertEquals(List.of("cpu forward: refused", "opencl forward: refused", "opencl download: refused"),
                result.lines("RESULT "), result.toString());
    }

    /** The child: each refusal must come as IllegalArgumentException naming the heap, quickly. */
    static final class Child {
        public static void main(String[] args) {
            Sequential stack = Sequential.of(ConvTranspose1d.of(Tensor.of(new float[] {1}, 1, 1, 1), null,
                    ConvTranspose1dParams.builder().stride(STRIDE).build()));
            Tensor x = Tensor.of(new float[64], 1, 1, 64);
            try (Backend cpu = Backends.cpu(); Backend openCl = Backends.openCl()) {
                report("cpu forward", () -> stack.forward(cpu, x));
                report("opencl forward", () -> stack.forward(openCl, x));
                try (DeviceTensor device = stack.layer(0).forward(openCl, openCl.upload(x))) {
                    report("opencl download", device::download);
                }
            }
        }

        private static void report(String what, Runnable call) {
            long start = System.nanoTime();
            try {
                call.run();
                System.out.println("RESULT " + what + ": returned");
            } catch (IllegalArgumentException e) {
                long millis = (System.nanoTime() - start) / 1_000_000;
                boolean clean = e.getMessage().contains("heap") && millis < 10_000;
                System.out.println("RESULT " + what + ": " + (clean ? "refused" : "refused late or unclear: " + e
                        + " after " + millis + " ms"));
            } catch (OutOfMemoryError e) {
                System.out.println("RESULT " + what + ": OutOfMemoryError");
            }
        }
    }
}
