package dev.canyon.kernels.distance;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.vector.VectorOps;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
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
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}), after
 * {@link StateFormat}'s two-byte header:
 *
 * <table>
 *   <caption>DistanceTravelled state, version 1</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 1, kernel code {@value StateFormat#DISTANCE_TRAVELLED}</td></tr>
 *   <tr><td>long</td><td>steps (≥ 0)</td></tr>
 *   <tr><td>double</td><td>path length</td></tr>
 *   <tr><td>double</td><td>last step length</td></tr>
 *   <tr><td>int</td><td>d, the dimension of the running sum; −1 before the first delta</td></tr>
 *   <tr><td>d × double</td><td>the running sum θ_t − θ_0</td></tr>
 * </table>
 */
public final class DistanceTravelled {
    /** Format version of the state {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 1;
    private static final String NAME = "DistanceTravelled";

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

    /** Writes this accumulator's state (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.DISTANCE_TRAVELLED);
        out.writeLong(steps);
        out.writeDouble(pathLength);
        out.writeDouble(lastStepLength);
        if (sum == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(sum.length);
            StateFormat.writeDoubles(out, sum);
        }
    }

    /** Reads an accumulator written by {@link #writeTo}; {@link StateFormatException} if it cannot. */
    public static DistanceTravelled readFrom(DataInput in) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            StateFormat.readHeader(i, NAME, StateFormat.DISTANCE_TRAVELLED, SERIAL_VERSION);
            long steps = StateFormat.readLong(i, NAME, "step count", 0, Long.MAX_VALUE);
            double pathLength = i.readDouble();
            double lastStepLength = i.readDouble();
            int d = StateFormat.readInt(i, NAME, "dimension", -1, Integer.MAX_VALUE - 8);
            DistanceTravelled acc = new DistanceTravelled(d < 0 ? null : StateFormat.readDoubles(i, d), pathLength, steps);
            acc.lastStepLength = lastStepLength;
            return acc;
        });
    }

    /** This accumulator's state as bytes ({@link #writeTo}). */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The accumulator whose state {@code bytes} holds, all of it ({@link #readFrom}). */
    public static DistanceTravelled heapify(byte[] bytes) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, DistanceTravelled::readFrom);
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
