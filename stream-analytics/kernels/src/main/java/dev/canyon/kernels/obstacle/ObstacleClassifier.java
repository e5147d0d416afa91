package dev.canyon.kernels.obstacle;

import java.util.Locale;

/**
 * Decides the {@link ObstacleState} of one window from its evidence, after the diagnostic table of
 * Goodfellow's tutorial (seed 001), with tests that hold under minibatch noise (DESIGN.md, "Evidence
 * that survives minibatch noise"). Rules, first match wins:
 *
 * <ol>
 *   <li>DIVERGING: non-finite values.
 *   <li>PROGRESSING: the loss fell significantly: by more than {@link Thresholds#progressDrop}
 *       (relative), by more than {@link Thresholds#significance} standard errors of the change (the
 *       minibatch loss noise), and by more than twice SGD's noise floor η_eff·tr Σ/(4B) when the
 *       same-point probe gives tr Σ (the excess loss of SGD at stationarity on a quadratic, so the loss
 *       wanders by about that much at a minimum); and the loss is above {@link Thresholds#lossFloor}.
 *   <li>ILL_CONDITIONED: a stability ratio of {@link Thresholds#edgeOfStability} or more (against
 *       the optimizer's own threshold; absent for optimizers without one), or an uphill fraction above
 *       {@link Thresholds#uphill} with a successive cosine below −{@link Thresholds#bouncingCosine}
 *       (bouncing across a canyon).
 *       Before the critical-point test: at SGD's stationary state near a minimum the successive
 *       cosine is about −ηλ/2 per direction, so bouncing below −0.3 means the walls of a canyon
 *       (ηλ near 2), whose floor may still be far from the minimum while the gradient, dominated by
 *       the walls, looks stationary.
 *   <li>Near a critical point, when λmax &gt; 0 is known and:
 *       <ul>
 *         <li>with same-point gradients, below a stability ratio of {@link
 *             Thresholds#samePointStabilityLimit} (the statistical test): the unbiased ‖∇L‖² and its
 *             standard error are both at most {@link Thresholds#stationaryFactor} times the stationary level
 *             (η_eff·λmax/2)·tr Σ/B. At SGD's stationary state near a critical point on a quadratic,
 *             E‖∇L‖² = Σ η λ_i C_ii/(2 − ηλ_i) with C = Σ/B, about (ηλ/2)·tr C when ηλ is small: the
 *             true gradient is no larger than the noise and the curvature keep it, and the loss excess
 *             (‖∇L‖² ≈ 2λ·excess) is within the factor of the noise floor;
 *         <li>without them, or when they are inconclusive with the loss at its floor (a realizable
 *             minimum, where the noise vanishes with the loss), deterministic evidence (e.g.
 *             full-batch training): the Newton step
 *             ‖g‖/λmax is below {@link Thresholds#criticalDistance}·max(1, ‖θ‖) and the steps are not
 *             going uphill (at most {@link Thresholds#uphill}; waived at the floor).
 *       </ul>
 *       A same-point estimate more than two standard errors below zero means its parts were not
 *       independent draws (a batch that is most of the data set); the deterministic test decides then.
 *       A loss that fell beyond the noise over the long horizon (this window against one that ended
 *       that many steps earlier: more than {@link Thresholds#progressDrop}, two standard errors and
 *       twice the noise floor) vetoes the claim: training that keeps descending is not at a critical
 *       point, however stationary its top directions look.
 *       Then SADDLE if λmin &lt; −{@link Thresholds#negativeCurvature}·λmax, else NEAR_MINIMUM.
 *   <li>DIVERGING: the loss rose significantly (same tests as a drop) by more than {@link
 *       Thresholds#divergingRise} (relative).
 *   <li>NOISE_DOMINATED: uphill fraction above {@link Thresholds#uphill}, |cosine| below {@link
 *       Thresholds#bouncingCosine}, and the noise scale above the batch size, or the same-point
 *       ‖∇L‖² not significantly above zero.
 *   <li>PLATEAU_MOVING otherwise (the loss is flat and the weights are not at a critical point).
 * </ol>
 *
 * <p>Evidence that is missing is NaN (or {@link SamePoint#NONE}); a rule that needs it does not fire.
 * Every decision states the tests it made and their values, including the ones that failed. Pure
 * and stateless; O(1). How many windows a state must hold before it is shown is the caller's
 * business (RunAnalyzer's persistence).
 */
