package dev.canyon.analytics.update;

/**
 * One layer of the network at one accepted step (DL4J-UI parity per layer): the per-tensor scalars
 * the trainer ships in the step record, combined over the layer's parameter tensors ("0_W" and
 * "0_b" make layer "0"; docs/metrics.md, measurement {@code layers}). Norms combine exactly:
 * ‖x_l‖ = √(Σ_tensors ‖x_tensor‖²).
 *
 * @param at the step
 * @param layer the layer's name: the DL4J parameter name up to its last '_' (the whole name without one)
 * @param tensors how many parameter tensors the layer has in the record
 * @param gradNorm ‖g_l‖, the mean minibatch gradient restricted to the layer
 * @param stepNorm ‖Δθ_l‖ = ‖θ_l,t − θ_l,t−1‖
 * @param paramNorm ‖θ_l,t‖
 * @param displacement ‖θ_l,t − θ_l,0‖
 */
public record LayerMeasured(At at, String layer, int tensors, double gradNorm, double stepNorm, double paramNorm,
        double displacement) implements Update {

    public LayerMeasured {
        java.util.Objects.requireNonNull(at, "at");
        java.util.Objects.requireNonNull(layer, "layer");
    }

    @Override
    public String run() {
        return at.run();
    }

    /**
     * log10(‖Δθ_l‖ / ‖θ_l‖), the update:parameter ratio as DL4J's training UI plots it (on norms here);
     * NaN when either norm is 0 or not finite (no ratio to show: a layer that did not move, or has no
     * weights yet).
     */
    public double updateRatioLog10() {
        if (!(stepNorm > 0) || !(paramNorm > 0) || !Double.isFinite(stepNorm) || !Double.isFinite(paramNorm)) {
            return Double.NaN;
        }
        return Math.log10(stepNorm) - Math.log10(paramNorm);
    }
}
