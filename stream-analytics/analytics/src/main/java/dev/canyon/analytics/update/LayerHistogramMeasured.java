package dev.canyon.analytics.update;

import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;

/**
 * An equal-width histogram of one layer's θ_t, g_t or Δθ_t, taken by the trainer on its histogram
 * schedule: {@code counts.length} bins between the layer's minimum {@code lo} and maximum {@code hi}
 * (bin i covers [lo + i·w, lo + (i+1)·w), the last one closed, w = (hi − lo)/n).
 *
 * @param layer the layer (the parameter tensors' name before the last '_')
 * @param counts values per bin; they add up to the layer's parameter count
 */
public record LayerHistogramMeasured(At at, String layer, Kind kind, double lo, double hi, long[] counts) implements Update {

    /** What the histogram is of. */
    public enum Kind {
        /** θ_t. */
        PARAMS,
        /** The mean minibatch gradient g_t. */
        GRADIENTS,
        /** The update Δθ_t = θ_t − θ_{t−1}. */
        UPDATES;

        /** The tag value: params, gradients or updates. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    public LayerHistogramMeasured {
        Objects.requireNonNull(at, "at");
        Objects.requireNonNull(layer, "layer");
        Objects.requireNonNull(kind, "kind");
        counts = counts.clone();
    }

    @Override
    public String run() {
        return at.run();
    }

    @Override
    public long[] counts() {
        return counts.clone();
    }

    /** Values counted. */
    public long total() {
        long n = 0;
        for (long c : counts) {
            n += c;
        }
        return n;
    }

    /** Lower edge of bin i. */
    public double edge(int i) {
        return lo + (hi - lo) * i / counts.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LayerHistogramMeasured h && at.equals(h.at) && layer.equals(h.layer) && kind == h.kind
                && Double.compare(lo, h.lo) == 0 && Double.compare(hi, h.hi) == 0 && Arrays.equals(counts, h.counts);
    }

    @Override
    public int hashCode() {
        return Objects.hash(at, layer, kind, lo, hi, Arrays.hashCode(counts));
    }

    @Override
    public String toString() {
        return "LayerHistogramMeasured[" + at + ", layer=" + layer + ", kind=" + kind + ", lo=" + lo + ", hi=" + hi + ", counts="
                + Arrays.toString(counts) + "]";
    }
}
