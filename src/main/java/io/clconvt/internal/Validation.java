package io.clconvt.internal;

import io.clconvt.DType;

/** Argument checks shared by every public entry point, so each rule has one message. */
public final class Validation {
    private Validation() {
    }

    public static int requirePositive(String name, int value) {
        if (value < 1) {
            throw new IllegalArgumentException(name + " must be at least 1, got " + value);
        }
        return value;
    }

    public static int requireNonNegative(String name, int value) {
        if (value < 0) {
            throw new IllegalArgumentException(name + " must not be negative, got " + value);
        }
        return value;
    }

    public static <T> T requireNonNull(String name, T value) {
        if (value == null) {
            throw new IllegalArgumentException(name + " must not be null");
        }
        return value;
    }

    /**
     * Refuses, before anything is allocated, a host allocation of about {@code bytes} that the heap left
     * cannot hold with a quarter to spare, so that a too large call fails with a message instead of an
     * {@code OutOfMemoryError} that could strike any thread of the process.
     */
    public static void requireHeap(String what, long bytes) {
        long needed = bytes + bytes / 4;
        if (needed > freeHeap()) {
            System.gc(); // only at the edge: much of the heap in use may be garbage
            long free = freeHeap();
            if (needed > free) {
                throw new IllegalArgumentException(what + " needs about " + needed + " bytes of heap but "
                        + free + " are free of the " + Runtime.getRuntime().maxMemory()
                        + " the JVM may use (-Xmx)");
            }
        }
    }

    private static long freeHeap() {
        Runtime runtime = Runtime.getRuntime();
        return runtime.maxMemory() - (runtime.totalMemory() - runtime.freeMemory());
    }

    /**
     * Refuses a download of {@code size} elements of {@code dtype} into an array of {@code arrayType} (the dtypes
     * it holds) and {@code length} from {@code offset}.
     */
    public static void requireDestination(DType dtype, int size, boolean dtypeFits, String arrayType, int length,
            int offset) {
        if (!dtypeFits) {
            throw new IllegalArgumentException("a " + dtype + " tensor cannot be downloaded into a " + arrayType
                    + " array");
        }
        if (offset < 0 || (long) offset + size > length) {
            throw new IllegalArgumentException("the destination has " + length + " elements; the tensor needs " + size
                    + " from offset " + offset);
        }
    }

    public static int toIntExact(String what, long value) {
        if (value > Integer.MAX_VALUE || value < Integer.MIN_VALUE) {
            throw new IllegalArgumentException(what + " " + value + " does not fit in an int");
        }
        return (int) value;
    }
}
