package dev.canyon.kernels.crossrun;

import dev.canyon.kernels.StateFormat;
import dev.canyon.kernels.StateFormatException;
import dev.canyon.kernels.vector.VectorOps;
import java.io.DataInput;
import java.io.DataOutput;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pairwise distances between the runs of one experiment at aligned steps (Lipton 2016, seed 002:
 * runs from one initialization with different shuffles, or clones of a partly trained run, drift
 * apart while staying about equally far from the origin). Each run offers θ_t at the same aligned
 * steps; when a run's θ at step s arrives, its distance to every run already kept at s is returned,
 * once per pair and step.
 *
 * <p>Memory: each run's first {@code perRun} aligned positions are kept (k floats each); later
 * ones are paired with what is kept but not kept themselves. Whether a position is kept depends
 * only on its own run's history, never on how the runs interleave, so the pairs found are the same
 * whether the runs trained one after the other or side by side (live or in a replay): every pair at
 * a step where at least one of the two runs is within its first {@code perRun} positions. Positions
 * of different dimensions are never paired. NaN or infinite values are rejected with {@link
 * IllegalArgumentException}, state unchanged; an empty kernel pairs nothing. Cost: O(runs · k) per
 * position.
 *
 * <p>State format ({@link #writeTo}, {@link #readFrom}; version {@value #SERIAL_VERSION}): the kept
 * positions by step. The runs of one step are written in the order this kernel pairs them (a
 * HashMap's) and re-inserted in that order, so that a restored kernel returns the same pairs in the
 * same order; the one exception is a step where 8 or more runs share a hash bin (a HashMap tree bin,
 * whose order depends on arrival order), where the same pairs may come in another order, as they
 * did after a Kryo restore. How many positions each run has kept is not written: it is the number
 * of its positions in the state.
 *
 * <table>
 *   <caption>CrossRunDistances state, version 1</caption>
 *   <tr><th>type</th><th>field</th></tr>
 *   <tr><td>byte, byte</td><td>format version 1, kernel code {@value StateFormat#CROSS_RUN_DISTANCES}</td></tr>
 *   <tr><td>int</td><td>positions kept per run (≥ 1)</td></tr>
 *   <tr><td>int</td><td>s, aligned steps with kept positions (≥ 0)</td></tr>
 *   <tr><td colspan="2">s times, steps ascending:</td></tr>
 *   <tr><td>long</td><td>the step</td></tr>
 *   <tr><td>int</td><td>m, runs kept at it (≥ 1)</td></tr>
 *   <tr><td colspan="2">m times:</td></tr>
 *   <tr><td>UTF</td><td>the run ({@link DataOutput#writeUTF}, so at most 65,535 bytes)</td></tr>
 *   <tr><td>long</td><td>its event time at the step, ms</td></tr>
 *   <tr><td>int</td><td>k, the dimension of θ (≥ 0)</td></tr>
 *   <tr><td>k × float</td><td>θ (finite)</td></tr>
 * </table>
 */
public final class CrossRunDistances {
    /** Format version of the state {@link #writeTo} writes. */
    public static final int SERIAL_VERSION = 1;
    private static final String NAME = "CrossRunDistances";

    /** A distance between two runs at one step, with each run's event time at that step. */
    public record Pair(String run, String other, long step, long runEventTimeMs, long otherEventTimeMs, double distance) {}

    /** A kept position. */
    record Kept(float[] theta, long eventTimeMs) {}

    private final int perRun;
    private final TreeMap<Long, Map<String, Kept>> byStep = new TreeMap<>();
    private final Map<String, Integer> keptPerRun = new HashMap<>();

    /** Keeps the first {@code perRun} aligned positions of each run. */
    public CrossRunDistances(int perRun) {
        if (perRun < 1) {
            throw new IllegalArgumentException("must keep at least one position per run, got " + perRun);
        }
        this.perRun = perRun;
    }

    /** Kryo. */
    CrossRunDistances() {
        this(1);
    }

    /**
     * ‖a − b‖, summed in double, for vectors of one length ({@link VectorOps#distance(float[],
     * float[])}); vectors of different lengths are rejected with {@link IllegalArgumentException}.
     */
    public static double distance(float[] a, float[] b) {
        return VectorOps.distance(a, b);
    }

    /** Adds {@code run}'s θ at {@code step}; returns its distances to the runs kept there. */
    public List<Pair> add(String run, long step, long eventTimeMs, float[] theta) {
        for (float v : theta) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("position of run " + run + " at step " + step + " is not finite");
            }
        }
        Map<String, Kept> at = byStep.get(step);
        List<Pair> out = new ArrayList<>();
        if (at != null && at.containsKey(run)) {
            return out;
        }
        if (at != null) {
            for (Map.Entry<String, Kept> e : at.entrySet()) {
                float[] o = e.getValue().theta();
                if (o.length != theta.length) {
                    continue;
                }
                out.add(new Pair(run, e.getKey(), step, eventTimeMs, e.getValue().eventTimeMs(), distance(theta, o)));
            }
        }
        int kept = keptPerRun.getOrDefault(run, 0);
        if (kept < perRun) {
            byStep.computeIfAbsent(step, x -> new HashMap<>()).put(run, new Kept(theta.clone(), eventTimeMs));
            keptPerRun.put(run, kept + 1);
        }
        return out;
    }

    /** Writes the kept positions (layout in the class comment). */
    public void writeTo(DataOutput out) throws IOException {
        StateFormat.writeHeader(out, SERIAL_VERSION, StateFormat.CROSS_RUN_DISTANCES);
        out.writeInt(perRun);
        out.writeInt(byStep.size());
        for (Map.Entry<Long, Map<String, Kept>> step : byStep.entrySet()) {
            out.writeLong(step.getKey());
            out.writeInt(step.getValue().size());
            for (Map.Entry<String, Kept> e : step.getValue().entrySet()) {
                out.writeUTF(e.getKey());
                out.writeLong(e.getValue().eventTimeMs());
                out.writeInt(e.getValue().theta().length);
                StateFormat.writeFloats(out, e.getValue().theta());
            }
        }
    }

    /** Reads the kept positions written by {@link #writeTo}; {@link StateFormatException} if it cannot. */
    public static CrossRunDistances readFrom(DataInput in) throws IOException {
        return StateFormat.read(NAME, in, i -> {
            StateFormat.readHeader(i, NAME, StateFormat.CROSS_RUN_DISTANCES, SERIAL_VERSION);
            CrossRunDistances d = new CrossRunDistances(StateFormat.readInt(i, NAME, "positions kept per run", 1, Integer.MAX_VALUE));
            int steps = StateFormat.readInt(i, NAME, "step count", 0, Integer.MAX_VALUE);
            long previous = Long.MIN_VALUE;
            for (int s = 0; s < steps; s++) {
                long step = i.readLong();
                if (s > 0 && step <= previous) {
                    throw new StateFormatException(NAME + " state: step " + step + " after step " + previous);
                }
                previous = step;
                int runs = StateFormat.readInt(i, NAME, "runs at step " + step, 1, Integer.MAX_VALUE);
                // Inserted in the order written, which is the order the original map iterated in.
                Map<String, Kept> at = new HashMap<>();
                for (int r = 0; r < runs; r++) {
                    String run = i.readUTF();
                    long eventTimeMs = i.readLong();
                    float[] theta = StateFormat.readFloats(i, StateFormat.readInt(i, NAME, "dimension", 0, Integer.MAX_VALUE - 8));
                    for (float v : theta) {
                        if (!Float.isFinite(v)) {
                            throw new StateFormatException(NAME + " state: position of run " + run + " at step " + step
                                    + " is not finite");
                        }
                    }
                    if (at.put(run, new Kept(theta, eventTimeMs)) != null) {
                        throw new StateFormatException(NAME + " state: run " + run + " twice at step " + step);
                    }
                    int kept = d.keptPerRun.merge(run, 1, Integer::sum);
                    if (kept > d.perRun) {
                        throw new StateFormatException(NAME + " state: run " + run + " has more than the " + d.perRun
                                + " positions a run keeps");
                    }
                }
                d.byStep.put(step, at);
            }
            return d;
        });
    }

    /** The kept positions as bytes ({@link #writeTo}). */
    public byte[] toByteArray() {
        return StateFormat.toByteArray(this::writeTo);
    }

    /** The kernel whose state {@code bytes} holds, all of it ({@link #readFrom}). */
    public static CrossRunDistances heapify(byte[] bytes) throws StateFormatException {
        return StateFormat.heapify(bytes, NAME, CrossRunDistances::readFrom);
    }

    /** Aligned steps with at least one kept position. */
    public int keptSteps() {
        return byStep.size();
    }
}