public final class ObstacleClassifier {

    /**
     * Same-point gradient evidence over recent probes.
     *
     * @param probes probes averaged (0: none)
     * @param gradNormSq unbiased estimate of ‖∇L‖² (may be negative)
     * @param gradNormSqStderr its standard error
     * @param noiseTrace tr Σ, the per-example gradient covariance's trace
     */
    public record SamePoint(int probes, double gradNormSq, double gradNormSqStderr, double noiseTrace) {
        /** No same-point probe. */
        public static final SamePoint NONE = new SamePoint(0, Double.NaN, Double.NaN, Double.NaN);

        public boolean present() {
            return probes > 0 && Double.isFinite(gradNormSq) && Double.isFinite(noiseTrace);
        }

        /** Whether ‖∇L‖² is more than two standard errors above zero. */
        public boolean gradientDetected() {
            return present() && gradNormSq > 2 * gradNormSqStderr;
        }
    }

    /**
     * Evidence of one window.
     *
     * @param finite false when a non-finite loss or gradient was seen
     * @param lossStart mean minibatch loss over the window's first quarter
     * @param lossEnd the same over its last quarter
     * @param lossChangeStderr standard error of lossEnd − lossStart from the minibatch loss noise (NaN: unknown)
     * @param gradNorm mean ‖g‖
     * @param paramNorm ‖θ‖ at the end
     * @param uphillFraction share of steps after which the loss rose
     * @param successiveCosine mean cosine of consecutive gradients
     * @param noiseScale the window's noise scale B_noise (NaN when absent)
     * @param batchSize B
     * @param maxEigenvalue λmax from the latest Hessian probe, NaN if none
     * @param minEigenvalue λmin from the latest Hessian probe, NaN if none
     * @param stabilityRatio sharpness over the optimizer's edge of stability (NaN when absent)
     * @param samePoint same-point gradient evidence
     * @param effectiveLearningRate η_eff: the step per unit of gradient on a quadratic (η for SGD,
     *     η/(1−β) for momentum β)
     */
    public record Evidence(boolean finite, double lossStart, double lossEnd, double lossChangeStderr, double gradNorm,
            double paramNorm, double uphillFraction, double successiveCosine, double noiseScale, int batchSize,
            double maxEigenvalue, double minEigenvalue, double stabilityRatio, SamePoint samePoint,
            double effectiveLearningRate, LongHorizon longHorizon) {
        public Evidence {
            samePoint = samePoint == null ? SamePoint.NONE : samePoint;
            longHorizon = longHorizon == null ? LongHorizon.NONE : longHorizon;
        }

        /** Evidence without a long-horizon comparison. */
        public Evidence(boolean finite, double lossStart, double lossEnd, double lossChangeStderr, double gradNorm,
                double paramNorm, double uphillFraction, double successiveCosine, double noiseScale, int batchSize,
                double maxEigenvalue, double minEigenvalue, double stabilityRatio, SamePoint samePoint,
                double effectiveLearningRate) {
            this(finite, lossStart, lossEnd, lossChangeStderr, gradNorm, paramNorm, uphillFraction, successiveCosine, noiseScale,
                    batchSize, maxEigenvalue, minEigenvalue, stabilityRatio, samePoint, effectiveLearningRate, LongHorizon.NONE);
        }
    }

