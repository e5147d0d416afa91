package dev.canyon.trainer.telemetry;

import dev.canyon.contract.StepDiagnostics;
import dev.canyon.contract.proto.LayerHistogram;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Equal-width histograms per layer of θ_t, g_t and Δθ_t, on the histogram schedule only: a layer is
 * the parameter tensors whose names share the part before the last '_' ({@link
 * StepDiagnostics#layerOf}: "0_W" and "0_b" are layer "0"); its histogram has {@code bins} bins
 * between the layer's minimum and maximum, value x in bin min(n − 1, ⌊(x − lo)·n/(hi − lo)⌋)
 * ({@link StepDiagnostics#bin}).
 *
 * <p>Cost on a histogram step: two passes over each of the three d-float arrays (minimum and
 * maximum, then the bins), about 6·d reads; nothing on other steps. Memory: 3 · layers · bins
 * longs, allocated once. A layer holding a NaN or infinite value gets no histogram of that kind at
 * that step (its bins would be meaningless; the step's loss or gradient says why).
 */
final class LayerHistograms {
    /** The kinds, in the order of the arrays below. */
    static final LayerHistogram.Kind[] KINDS = {LayerHistogram.Kind.PARAMS, LayerHistogram.Kind.GRADIENTS,
            LayerHistogram.Kind.UPDATES};

    private final String[] layers;
    /** Per tensor: its layer, start and end in the flattened vector. */
    private final int[] tensorLayer;
    private final int[] starts;
    private final int[] ends;
    private final int bins;
    /** [kind][layer]. */
    private final double[][] lo;
    private final double[][] hi;
    private final boolean[][] finite;
    /** [kind][layer][bin]. */
    private final long[][][] counts;

    private LayerHistograms(String[] layers, int[] tensorLayer, int[] ends, int bins) {
        this.layers = layers;
        this.tensorLayer = tensorLayer;
        this.ends = ends;
        this.starts = new int[ends.length];
        for (int t = 1; t < ends.length; t++) {
            starts[t] = ends[t - 1];
        }
        this.bins = bins;
        this.lo = new double[KINDS.length][layers.length];
        this.hi = new double[KINDS.length][layers.length];
        this.finite = new boolean[KINDS.length][layers.length];
        this.counts = new long[KINDS.length][layers.length][bins];
    }

    /** Histograms over {@code layout}'s layers with {@code bins} bins; null when the layout names no tensors. */
    static LayerHistograms of(Dl4jNetwork.TensorLayout layout, int bins) {
        if (layout.count() == 0) {
            return null;
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        int[] tensorLayer = new int[layout.count()];
        for (int t = 0; t < layout.count(); t++) {
            String layer = StepDiagnostics.layerOf(layout.names()[t]);
            tensorLayer[t] = index.computeIfAbsent(layer, l -> index.size());
        }
        return new LayerHistograms(index.keySet().toArray(new String[0]), tensorLayer, layout.ends().clone(), bins);
    }

    int layerCount() {
        return layers.length;
    }

    /** Computes the histograms of θ_t, g_t (the mean gradient) and Δθ_t. */
    void compute(float[] theta, float[] g, float[] delta) {
        compute(0, theta);
        compute(1, g);
        compute(2, delta);
    }

    private void compute(int kind, float[] v) {
        double[] lo = this.lo[kind];
        double[] hi = this.hi[kind];
        boolean[] finite = this.finite[kind];
        java.util.Arrays.fill(lo, Double.POSITIVE_INFINITY);
        java.util.Arrays.fill(hi, Double.NEGATIVE_INFINITY);
        java.util.Arrays.fill(finite, true);
        for (int t = 0; t < ends.length; t++) {
            int l = tensorLayer[t];
            float mn = Float.POSITIVE_INFINITY;
            float mx = Float.NEGATIVE_INFINITY;
            float bad = 0;
            for (int i = starts[t]; i < ends[t]; i++) {
                float x = v[i];
                mn = Math.min(mn, x);
                mx = Math.max(mx, x);
                bad += x - x; // NaN when x is NaN or infinite, else 0
            }
            if (bad != 0 || Float.isNaN(bad)) {
                finite[l] = false;
            }
            lo[l] = Math.min(lo[l], mn);
            hi[l] = Math.max(hi[l], mx);
        }
        for (int l = 0; l < layers.length; l++) {
            java.util.Arrays.fill(counts[kind][l], 0);
        }
        for (int t = 0; t < ends.length; t++) {
            int l = tensorLayer[t];
            if (!finite[l]) {
                continue;
            }
            long[] c = counts[kind][l];
            double low = lo[l];
            double high = hi[l];
            if (!(high > low)) {
                c[0] += ends[t] - starts[t];
                continue;
            }
            // The same double arithmetic as StepDiagnostics.bin, with the scale hoisted.
            double scale = bins / (high - low);
            int last = bins - 1;
            for (int i = starts[t]; i < ends[t]; i++) {
                int b = (int) ((v[i] - low) * scale);
                c[b >= bins ? last : b]++;
            }
        }
    }

    /** The histograms of the last {@link #compute}, layer by layer, each kind in the order params, gradients, updates. */
    List<LayerHistogram> messages() {
        List<LayerHistogram> out = new ArrayList<>(layers.length * KINDS.length);
        for (int l = 0; l < layers.length; l++) {
            for (int k = 0; k < KINDS.length; k++) {
                if (!finite[k][l]) {
                    continue;
                }
                LayerHistogram.Builder h = LayerHistogram.newBuilder().setLayer(layers[l]).setKind(KINDS[k]).setLo(lo[k][l])
                        .setHi(hi[k][l]);
                for (long c : counts[k][l]) {
                    h.addCounts(c);
                }
                out.add(h.build());
            }
        }
        return out;
    }
}
