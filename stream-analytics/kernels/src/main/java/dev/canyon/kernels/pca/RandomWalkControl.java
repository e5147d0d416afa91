package dev.canyon.kernels.pca;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;

/**
 * The random-walk control of trajectory PCA (seeds 000 and 002): random walks also put most of
 * their variance in the top components (for a long isotropic walk, PC i explains about 6/(π² i²):
 * 61 % and 15 % for the first two; Antognini and Sohl-Dickstein 2018), so a trajectory's explained
 * variance only means something beside that of a walk with the same step lengths. This kernel
 * takes each real step's length, makes a step of that length in a uniformly random direction of
 * R^k (seeded, see {@link #step}), and runs the same {@link TrajectoryPca} on the walk.
 *
 * <p>Cost: O(k) per step plus the PCA's. A NaN, infinite or negative length is rejected with
 * {@link IllegalArgumentException} and changes nothing. Before any step the PCA holds only the
 * origin, and the ratios are empty (as they are for any walk without spread).
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}). There is
 * no generator state to keep: step n's direction comes from a generator seeded with (seed, n), so
 * the seed and the step count are all a restored walk needs to go on drawing the same directions.
 * The PCA's state is embedded in its own format, with its own version.
 *
 * <table>
 *   <caption>RandomWalkControl state, version 1</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 1, kernel code {@value StateFormat#RANDOM_WALK_CONTROL}</td></tr>
 *   <tr><td>long</td><td>seed</td></tr>
 *   <tr><td>long</td><td>steps taken (≥ 0)</td></tr>
 *   <tr><td>int</td><td>k, the dimension (≥ 1)</td></tr>
 *   <tr><td>k × float</td><td>the walk's position</td></tr>
 *   <tr><td>TrajectoryPca state</td><td>the walk's PCA, of dimension k ({@link TrajectoryPca#writeTo})</td></tr>
 * </table>
 */
public final class RandomWalkControl {
    /** Format version of the state {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 1;
    private static final String NAME = "RandomWalkControl";

    private final long seed;
    private long steps;
    private final float[] position;
    private final TrajectoryPca pca;

    /** A control walk in R^{dimension}, directions from {@code seed}, PCA with {@code rows} sketch rows. */
    public RandomWalkControl(int dimension, int rows, long seed) {
        this.seed = seed;
        this.position = new float[dimension];
        this.pca = new TrajectoryPca(dimension, rows);
        pca.update(position);
    }

    private RandomWalkControl(long seed, long steps, float[] position, TrajectoryPca pca) {
        this.seed = seed;
        this.steps = steps;
        this.position = position;
        this.pca = pca;
    }

    /** Writes this walk's state (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.RANDOM_WALK_CONTROL);
        out.writeLong(seed);
        out.writeLong(steps);
        out.writeInt(position.length);
        StateFormat.writeFloats(out, position);
        pca.writeTo(out);
    }

    /** Reads a walk written by {@link #writeTo}; {@link StateFormatException} if it cannot. */
    public static RandomWalkControl readFrom(DataInput in) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            StateFormat.readHeader(i, NAME, StateFormat.RANDOM_WALK_CONTROL, SERIAL_VERSION);
            long seed = i.readLong();
            long steps = StateFormat.readLong(i, NAME, "step count", 0, Long.MAX_VALUE);
            int k = StateFormat.readInt(i, NAME, "dimension", 1, Integer.MAX_VALUE - 8);
            float[] position = StateFormat.readFloats(i, k);
            TrajectoryPca pca;
            try {
                pca = TrajectoryPca.readFrom(i);
            } catch (StateFormatException e) {
                throw new StateFormatException(NAME + " state, its PCA: " + e.getMessage(), e);
            }
            if (pca.dimension() != k) {
                throw new StateFormatException(NAME + " state: a walk in dimension " + k + " with a PCA of dimension "
                        + pca.dimension());
            }
            return new RandomWalkControl(seed, steps, position, pca);
        });
    }

    /**
     * This walk's state as bytes ({@link #writeTo}); {@link IllegalStateException} if its PCA is
     * beyond what a state may hold ({@link TrajectoryPca}).
     */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The walk whose state {@code bytes} holds, all of it ({@link #readFrom}). */
    public static RandomWalkControl heapify(byte[] bytes) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, RandomWalkControl::readFrom);
    }

    /**
     * Takes a step of length {@code length} in a random direction: a vector of independent random
     * signs scaled to the length (isotropic in distribution's second moments, which is all PCA sees,
     * and O(k/64) random draws instead of k Gaussians). The direction of step n depends only on the
     * seed and n, so the walk carries no generator state and replays identically after a restore.
     */
    public void step(double length) {
        step(length, true);
    }

    /**
     * Takes a step; its new position enters the PCA only when {@code sample} is true (a trajectory
     * sampled every n-th step gets a control sampled the same way).
     */
    public void step(double length, boolean sample) {
        if (!(length >= 0) || Double.isInfinite(length)) {
            throw new IllegalArgumentException("step length must be finite and >= 0, got " + length);
        }
        float scale = (float) (length / Math.sqrt(position.length));
        java.util.SplittableRandom random = new java.util.SplittableRandom(seed * 0x9E3779B97F4A7C15L + steps++);
        long bits = 0;
        for (int i = 0; i < position.length; i++) {
            if ((i & 63) == 0) {
                bits = random.nextLong();
            }
            position[i] += (bits & 1) == 0 ? scale : -scale;
            bits >>>= 1;
        }
        if (sample) {
            pca.update(position);
        }
    }

    /** Steps taken. */
    public long steps() {
        return steps;
    }

    /** Explained-variance ratios of the walk's top {@code r} components. */
    public double[] explainedVarianceRatios(int r) {
        return pca.result(r).explainedVarianceRatios();
    }
}
