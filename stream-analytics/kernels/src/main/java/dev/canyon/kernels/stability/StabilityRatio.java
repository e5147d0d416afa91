package dev.canyon.kernels.stability;

import java.math.BigDecimal;
import java.math.MathContext;

/**
 * The stability ratio of a step: the sharpness that governs the optimizer's stability, divided by the
 * critical value at which the optimizer, run on the local quadratic, stops converging along the top
 * eigendirection (the edge of stability: Cohen et al. 2021 for SGD, Cohen et al. 2022 for Adam).
 * Below 1 the step is stable on the quadratic model; above 1 it diverges along that direction; a run
 * that hovers at 1 is held at the edge by its learning rate. Each optimizer has its own threshold;
 * an optimizer without a closed-form one gets no ratio, with the reason.
 *
 * <h2>Thresholds (derived on a quadratic with curvature λ, h = ηλ)</h2>
 *
 * All four are linear recurrences on each eigendirection of H; a second-order recurrence
 * x_{k+1} + a·x_k + b·x_{k−1} = 0 converges for every start exactly when both roots of
 * z² + a·z + b lie inside the unit circle, which by the Jury (Schur-Cohn) criterion is
 * |b| &lt; 1, 1 + a + b &gt; 0 and 1 − a + b &gt; 0.
 *
 * <ul>
 *   <li><b>SGD</b> θ' = θ − ηλθ = (1 − h)θ: converges iff |1 − h| &lt; 1, i.e. 0 &lt; h &lt; 2.
 *       Critical sharpness 2/η; ratio ηλmax/2.
 *   <li><b>Heavy-ball momentum β</b> (v' = βv − ηg, θ' = θ + v'): θ_{k+1} = (1 + β − h)θ_k − βθ_{k−1},
 *       so a = −(1 + β − h), b = β: 1 + a + b = h &gt; 0, 1 − a + b = 2 + 2β − h &gt; 0, |β| &lt; 1.
 *       Stable iff 0 &lt; h &lt; 2(1 + β) (for 0 ≤ β &lt; 1). Critical sharpness 2(1 + β)/η; ratio
 *       ηλmax/(2(1 + β)) (DESIGN.md; Goh 2017, "Why momentum really works").
 *   <li><b>Nesterov μ, as DL4J's {@code Nesterovs} implements it</b> (libnd4j's nesterovs_updater:
 *       v' = μv − ηg(θ), update u = μv − (1 + μ)v', θ' = θ − u = θ + (1 + μ)v' − μv; the trainer's
 *       test checks this recurrence against DL4J itself). On the quadratic, the state (θ, v) maps by
 *       [[1 − (1 + μ)h, μ²], [−h, μ]], with trace (1 + μ)(1 − h) and determinant μ(1 − h): the
 *       characteristic polynomial z² − (1 + μ)(1 − h)z + μ(1 − h) is that of textbook NAG
 *       (y = θ + μ(θ − θ_prev), θ' = y − η∇L(y), i.e. θ_{k+1} = (1 − h)((1 + μ)θ_k − μθ_{k−1})); DL4J's
 *       θ is NAG's look-ahead point y (Sutskever et al. 2013 form). 1 + a + b = h &gt; 0;
 *       1 − a + b = 1 + (1 + 2μ)(1 − h) &gt; 0 ⇔ h &lt; 2(1 + μ)/(1 + 2μ); |b| = μ|1 − h| &lt; 1 then
 *       holds for 0 ≤ μ &lt; 1 since that bound is at most 2. Critical sharpness
 *       2(1 + μ)/((1 + 2μ)η) (1.357/η at μ = 0.9; 2/η at μ = 0); ratio ηλmax(1 + 2μ)/(2(1 + μ)).
 *   <li><b>Adam</b> (Cohen et al. 2022, "Adaptive gradient methods at the edge of stability"). DL4J's
 *       Adam (libnd4j's adam_updater, iteration t counted from 1): m' = β1 m + (1 − β1)g,
 *       v' = β2 v + (1 − β2)g², θ' = θ − η·√(1 − β2^t)/(1 − β1^t) · m'/(√v' + ε) = θ − η P⁻¹m' with the
 *       diagonal preconditioner P = (1 − β1^t)/√(1 − β2^t) · diag(√v' + ε). With P frozen (it moves on
 *       the slow time scale of β2) and u = P^{1/2}θ, w = P^{−1/2}m, each eigendirection of
 *       A = P^{−1/2}HP^{−1/2} (eigenvalue λ, the same as those of P⁻¹H) obeys w' = β1 w + (1 − β1)λu,
 *       u' = u − ηw', i.e. u_{k+1} = (1 + β1 − η(1 − β1)λ)u_k − β1 u_{k−1}: heavy ball with β = β1 and
 *       h = η(1 − β1)λ. Stable iff λ &lt; 2(1 + β1)/((1 − β1)η) = (2 + 2β1)/((1 − β1)η) (38/η at
 *       β1 = 0.9). The sharpness is the preconditioned λmax(P⁻¹H), which the trainer's Hessian probe
 *       measures with P read from DL4J's updater state; ratio λmax(P⁻¹H)(1 − β1)η/(2 + 2β1).
 * </ul>
 *
 * <p>The ratio uses λmax of the loss the probe differentiates (without L2 or weight decay, which DL4J
 * applies in the updater; they shift the effective curvature by their coefficient, negligible at
 * usual values). A negative λmax (the loss is concave everywhere the probe looked) gives a negative
 * ratio: no oscillatory instability. Pure and stateless.
 */
