package dev.canyon.kernels.pca;

/**
 * The random-walk control of trajectory PCA (seeds 000 and 002): random walks also put most of
 * their variance in the top components (for a long isotropic walk, PC i explains about 6/(π² i²):
 * 61 % and 15 % for the first two; Antognini and Sohl-Dickstein 2018), so a trajectory's explained
 * variance only means something beside that of a walk with the same step lengths. This kernel
 * takes each real step's length, makes a step of that length in a uniformly random direction of
 * R^k (seeded, see {@link #step}), and runs the same {@link TrajectoryPca} on the walk.
 *
 * <p>Cost: O(k) per step plus the PCA's. A NaN, infinite or negative length is rejected with
 * {@link IllegalArgumentException} and changes nothing.
 */
public final class RandomWalkControl {
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
