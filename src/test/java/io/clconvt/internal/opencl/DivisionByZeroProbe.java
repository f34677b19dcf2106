package io.clconvt.internal.opencl;

/**
 * Initialises OpenCL's devices (POCL installs its SIGFPE handler then), then divides by zero 5,000 times
 * among 5,000,000 divisions, enough for the JIT to compile the loop, whose division by zero the JVM
 * detects through SIGFPE; prints how many threw. Without libjsig on POCL some return the dividend instead
 * (docs/troubleshooting.md).
 */
public final class DivisionByZeroProbe {
    static final int DIVISIONS = 5_000_000;
    static final int BY_ZERO = 5_000;

    private DivisionByZeroProbe() {
    }

    public static void main(String[] args) {
        System.out.println("devices " + ClDevice.all().size());
        int thrown = 0;
        long sum = 0;
        for (int i = 0; i < DIVISIONS; i++) {
            try {
                sum += 1000 / divisor(i);
            } catch (ArithmeticException e) {
                thrown++;
            }
        }
        System.out.println("thrown " + thrown);
        System.out.println("sum " + sum);
    }

    private static int divisor(int i) {
        return i % (DIVISIONS / BY_ZERO) == 0 ? 0 : 7;
    }
}
