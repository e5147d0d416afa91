package dev.canyon.kernels.obstacle;

/**
 * Decides the {@link ObstacleState} of a window from its evidence, after the diagnostic table of
 * Goodfellow's tutorial (seed 001): local minima and saddles show in the gradient norm (saddles
 * also in a negative Hessian eigenvalue), poor conditioning in uphill steps with bouncing
 * gradients, noise in uphill steps with uncorrelated gradients. Rules, first match wins:
 *
 * <ol>
 *   <li>DIVERGING: non-finite values, or the loss rose by more than {@link Thresholds#divergingRise}
 *       (relative) across the window.
 *   <li>PROGRESSING: the loss fell by more than {@link Thresholds#progressDrop} (relative) and is
 *       above {@link Thresholds#lossFloor}.
 *   <li>Near a critical point, when the loss is flat (relative change within {@link
 *       Thresholds#progressDrop}, or below the floor), the steps are not going uphill (uphill fraction
 *       at most {@link Thresholds#uphill}; waived below the floor, where rounding decides), and the
 *       gradient is tiny against the curvature: ‖g‖ / λmax, the length of the Newton step along the
 *       top eigendirection, is below {@link Thresholds#criticalDistance} · max(1, ‖θ‖). Then SADDLE
 *       if λmin &lt; −{@link Thresholds#negativeCurvature} · λmax, else NEAR_MINIMUM.
 *   <li>ILL_CONDITIONED: uphill fraction above {@link Thresholds#uphill} and either a successive
 *       cosine below −{@link Thresholds#bouncingCosine} (bouncing across a canyon) or a stability
 *       ratio η·λmax/2 above 1.
 *   <li>NOISE_DOMINATED: uphill fraction above {@link Thresholds#uphill}, the noise scale above
 *       the batch size and |cosine| below {@link Thresholds#bouncingCosine}.
 *   <li>PLATEAU_MOVING otherwise (the loss is flat and the weights are not at a critical point).
 * </ol>
 *
 * <p>Calibration (GroundTruthTest, real DL4J runs through the broker): the Newton step ‖g‖/λmax
 * alone does not separate critical points from healthy training (healthy Fashion-MNIST MLP windows
 * measured 0.08–0.12 at ‖θ‖ ≈ 12; planted saddles 5e-4–0.08 at ‖θ‖ ≈ 5), which is why the
 * critical-point rule also asks for a flat loss and mostly downhill steps: healthy minibatch SGD
 * either makes progress or goes uphill in about half its steps. A relative loss change is
 * meaningless for a loss that is already essentially zero (a realizable minimum: planted minima
 * fell 10–35 % per window at 1e-7), hence the floor.
 *
 * <p>Evidence that is missing is NaN; a rule that needs it does not fire (without a Hessian probe, a
 * tiny gradient cannot tell a saddle from a minimum and falls through to the later rules). Every
 * decision carries the numbers that made it. Pure and stateless; O(1).
 */
public final class ObstacleClassifier {

    /**
     * Evidence of one window.
     *
     * @param finite false when a non-finite loss or gradient was seen
     * @param lossStart smoothed loss at the window's start
     * @param lossEnd smoothed loss at its end
     * @param gradNorm mean ‖g‖
     * @param paramNorm ‖θ‖ at the end
     * @param uphillFraction share of steps after which the loss rose
     * @param successiveCosine mean cosine of consecutive gradients
     * @param noiseScale B_simple
     * @param batchSize B
     * @param maxEigenvalue λmax from the latest Hessian probe, NaN if none
     * @param minEigenvalue λmin from the latest Hessian probe, NaN if none
     * @param learningRate η
     */
    public record Evidence(boolean finite, double lossStart, double lossEnd, double gradNorm, double paramNorm,
            double uphillFraction, double successiveCosine, double noiseScale, int batchSize, double maxEigenvalue,
            double minEigenvalue, double learningRate) {}

    /** The thresholds of the rules; {@link #defaults()} documents the choices. */
    public record Thresholds(double divergingRise, double progressDrop, double criticalDistance, double negativeCurvature,
            double uphill, double bouncingCosine, double lossFloor) implements java.io.Serializable {
        /**
         * Loss up 50 %: diverging; down 1 % in a window: progressing; Newton step below 5 % of
         * max(1, ‖θ‖): near a critical point; λmin below −1 % of λmax: negative curvature; over 40 %
         * uphill steps; cosines beyond ±0.3; a loss below 1e-6 is at its floor.
         */
        public static Thresholds defaults() {
            return new Thresholds(0.5, 0.01, 0.05, 0.01, 0.4, 0.3, 1e-6);
        }
    }

