package dev.canyon.kernels.sketch;

/**
 * A seeded CountSketch (Charikar, Chen and Farach-Colton 2002; as a Johnson-Lindenstrauss
 * embedding, Clarkson and Woodruff 2013): coordinate i of a d-dimensional vector is added, with
 * sign s(i) ∈ {−1, +1}, to bucket h(i) ∈ [0, k). The map is linear, so sketches add and subtract
 * like the vectors they stand for (the sketch of θ_t − θ_0 is the sum of the sketches of the
 * deltas), and inner products and norms are preserved in expectation: E⟨Sx, Sy⟩ = ⟨x, y⟩, with
 * a relative error of about √(2/k) on squared norms of dense vectors.
 *
 * <p>Hash family, chosen for speed: the coordinates are cut into blocks of k, and block b is
 * written to the buckets cyclically shifted by a random offset o_b, h(i) = (i mod k + o_{⌊i/k⌋})
 * mod k. Two coordinates of one block never collide; two of different blocks collide with
 * probability exactly 1/k. That pairwise collision bound, with independent uniform random signs, is
 * all the CountSketch variance bound uses. In exchange the buckets are written in two contiguous
 * runs per block instead of scattered, which makes sketching several times faster.
 *
 * <p>Every party that compares sketches must use the same (d, k, seed): the trainer takes the
 * seed from the experiment so that all runs of an experiment live in one sketch space. Signs and
 * offsets come from SplitMix64 of (seed, index), the same on every machine and JVM.
 *
 * <p>Cost: construction O(d) time and 4·d bytes (the signs); {@link #apply} one sequential pass
 * over d. NaN and infinities propagate into the buckets they fall in. Thread-safe after
 * construction.
 */
public final class CountSketch {
    private final int dimension;
    private final int size;
    private final long seed;
    private final float[] signs;
    private final int[] offsets;

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
        this.signs = new float[dimension];
        for (int w = 0; w * 64 < dimension; w++) {
            long bits = splitMix64(seed ^ splitMix64(w + 0x9E3779B97F4A7C15L));
            for (int j = 0; j < 64 && w * 64 + j < dimension; j++) {
                signs[w * 64 + j] = ((bits >>> j) & 1L) != 0 ? -1f : 1f;
            }
        }
        this.offsets = new int[(dimension + size - 1) / size];
        for (int b = 0; b < offsets.length; b++) {
            long h = splitMix64(~seed ^ splitMix64(b + 0x632BE59BD9B4E019L));
            offsets[b] = (int) Long.remainderUnsigned(h, size);
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
        accumulate(x, 0, dimension, out);
    }

    /** The sketch of {@code x} as a new array. */
    public float[] apply(float[] x) {
        float[] out = new float[size];
        apply(x, out);
        return out;
    }

    /**
     * Adds the sketch of coordinates [from, to) of {@code x} into {@code out}: what a caller's own
     * pass over x uses to fuse sketching into it, chunk by chunk, in coordinate order (so the result
     * is bit-identical to {@link #apply}).
     */
    public void accumulate(float[] x, int from, int to, float[] out) {
        int i = from;
        while (i < to) {
            int block = i / size;
            int blockEnd = Math.min(to, (block + 1) * size);
            int bucket = (i - block * size + offsets[block]) % size;
            int run = Math.min(blockEnd - i, size - bucket);
            for (int j = 0; j < run; j++) {
                out[bucket + j] += signs[i + j] * x[i + j];
            }
            i += run;
            for (int j = 0; i + j < blockEnd; j++) {
                out[j] += signs[i + j] * x[i + j];
            }
            i = blockEnd;
        }
    }

    /** h(i), the bucket coordinate {@code i} is added to. */
    public int bucket(int i) {
        int block = i / size;
        return (i - block * size + offsets[block]) % size;
    }

    /**
     * The signs s(i) as ±1 floats: the sketch's own array, shared (not copied) for callers' fused
     * passes that sketch while they read a vector anyway. Read only: writing to it changes the sketch.
     */
    public float[] signsView() {
        return signs;
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
