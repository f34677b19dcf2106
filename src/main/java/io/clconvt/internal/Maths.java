package io.clconvt.internal;

/** Integer arithmetic the launchers and the planner share. */
public final class Maths {
    private Maths() {
    }

    public static int gcd(int a, int b) {
        return b == 0 ? a : gcd(b, a % b);
    }

    /** The x in [0, modulus) with value * x == 1 (mod modulus), for coprime arguments; 0 for modulus 1. */
    public static int modularInverse(int value, int modulus) {
        if (modulus == 1) {
            return 0;
        }
        // Extended Euclid on longs: the intermediate coefficients fit easily.
        long oldR = value % modulus;
        long r = modulus;
        long oldS = 1;
        long s = 0;
        while (r != 0) {
            long q = oldR / r;
            long nextR = oldR - q * r;
            oldR = r;
            r = nextR;
            long nextS = oldS - q * s;
            oldS = s;
            s = nextS;
        }
        return (int) (((oldS % modulus) + modulus) % modulus);
    }
}
