package dev.canyon.analytics.run;

import dev.canyon.analytics.update.At;
import dev.canyon.analytics.update.LayerMeasured;
import dev.canyon.contract.Ids;
import dev.canyon.contract.proto.StepScalars;
import dev.canyon.contract.proto.TensorScalars;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-layer measurements from a step record's per-tensor scalars ({@code Step.tensors}), stateless:
 * each step's layers depend on that step's record only, so the analyzer's state format does not
 * change.
 *
 * <p>Grouping: a DL4J parameter is named {@code <layer>_<parameter>} ("0_W", "0_b" in a
 * MultiLayerNetwork; "dense_W", "dense_1_b" for ComputationGraph vertices), so a tensor belongs to
 * the layer named by its name up to the last '_'; a name without '_' (or starting with its only one)
 * is a layer of its own. Layers appear in the order of their first tensor (DL4J's parameter table
 * order).
 *
 * <p>Combination (exact, the tensors of a layer are disjoint blocks of the parameter vector): every
 * norm of the layer is √(Σ ‖x_tensor‖²) over its tensors: ‖g_l‖, ‖Δθ_l‖, ‖θ_l‖ and ‖θ_l − θ_l,0‖. The
 * sum is scaled by the largest term, so that it cannot overflow where the result itself is finite.
 *
 * <p>Layer names become InfluxDB tag values: a name with control characters (replaced by '?'), longer
 * than {@value Ids#MAX_LENGTH} characters (cut), ending with a backslash (a '?' appended), or empty
 * ("(unnamed)") is made acceptable; DL4J's names never need it.
 */
public final class LayerScalars {
    /** The layer of a tensor without a name. */
    public static final String UNNAMED = "(unnamed)";

    private LayerScalars() {}

    /** The layer a DL4J parameter named {@code tensor} belongs to (before making it tag-safe). */
    public static String layerOf(String tensor) {
        int cut = tensor.lastIndexOf('_');
        return cut > 0 ? tensor.substring(0, cut) : tensor;
    }

    /** {@code layer} made acceptable as an InfluxDB tag value (see the class comment). */
    static String tagSafe(String layer) {
        if (layer.isEmpty()) {
            return UNNAMED;
        }
        if (Ids.problem("layer", layer, false) == null) {
            return layer;
        }
        String s = Ids.printable(layer);
        if (s.length() > Ids.MAX_LENGTH) {
            s = s.substring(0, Ids.MAX_LENGTH);
        }
        if (s.endsWith("\\")) {
            s = s.substring(0, s.length() - 1) + "?";
        }
        return s;
    }

    /** The layers of one step's tensors, in order; empty when the record has no per-tensor scalars. */
    public static List<LayerMeasured> of(At at, List<TensorScalars> tensors) {
        if (tensors.isEmpty()) {
            return List.of();
        }
        Map<String, List<StepScalars>> byLayer = new LinkedHashMap<>();
        for (TensorScalars t : tensors) {
            byLayer.computeIfAbsent(tagSafe(layerOf(t.getName())), k -> new ArrayList<>(2)).add(t.getScalars());
        }
        List<LayerMeasured> out = new ArrayList<>(byLayer.size());
        for (Map.Entry<String, List<StepScalars>> e : byLayer.entrySet()) {
            List<StepScalars> s = e.getValue();
            double[] grad = new double[s.size()];
            double[] step = new double[s.size()];
            double[] param = new double[s.size()];
            double[] disp = new double[s.size()];
            for (int i = 0; i < s.size(); i++) {
                grad[i] = s.get(i).getGradNorm();
                step[i] = s.get(i).getDeltaNorm();
                param[i] = s.get(i).getParamNorm();
                disp[i] = s.get(i).getDisplacement();
            }
            out.add(new LayerMeasured(at, e.getKey(), s.size(), combinedNorm(grad), combinedNorm(step), combinedNorm(param),
                    combinedNorm(disp)));
        }
        return out;
    }

    /** √(Σ x_i²), scaled by the largest |x_i| (0 for none or all zero; NaN or ∞ when a part is). */
    static double combinedNorm(double[] parts) {
        double max = 0;
        for (double p : parts) {
            double a = Math.abs(p);
            if (Double.isNaN(a)) {
                return Double.NaN;
            }
            max = Math.max(max, a);
        }
        if (max == 0 || !Double.isFinite(max)) {
            return max;
        }
        if (parts.length == 1) {
            return max;
        }
        double sum = 0;
        for (double p : parts) {
            double r = p / max;
            sum += r * r;
        }
        return max * Math.sqrt(sum);
    }
}