    /**
     * The loss now against an earlier window that does not overlap this one.
     *
     * @param steps steps between the two windows' ends (0: none)
     * @param earlierMean mean minibatch loss of the earlier window
     * @param laterMean that of this window
     * @param stderr standard error of their difference from the minibatch loss noise
     */
    public record LongHorizon(long steps, double earlierMean, double laterMean, double stderr) {
        /** No earlier window. */
        public static final LongHorizon NONE = new LongHorizon(0, Double.NaN, Double.NaN, Double.NaN);
    }

    /**
     * The thresholds of the rules; {@link #defaults()} documents the choices.
     *
     * @param significance standard errors a loss change must exceed to count
     * @param stationaryFactor how far above the stationary ‖∇L‖² level a window may be and still be at a critical point
     */
    public record Thresholds(double divergingRise, double progressDrop, double criticalDistance, double negativeCurvature,
            double uphill, double bouncingCosine, double lossFloor, double significance, double stationaryFactor,
            double edgeOfStability, double samePointStabilityLimit) implements java.io.Serializable {
        public Thresholds {
            if (!(significance > 0) || !(stationaryFactor > 0) || !(edgeOfStability > 0)) {
                throw new IllegalArgumentException("significance, stationary factor and edge of stability must be positive, got "
                        + significance + ", " + stationaryFactor + " and " + edgeOfStability);
            }
        }

        /**
         * Loss up 50 %: diverging; down 1 % in a window: progressing; Newton step below 5 % of
         * max(1, ‖θ‖): near a critical point (deterministic evidence); λmin below −1 % of λmax:
         * negative curvature; over 40 % uphill steps; cosines beyond ±0.3; a loss below 1e-6 is at its
         * floor; a loss change counts beyond 3 standard errors; a true gradient whose estimate plus one
         * standard error is within 4 times the stationary level is at a critical point (the level is a
         * mean, and on a 20-dimensional quadratic 16 probes estimate it to about ±1.4 times itself: the
         * standard error keeps an imprecise estimate from claiming a critical point); a stability ratio
         * of 0.8 or more is the edge of stability (SGD's top direction then overshoots its minimum by at
         * least 60 % each step: |1 − ηλmax| ≥ 0.6); the same-point test is made below a stability
         * ratio of 0.5 only: the noise-driven bouncing of a direction of curvature λ holds its share of
         * ‖∇L‖² at 2/(2 − ηλ) times the stationary level, twice it at ηλ = 1 and without bound toward
         * the edge, so above that the walls of a canyon hide how far its floor is from a critical point
         * (healthy Fashion-MNIST training at ratio 0.7 looks stationary to the test).
         */
        public static Thresholds defaults() {
            return new Thresholds(0.5, 0.01, 0.05, 0.01, 0.4, 0.3, 1e-6, 3.0, 4.0, 0.8, 0.5);
        }
    }

    /** A decision with the evidence behind it, in words. */
    public record Decision(ObstacleState state, String evidence) {}

    private final Thresholds t;

    public ObstacleClassifier(Thresholds thresholds) {
        this.t = thresholds;
    }

    private static String f(String format, Object... args) {
        return String.format(Locale.ROOT, format, args);
    }

    /** The stationary level of ‖∇L‖², (η_eff·λmax/2)·tr Σ/B; NaN when unknown. */
    static double stationaryLevel(Evidence e) {
        if (!e.samePoint().present() || !(e.maxEigenvalue() > 0) || !(e.effectiveLearningRate() >= 0) || e.batchSize() < 1) {
            return Double.NaN;
        }
        return e.effectiveLearningRate() * e.maxEigenvalue() / 2 * e.samePoint().noiseTrace() / e.batchSize();
    }

    /** SGD's stationary excess loss η_eff·tr Σ/(4B); NaN when unknown. */
    static double noiseFloor(Evidence e) {
        if (!e.samePoint().present() || !(e.effectiveLearningRate() >= 0) || e.batchSize() < 1) {
            return Double.NaN;
        }
        return e.effectiveLearningRate() * e.samePoint().noiseTrace() / (4.0 * e.batchSize());
    }

