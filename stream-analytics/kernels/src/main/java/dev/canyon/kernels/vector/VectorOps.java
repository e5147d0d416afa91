package dev.canyon.kernels.vector;

/**
 * The small vector operations the kernels share: inner products, norms and distances of float and
 * double vectors, always accumulated in double.
 *
 * <p>Accumulation order is part of the contract, because stored results must stay bit-identical:
 * every sum here is one accumulator, added in index order 0, 1, …, n−1, and each float is widened to
 * double before it is multiplied or subtracted. So {@code squaredNorm(x) == dot(x, x)} bit for bit,
 * and a caller that replaces its own loop of the same shape gets the same bits. (The PCA's Gram
 * matrices use a four-accumulator product instead, {@code TrajectoryPca}'s own; it is faster and
 * rounds differently, so it is not this one.)
 *
 * <p>Vectors of different lengths are rejected with {@link IllegalArgumentException}. NaN and
 * infinities propagate as IEEE arithmetic has it (a NaN or an infinity in, a NaN or an infinity
 * out); empty vectors give 0. Cost: one pass, no allocation.
 */
public final class VectorOps {
    private VectorOps() {}

    /** ⟨a, b⟩ in double. */
    public static double dot(float[] a, float[] b) {
        checkLengths(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** ⟨a, b⟩. */
    public static double dot(double[] a, double[] b) {
        checkLengths(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    /** ‖a‖² in double. */
    public static double squaredNorm(float[] a) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * a[i];
        }
        return s;
    }

    /** ‖a‖². */
    public static double squaredNorm(double[] a) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * a[i];
        }
        return s;
    }

    /** ‖a‖ in double. */
    public static double norm(float[] a) {
        return Math.sqrt(squaredNorm(a));
    }

    /** ‖a‖. */
    public static double norm(double[] a) {
        return Math.sqrt(squaredNorm(a));
    }

    /** ‖a − b‖² in double (each difference taken in double, so no float cancellation). */
    public static double squaredDistance(float[] a, float[] b) {
        checkLengths(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = (double) a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /** ‖a − b‖². */
    public static double squaredDistance(double[] a, double[] b) {
        checkLengths(a.length, b.length);
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            double d = a[i] - b[i];
            s += d * d;
        }
        return s;
    }

    /** ‖a − b‖ in double. */
    public static double distance(float[] a, float[] b) {
        return Math.sqrt(squaredDistance(a, b));
    }

    /** ‖a − b‖. */
    public static double distance(double[] a, double[] b) {
        return Math.sqrt(squaredDistance(a, b));
    }

    private static void checkLengths(int a, int b) {
        if (a != b) {
            throw new IllegalArgumentException("vectors of " + a + " and " + b + " values");
        }
    }
}
