package io.clconvt.internal;

/**
 * Conversions between double and the 16-bit storage types, bit patterns in a {@code short}: IEEE 754
 * binary16 ({@link DType#FLOAT16}: 1 sign, 5 exponent, 10 fraction bits) and bfloat16
 * ({@link DType#BFLOAT16}: 1 sign, 8 exponent, 7 fraction bits, the upper half of a binary32).
 *
 * <p>Narrowing rounds once, directly from double, to nearest with ties to even, with gradual underflow to
 * subnormals and overflow to infinity; converting double to float first and then to 16 bits would round
 * twice and could be off by one unit in rare ties. NaN stays a (quiet) NaN with its sign. Widening is exact.
 * (Java 17 has no {@code Float.floatToFloat16}; that came in Java 20.)
 */
public final class HalfFloats {
    private HalfFloats() {
    }

    /** The binary16 nearest to {@code value}, ties to even. */
    public static short toFloat16(double value) {
        return round(value, 10, 15);
    }

    /** The bfloat16 nearest to {@code value}, ties to even. */
    public static short toBfloat16(double value) {
        return round(value, 7, 127);
    }

    /** The value of a binary16, exactly. */
    public static float fromFloat16(short bits) {
        int exponent = (bits >> 10) & 0x1f;
        int fraction = bits & 0x3ff;
        float magnitude;
        if (exponent == 0x1f) {
            magnitude = fraction == 0 ? Float.POSITIVE_INFINITY : Float.NaN;
        } else if (exponent == 0) {
            magnitude = Math.scalb((float) fraction, -24); // subnormal: fraction * 2^-24
        } else {
            magnitude = Math.scalb((float) (fraction | 0x400), exponent - 25);
        }
        return bits < 0 ? -magnitude : magnitude;
    }

    /** The value of a bfloat16, exactly. */
    public static float fromBfloat16(short bits) {
        return Float.intBitsToFloat((bits & 0xffff) << 16);
    }

    /**
     * Rounds to a binary format with {@code fractionBits} and exponent {@code bias}, whose normal exponents run
     * from 1 - bias to bias. The magnitude is scaled by a power of two to an integer significand (exact),
     * rounded with {@link Math#rint} (ties to even), and placed: the encoding's exponent field and fraction are
     * contiguous, so a significand that rounds up to the next power of two carries into the exponent, and
     * from the largest finite value into the infinity pattern, on its own.
     */
    private static short round(double value, int fractionBits, int bias) {
        int sign = Double.doubleToRawLongBits(value) < 0 ? 0x8000 : 0;
        double magnitude = Math.abs(value);
        int infinity = (2 * bias + 1) << fractionBits; // exponent field all ones, fraction 0
        if (Double.isNaN(value)) {
            return (short) (sign | infinity | 1 << (fractionBits - 1));
        }
        int exponent = Math.getExponent(magnitude); // floor(log2), for subnormal doubles below -1022
        if (exponent > bias) {
            return (short) (sign | infinity);
        }
        int bits;
        if (exponent < 1 - bias) {
            // Subnormal: a multiple of 2^(1 - bias - fractionBits); a count of 2^fractionBits is the smallest normal.
            bits = (int) Math.rint(Math.scalb(magnitude, bias - 1 + fractionBits));
        } else {
            long significand = (long) Math.rint(Math.scalb(magnitude, fractionBits - exponent)); // in [2^f, 2^(f+1)]
            bits = ((exponent + bias) << fractionBits) + (int) (significand - (1L << fractionBits));
        }
        return (short) (sign | bits);
    }
}