    /** Classifies one window. */
    public Decision classify(Evidence e) {
        if (!e.finite()) {
            return new Decision(ObstacleState.DIVERGING, "non-finite loss or gradient");
        }
        double change = (e.lossEnd() - e.lossStart()) / Math.max(Math.abs(e.lossStart()), 1e-300);
        boolean atFloor = Math.abs(e.lossEnd()) <= t.lossFloor();
        double floor = noiseFloor(e);
        double moved = Math.abs(e.lossEnd() - e.lossStart());
        boolean beyondNoise = !(moved <= t.significance() * e.lossChangeStderr()) && !(moved <= 2 * floor);
        String lossText = f("loss %.4g -> %.4g (%+.3g%%, %s standard errors%s)%s", e.lossStart(), e.lossEnd(), 100 * change,
                Double.isFinite(e.lossChangeStderr()) && e.lossChangeStderr() > 0 ? f("%.2g", moved / e.lossChangeStderr()) : "no",
                Double.isFinite(floor) ? f(", noise floor %.3g", floor) : "", atFloor ? " at its floor" : "");
        if (change < -t.progressDrop() && beyondNoise && !atFloor) {
            return new Decision(ObstacleState.PROGRESSING, lossText + "; the fall is beyond the noise" + gradientText(e));
        }
        boolean uphill = e.uphillFraction() > t.uphill();
        String steps = f("%.0f%% uphill steps, successive cosine %.2f, stability ratio %s", 100 * e.uphillFraction(),
                e.successiveCosine(), Double.isFinite(e.stabilityRatio()) ? f("%.3g", e.stabilityRatio()) : "absent");
        boolean bouncing = uphill && e.successiveCosine() < -t.bouncingCosine();
        boolean edge = e.stabilityRatio() >= t.edgeOfStability();
        if (bouncing || edge) {
            return new Decision(ObstacleState.ILL_CONDITIONED, steps + (edge ? f(" >= %.2g (at the edge of stability)", t.edgeOfStability())
                    : " (bouncing)") + "; " + lossText);
        }
        Test critical = criticalPoint(e, atFloor);
        LongHorizon h = e.longHorizon();
        double fell = h.earlierMean() - h.laterMean();
        if (critical.holds() && !atFloor && h.steps() > 0 && fell > t.progressDrop() * Math.abs(h.earlierMean())
                && fell > 2 * h.stderr() && !(fell <= 2 * floor)) {
            critical = new Test(false, f("no critical point: the loss fell %.4g -> %.4g over the last %d steps (%.2g standard errors), "
                    + "still descending, although %s", h.earlierMean(), h.laterMean(), h.steps(), fell / h.stderr(), critical.text()));
        }
        if (critical.holds()) {
            boolean negative = e.minEigenvalue() < -t.negativeCurvature() * e.maxEigenvalue();
            String curvature = f("lambda_min %.4g %s -%.2g lambda_max (lambda_max %.4g)", e.minEigenvalue(), negative ? "<" : ">=",
                    t.negativeCurvature(), e.maxEigenvalue());
            return new Decision(negative ? ObstacleState.SADDLE : ObstacleState.NEAR_MINIMUM,
                    lossText + "; " + critical.text() + "; " + curvature + "; " + steps);
        }
        String notCritical = critical.text();
        if (change > t.divergingRise() && beyondNoise && !atFloor) {
            return new Decision(ObstacleState.DIVERGING, lossText + "; the rise is beyond the noise; " + notCritical);
        }
        SamePoint s = e.samePoint();
        boolean noisy = e.noiseScale() > e.batchSize() || (s.present() && !s.gradientDetected());
        String noise = s.present() && !s.gradientDetected()
                ? f("|grad L|^2 %.3g +- %.2g not above zero", s.gradNormSq(), s.gradNormSqStderr())
                : Double.isFinite(e.noiseScale()) ? f("noise scale %.3g %s batch %d", e.noiseScale(), e.noiseScale() > e.batchSize() ? ">" : "<=",
                        e.batchSize()) : "noise scale absent";
        if (uphill && noisy && Math.abs(e.successiveCosine()) < t.bouncingCosine()) {
            return new Decision(ObstacleState.NOISE_DOMINATED, steps + ", " + noise + "; " + lossText + "; " + notCritical);
        }
        return new Decision(ObstacleState.PLATEAU_MOVING, lossText + "; " + steps + ", " + noise + "; " + notCritical);
    }