    /** A decision with the evidence behind it, in words. */
    public record Decision(ObstacleState state, String evidence) {}

    private final Thresholds t;

    public ObstacleClassifier(Thresholds thresholds) {
        this.t = thresholds;
    }

    private static String newtonNote(Evidence e) {
        return e.maxEigenvalue() > 0 ? String.format(java.util.Locale.ROOT, ", |g|/lambda_max %.3g at |theta| %.3g", e.gradNorm() / e.maxEigenvalue(),
                e.paramNorm()) : "";
    }

    /** Classifies one window. */
    public Decision classify(Evidence e) {
        if (!e.finite()) {
            return new Decision(ObstacleState.DIVERGING, "non-finite loss or gradient");
        }
        double change = (e.lossEnd() - e.lossStart()) / Math.max(Math.abs(e.lossStart()), 1e-300);
        if (change > t.divergingRise() && Math.abs(e.lossEnd()) > t.lossFloor()) {
            return new Decision(ObstacleState.DIVERGING, String.format(java.util.Locale.ROOT, "loss rose %.1f%% in the window (%.4g -> %.4g)",
                    100 * change, e.lossStart(), e.lossEnd()));
        }
        boolean atFloor = Math.abs(e.lossEnd()) <= t.lossFloor();
        if (change < -t.progressDrop() && !atFloor) {
            return new Decision(ObstacleState.PROGRESSING, String.format(java.util.Locale.ROOT, "loss fell %.2f%% in the window (%.4g -> %.4g)%s",
                    -100 * change, e.lossStart(), e.lossEnd(), newtonNote(e)));
        }
        boolean uphill = e.uphillFraction() > t.uphill();
        boolean flat = atFloor || Math.abs(change) <= t.progressDrop();
        if (flat && (!uphill || atFloor) && e.maxEigenvalue() > 0) {
            double newton = e.gradNorm() / e.maxEigenvalue();
            double scale = t.criticalDistance() * Math.max(1, e.paramNorm());
            if (newton < scale) {
                String base = String.format(java.util.Locale.ROOT, "loss %s (%.3g%% change), %.0f%% uphill steps, |g| %.3g, |g|/lambda_max %.3g < %.3g",
                        atFloor ? "at its floor" : "flat", 100 * change, 100 * e.uphillFraction(), e.gradNorm(), newton, scale);
                if (e.minEigenvalue() < -t.negativeCurvature() * e.maxEigenvalue()) {
                    return new Decision(ObstacleState.SADDLE, base + String.format(java.util.Locale.ROOT, ", lambda_min %.4g < 0 (lambda_max %.4g)",
                            e.minEigenvalue(), e.maxEigenvalue()));
                }
                return new Decision(ObstacleState.NEAR_MINIMUM, base + String.format(java.util.Locale.ROOT, ", lambda_min %.4g (lambda_max %.4g)",
                        e.minEigenvalue(), e.maxEigenvalue()));
            }
        }
        double stability = e.learningRate() * e.maxEigenvalue() / 2;
        if (uphill && (e.successiveCosine() < -t.bouncingCosine() || stability > 1)) {
            return new Decision(ObstacleState.ILL_CONDITIONED, String.format(java.util.Locale.ROOT, 
                    "%.0f%% uphill steps, successive cosine %.2f, stability ratio %.3g", 100 * e.uphillFraction(),
                    e.successiveCosine(), stability));
        }
        if (uphill && e.noiseScale() > e.batchSize() && Math.abs(e.successiveCosine()) < t.bouncingCosine()) {
            return new Decision(ObstacleState.NOISE_DOMINATED, String.format(java.util.Locale.ROOT, 
                    "%.0f%% uphill steps, noise scale %.3g > batch %d, successive cosine %.2f", 100 * e.uphillFraction(),
                    e.noiseScale(), e.batchSize(), e.successiveCosine()));
        }
        return new Decision(ObstacleState.PLATEAU_MOVING, String.format(java.util.Locale.ROOT, "loss flat (%.3f%%) with |g| %.3g, %.0f%% uphill steps; "
                + "no critical point, conditioning or noise evidence%s", 100 * change, e.gradNorm(), 100 * e.uphillFraction(),
                newtonNote(e)));
    }
}
