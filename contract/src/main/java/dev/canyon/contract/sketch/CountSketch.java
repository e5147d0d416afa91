package dev.canyon.contract.sketch;

/**
 * A seeded CountSketch (Charikar, Chen and Farach-Colton 2002; as a Johnson-Lindenstrauss
 * embedding, Clarkson and Woodruff 2013): coordinate i of a d-dimensional vector is added, with
 * sign s(i) ∈ {−1, +1}, to bucket h(i) ∈ [0, k). The map is linear, so sketches add and subtract
 * like the vectors they stand for (the sketch of θ_t − θ_0 is the sum of the sketches of the
 * deltas), and inner products and norms are preserved in expectation: E⟨Sx, Sy⟩ = ⟨x, y⟩, with
 * a relative error of about √(2/k) on squared norms of dense vectors.
 *
 * <p>Every party that compares sketches must use the same (d, k, seed): the trainer takes the
 * seed from the experiment so that all runs of an experiment live in one sketch space. h and s
 * come from SplitMix64 of (seed, i), so they are the same on every machine and JVM.
 *
 * <p>Cost: construction O(d) time and 4·d bytes (bucket and sign packed in one int); {@link
 * #apply} one pass over d. NaN and infinities propagate into the buckets they fall in. Thread-safe
 * after construction.
 */
public final class CountSketch {
    private final int dimension;
    private final int size;
    private final long seed;
    /** Bucket in the low 31 bits, sign in the top bit (set = negative). */
    private final int[] map;

    /** The sketch of d-dimensional vectors into k buckets with hash seed {@code seed}. */
    public CountSketch(int dimension, int size, long seed) {
        if (dimension < 1) {
            throw new IllegalArgumentException("sketch input dimension must be >= 1, got " + dimension);
        }
        if (size < 1) {
            throw new IllegalArgumentException("sketch size k must be >= 1, got " + size);
        }
        this.dimension = dimension;
        this.size = size;
        this.seed = seed;
        this.map = new int[dimension];
        for (int i = 0; i < dimension; i++) {
            long h = splitMix64(seed ^ splitMix64(i + 0x9E3779B97F4A7C15L));
            int bucket = (int) Long.remainderUnsigned(h >>> 1, size);
            map[i] = (h & 1L) != 0 ? (bucket | Integer.MIN_VALUE) : bucket;
        }
    }

    /** d, the dimension of the vectors this sketch takes. */
    public int dimension() {
        return dimension;
    }

    /** k, the number of buckets. */
    public int size() {
        return size;
    }

    public long seed() {
        return seed;
    }

    /** Writes the sketch of {@code x} (length d) into {@code out} (length k), overwriting it. */
    public void apply(float[] x, float[] out) {
        if (x.length != dimension || out.length != size) {
            throw new IllegalArgumentException("sketch maps " + dimension + " -> " + size + " values, got " + x.length
                    + " -> " + out.length);
        }
        java.util.Arrays.fill(out, 0f);
        for (int i = 0; i < dimension; i++) {
            int m = map[i];
            float v = x[i];
            out[m & Integer.MAX_VALUE] += m < 0 ? -v : v;
        }
    }

    /**
     * The bucket of coordinate {@code i} in the low 31 bits and its sign in the top bit (set =
     * negative): lets a caller fuse sketching into a pass of its own ({@code out[slot & 0x7FFFFFFF]
     * += slot < 0 ? -v : v}).
     */
    public int slot(int i) {
        return map[i];
    }

    /** The sketch of {@code x} as a new array. */
    public float[] apply(float[] x) {
        float[] out = new float[size];
        apply(x, out);
        return out;
    }

    /** A stable seed for an experiment id: all runs of one experiment share it unless told otherwise. */
    public static long seedFor(String experimentId) {
        long h = 0xCBF29CE484222325L;
        for (byte b : experimentId.getBytes(java.nio.charset.StandardCharsets.UTF_8)) {
            h ^= b & 0xFF;
            h *= 0x100000001B3L;
        }
        return splitMix64(h);
    }

    static long splitMix64(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