    private static String gradientText(Evidence e) {
        SamePoint s = e.samePoint();
        String out = "";
        if (s.present()) {
            out += f(", |grad L|^2 %.3g +- %.2g", s.gradNormSq(), s.gradNormSqStderr());
        }
        if (e.maxEigenvalue() > 0) {
            out += f(", |g|/lambda_max %.3g", e.gradNorm() / e.maxEigenvalue());
        }
        return out;
    }

    /** A test's outcome and its values in words. */
    private record Test(boolean holds, String text) {}

    /** The critical-point test (false when it cannot be made). */
    private Test criticalPoint(Evidence e, boolean atFloor) {
        if (!(e.maxEigenvalue() > 0)) {
            return new Test(false, "no critical-point test (no fresh Hessian probe with lambda_max > 0)");
        }
        SamePoint s = e.samePoint();
        double level = stationaryLevel(e);
        if (Double.isFinite(level) && e.stabilityRatio() >= t.samePointStabilityLimit()) {
            return deterministic(e, atFloor, f("the same-point test is not made at stability ratio %.3g >= %.2g: the bouncing of "
                    + "the top directions dominates |grad L|^2", e.stabilityRatio(), t.samePointStabilityLimit()));
        }
        if (Double.isFinite(level) && s.gradNormSq() + 2 * s.gradNormSqStderr() < 0) {
            // An unbiased estimate of a non-negative quantity, significantly negative: the parts were not independent
            // draws (a batch that is most of the data set: its parts' gradients sum to nearly the full gradient).
            return deterministic(e, atFloor, f("the same-point estimate |grad L|^2 %.3g +- %.2g is significantly negative: its parts are "
                    + "not independent draws", s.gradNormSq(), s.gradNormSqStderr()));
        }
        if (Double.isFinite(level)) {
            double bound = t.stationaryFactor() * level;
            double high = Math.max(s.gradNormSq(), s.gradNormSqStderr());
            String text = f("|grad L|^2 %.3g and its standard error %.2g (%d probes) %s %.3g x stationary level %.3g (eta_eff %.3g, "
                    + "tr Sigma/B %.3g)", s.gradNormSq(), s.gradNormSqStderr(), s.probes(), high <= bound ? "both within" : "not both within",
                    t.stationaryFactor(), level, e.effectiveLearningRate(), s.noiseTrace() / e.batchSize());
            if (high <= bound || !atFloor) {
                return new Test(high <= bound, (high <= bound ? "critical point: " : "no critical point: ") + text);
            }
            // At the loss floor the noise vanishes with the loss (a realizable minimum), and so does the
            // precision of the same-point estimate against its level: the deterministic test decides.
            return deterministic(e, atFloor, "the same-point test is inconclusive at the floor: " + text);
        }
        return deterministic(e, atFloor, "no same-point probe");
    }

    /** The deterministic critical-point test: a short Newton step ‖g‖/λmax and not going uphill (waived at the floor). */
    private Test deterministic(Evidence e, boolean atFloor, String why) {
        double newton = e.gradNorm() / e.maxEigenvalue();
        double scale = t.criticalDistance() * Math.max(1, e.paramNorm());
        boolean uphill = e.uphillFraction() > t.uphill();
        boolean holds = newton < scale && (!uphill || atFloor);
        return new Test(holds, f("%s (%s): |g|/lambda_max %.3g %s %.3g, %.0f%% uphill steps%s",
                holds ? "critical point" : "no critical point", why, newton, newton < scale ? "<" : ">=", scale,
                100 * e.uphillFraction(), atFloor ? " (waived at the floor)" : ""));
    }
}