public final class StabilityRatio {
    private StabilityRatio() {}

    /** Reason for {@link OptimizerSpec.Kind#UNKNOWN}. */
    public static final String UNKNOWN_OPTIMIZER = "optimizer not known (no run-started record yet, or a trainer that does not send it)";

    /**
     * A stability ratio, or its absence.
     *
     * @param ratio sharpness / threshold; NaN when absent
     * @param threshold the critical value of the sharpness the ratio divides by (2/η for SGD); NaN
     *     when it cannot be computed (unknown or other optimizer, no usable learning rate)
     * @param basis what the ratio is, e.g. {@code eta*lambda_max/2 (SGD)}; "" when there is no
     *     closed form
     * @param absentReason why there is no ratio; "" when present
     */
    public record Value(double ratio, double threshold, String basis, String absentReason) {
        public Value {
            basis = basis == null ? "" : basis;
            absentReason = absentReason == null ? "" : absentReason;
        }

        /** Whether there is a ratio. */
        public boolean present() {
            return absentReason.isEmpty();
        }

        static Value absent(double threshold, String basis, String reason) {
            return new Value(Double.NaN, threshold, basis, reason);
        }
    }

    /**
     * The stability ratio of a step.
     *
     * @param spec the run's optimizer
     * @param learningRate η of the step
     * @param lambdaMax λmax of H from the Hessian probe (NaN if none fresh)
     * @param preconditionedLambdaMax λmax(P⁻¹H) from the probe (NaN if none; Adam only)
     */
    public static Value of(OptimizerSpec spec, double learningRate, double lambdaMax, double preconditionedLambdaMax) {
        if (spec == null || spec.kind() == OptimizerSpec.Kind.UNKNOWN) {
            return Value.absent(Double.NaN, "", UNKNOWN_OPTIMIZER);
        }
        if (spec.kind() == OptimizerSpec.Kind.OTHER) {
            return Value.absent(Double.NaN, "", "no closed-form edge of stability for "
                    + (spec.name().isBlank() ? "this optimizer" : spec.name()));
        }
        if (!Double.isFinite(learningRate) || learningRate < 0) {
            return Value.absent(Double.NaN, "", "learning rate " + learningRate + " is not a finite number >= 0");
        }
        if (learningRate == 0) {
            return Value.absent(Double.NaN, "", "learning rate 0: the step does not move, so there is no edge of stability");
        }
        double eta = learningRate;
        switch (spec.kind()) {
            case SGD:
                return ratio(lambdaMax, 2 / eta, "eta*lambda_max/2 (SGD)", "λmax");
            case MOMENTUM: {
                double beta = spec.momentum();
                String basis = "eta*lambda_max/(2(1+beta)) (heavy-ball momentum, beta=" + number(beta) + ")";
                if (!(beta >= 0 && beta < 1)) {
                    return Value.absent(Double.NaN, basis, "momentum beta=" + number(beta)
                            + " is outside [0, 1), where the threshold 2(1+beta)/eta is derived");
                }
                return ratio(lambdaMax, 2 * (1 + beta) / eta, basis, "λmax");
            }
            case NESTEROV: {
                double mu = spec.momentum();
                String basis = "eta*lambda_max*(1+2mu)/(2(1+mu)) (Nesterov, mu=" + number(mu) + ")";
                if (!(mu >= 0 && mu < 1)) {
                    return Value.absent(Double.NaN, basis, "Nesterov momentum mu=" + number(mu)
                            + " is outside [0, 1), where the threshold 2(1+mu)/((1+2mu)eta) is derived");
                }
                return ratio(lambdaMax, 2 * (1 + mu) / ((1 + 2 * mu) * eta), basis, "λmax");
            }
            case ADAM: {
                double b1 = spec.beta1();
                String basis = "lambda_max(P^-1 H)*(1-beta1)*eta/(2+2beta1) (Adam, beta1=" + number(b1) + ")";
                if (!(b1 >= 0 && b1 < 1)) {
                    return Value.absent(Double.NaN, basis, "Adam beta1=" + number(b1)
                            + " is outside [0, 1), where the threshold (2+2beta1)/((1-beta1)eta) is derived");
                }
                return ratio(preconditionedLambdaMax, (2 + 2 * b1) / ((1 - b1) * eta), basis,
                        "preconditioned sharpness λmax(P⁻¹H) (Adam's edge of stability is on P⁻¹H, not on H)");
            }
            default:
                throw new AssertionError(spec.kind());
        }
    }

    private static Value ratio(double sharpness, double threshold, String basis, String what) {
        if (!Double.isFinite(sharpness)) {
            return Value.absent(threshold, basis, "no " + what + " from a fresh Hessian probe");
        }
        return new Value(sharpness / threshold, threshold, basis, "");
    }

    /** {@code x} with at most 6 significant digits, no exponent for usual values (0.9, 0.999, 1e-8). */
    static String number(double x) {
        if (!Double.isFinite(x)) {
            return Double.toString(x);
        }
        return new BigDecimal(x).round(new MathContext(6)).stripTrailingZeros().toString();
    }
}
