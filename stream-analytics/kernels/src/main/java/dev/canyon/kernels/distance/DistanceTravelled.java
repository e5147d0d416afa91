package dev.canyon.kernels.distance;

import dev.canyon.kernels.vector.VectorOps;
import java.util.Arrays;

/**
 * Distance travelled in weight space (Lipton 2016, seed 002): path length Σ‖Δθ_i‖ and displacement
 * ‖θ_t − θ_0‖ = ‖Σ Δθ_i‖, accumulated from the weight deltas of successive steps. Sums are in
 * double; the displacement is exact up to the rounding of each delta (which telescopes).
 *
 * <p>Invariant: {@link #pathLength()} ≥ {@link #displacement()} (triangle inequality), up to
 * rounding. Empty: both 0. Input with NaN or infinity, or of a different dimension than the first
 * delta, is rejected with {@link IllegalArgumentException} and leaves the state unchanged.
 * Cost per update: one pass over d; memory: d doubles.
 */
public final class DistanceTravelled {
    private double[] sum;
    private double pathLength;
    private double lastStepLength;
    private long steps;

    /** An empty accumulator. */
    public DistanceTravelled() {}

    /** Restores an accumulator from its parts (see {@link #sumView()}). */
    public DistanceTravelled(double[] sum, double pathLength, long steps) {
        this.sum = sum;
        this.pathLength = pathLength;
        this.steps = steps;
    }

    /** Adds one step's weight delta Δθ_t. */
    public void update(float[] delta) {
        if (sum != null && delta.length != sum.length) {
            throw new IllegalArgumentException("delta has " + delta.length + " values, this run's earlier deltas had " + sum.length);
        }
        double ss = VectorOps.squaredNorm(delta);
        if (!Double.isFinite(ss)) {
            throw new IllegalArgumentException("delta contains NaN or infinite values");
        }
        if (sum == null) {
            sum = new double[delta.length];
        }
        for (int i = 0; i < delta.length; i++) {
            sum[i] += delta[i];
        }
        lastStepLength = Math.sqrt(ss);
        pathLength += lastStepLength;
        steps++;
    }

    /** Whether no delta has been added. */
    public boolean isEmpty() {
        return steps == 0;
    }

    /** Number of deltas added. */
    public long steps() {
        return steps;
    }

    /** ‖Δθ‖ of the last delta added; 0 when empty. */
    public double lastStepLength() {
        return lastStepLength;
    }

    /** Σ‖Δθ_i‖. */
    public double pathLength() {
        return pathLength;
    }

    /** ‖θ_t − θ_0‖. */
    public double displacement() {
        return sum == null ? 0 : VectorOps.norm(sum);
    }

    /** displacement / path length in [0, 1]; 1 when empty (no movement is a straight line). */
    public double straightness() {
        return pathLength == 0 ? 1 : Math.min(1, displacement() / pathLength);
    }

    /** The running sum θ_t − θ_0 (not a copy: for checkpointing); null when empty. */
    public double[] sumView() {
        return sum;
    }

    @Override
    public String toString() {
        return "DistanceTravelled[steps=" + steps + ", path=" + pathLength + ", displacement=" + displacement()
                + ", d=" + (sum == null ? 0 : sum.length) + "]";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof DistanceTravelled other && other.steps == steps && other.pathLength == pathLength
                && Arrays.equals(other.sum, sum);
    }

    @Override
    public int hashCode() {
        return Long.hashCode(steps) * 31 + Double.hashCode(pathLength);
    }
}
