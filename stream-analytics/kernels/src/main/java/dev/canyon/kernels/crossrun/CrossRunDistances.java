package dev.canyon.kernels.crossrun;

import dev.canyon.kernels.vector.VectorOps;
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
 * IllegalArgumentException}, state unchanged. Cost: O(runs · k) per position.
 */
public final class CrossRunDistances {

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

    /** Aligned steps with at least one kept position. */
    public int keptSteps() {
        return byStep.size();
    }
}
