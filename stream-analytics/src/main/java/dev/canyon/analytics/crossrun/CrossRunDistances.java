package dev.canyon.analytics.crossrun;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Pairwise distances between the runs of one experiment at aligned steps (Lipton 2016, seed 002:
 * runs from one initialization with different shuffles, or clones of a partly trained run, drift
 * apart while staying about equally far from the origin). Each run offers θ_t at the same aligned
 * steps; when a run's θ at step s arrives, its distance to every run already seen at s is returned,
 * once per pair and step whatever the arrival order.
 *
 * <p>Memory: the positions of the last {@code steps} aligned steps (runs further apart in progress
 * than that are not paired; a step older than all kept ones is ignored). Positions of different
 * dimensions are never paired. NaN or infinite values are rejected with {@link
 * IllegalArgumentException}. Cost: O(runs · k) per position.
 */
public final class CrossRunDistances {

    /** A distance between two runs at one step, with each run's event time at that step. */
    public record Pair(String run, String other, long step, long runEventTimeMs, long otherEventTimeMs, double distance) {}

    /** A kept position. */
    record Kept(float[] theta, long eventTimeMs) {}

    private final int steps;
    private final TreeMap<Long, Map<String, Kept>> byStep = new TreeMap<>();

    /** Keeps the positions of the last {@code steps} aligned steps. */
    public CrossRunDistances(int steps) {
        if (steps < 1) {
            throw new IllegalArgumentException("must keep at least one step, got " + steps);
        }
        this.steps = steps;
    }

    /** Kryo. */
    CrossRunDistances() {
        this(1);
    }

    /** Adds {@code run}'s θ at {@code step}; returns its distances to the runs already seen there. */
    public List<Pair> add(String run, long step, long eventTimeMs, float[] theta) {
        for (float v : theta) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("position of run " + run + " at step " + step + " is not finite");
            }
        }
        if (byStep.size() >= steps && step < byStep.firstKey()) {
            return List.of();
        }
        Map<String, Kept> at = byStep.computeIfAbsent(step, s -> new HashMap<>());
        List<Pair> out = new ArrayList<>();
        if (at.containsKey(run)) {
            return out;
        }
        for (Map.Entry<String, Kept> e : at.entrySet()) {
            float[] o = e.getValue().theta();
            if (o.length != theta.length) {
                continue;
            }
            double s = 0;
            for (int i = 0; i < o.length; i++) {
                double d = (double) theta[i] - o[i];
                s += d * d;
            }
            out.add(new Pair(run, e.getKey(), step, eventTimeMs, e.getValue().eventTimeMs(), Math.sqrt(s)));
        }
        at.put(run, new Kept(theta.clone(), eventTimeMs));
        while (byStep.size() > steps) {
            byStep.pollFirstEntry();
        }
        return out;
    }

    /** Aligned steps kept. */
    public int keptSteps() {
        return byStep.size();
    }
}
