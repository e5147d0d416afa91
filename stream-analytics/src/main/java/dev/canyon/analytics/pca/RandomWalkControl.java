package dev.canyon.analytics.pca;

import java.util.Random;

/**
 * The random-walk control of trajectory PCA (seeds 000 and 002): random walks also put most of
 * their variance in the top components (for a long isotropic walk, PC i explains about 6/(π² i²):
 * 61 % and 15 % for the first two; Antognini and Sohl-Dickstein 2018), so a trajectory's explained
 * variance only means something beside that of a walk with the same step lengths. This kernel
 * takes each real step's length, makes a step of that length in a uniformly random direction of
 * R^k (seeded), and runs the same {@link TrajectoryPca} on the walk.
 *
 * <p>Cost: O(k) per step plus the PCA's. A NaN, infinite or negative length is rejected with
 * {@link IllegalArgumentException} and changes nothing.
 */
public final class RandomWalkControl {
    private final Random random;
    private final float[] position;
    private final double[] direction;
    private final TrajectoryPca pca;

    /** A control walk in R^{dimension}, directions from {@code seed}, PCA with {@code rows} sketch rows. */
    public RandomWalkControl(int dimension, int rows, long seed) {
        this.random = new Random(seed);
        this.position = new float[dimension];
        this.direction = new double[dimension];
        this.pca = new TrajectoryPca(dimension, rows);
        pca.update(position);
    }

    /** Takes a step of length {@code length}. */
    public void step(double length) {
        if (!(length >= 0) || Double.isInfinite(length)) {
            throw new IllegalArgumentException("step length must be finite and >= 0, got " + length);
        }
        double norm = 0;
        for (int i = 0; i < direction.length; i++) {
            direction[i] = random.nextGaussian();
            norm += direction[i] * direction[i];
        }
        double scale = length / Math.sqrt(norm);
        for (int i = 0; i < direction.length; i++) {
            position[i] += (float) (direction[i] * scale);
        }
        pca.update(position);
    }

    /** Explained-variance ratios of the walk's top {@code r} components. */
    public double[] explainedVarianceRatios(int r) {
        return pca.result(r).explainedVarianceRatios();
    }
}
