package dev.canyon.report.section;

import java.util.List;
import java.util.function.ToDoubleFunction;

/** Numbers of typed updates as the arrays XChart plots, and the few statistics the summaries quote. */
final class Series {
    private Series() {}

    /** {@code value} of each item, in order. */
    static <T> double[] of(List<T> items, ToDoubleFunction<T> value) {
        return items.stream().mapToDouble(value).toArray();
    }

    /** The last finite {@code value}, or NaN when there is none. */
    static <T> double lastFinite(List<T> items, ToDoubleFunction<T> value) {
        for (int i = items.size() - 1; i >= 0; i--) {
            double v = value.applyAsDouble(items.get(i));
            if (Double.isFinite(v)) {
                return v;
            }
        }
        return Double.NaN;
    }

    /** {@code v[i]}, or NaN beyond the end (a PCA with fewer components than asked). */
    static double component(double[] v, int i) {
        return i < v.length ? v[i] : Double.NaN;
    }

    static boolean anyFinite(double[] v) {
        return java.util.Arrays.stream(v).anyMatch(Double::isFinite);
    }

    /** Coefficient of variation: sample standard deviation over mean. */
    static double cv(List<Double> v) {
        double mean = v.stream().mapToDouble(Double::doubleValue).average().orElse(Double.NaN);
        double var = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum() / Math.max(1, v.size() - 1);
        return Math.sqrt(var) / mean;
    }
}
