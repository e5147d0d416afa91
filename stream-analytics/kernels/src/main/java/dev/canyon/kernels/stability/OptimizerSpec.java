package dev.canyon.kernels.stability;

import java.util.Objects;

/**
 * The optimizer of a run, as far as its edge of stability depends on it (see {@link StabilityRatio}).
 * Only the fields of its kind mean anything; the others are 0.
 *
 * @param kind which update rule
 * @param name the optimizer's own name (e.g. DL4J's {@code Nesterovs}; for {@link Kind#OTHER} the one
 *     the absent reason names); "" when unknown
 * @param momentum β of heavy-ball momentum, μ of Nesterov momentum
 * @param beta1 Adam's first-moment decay β1
 * @param beta2 Adam's second-moment decay β2 (enters the ratio only through the preconditioner P the
 *     trainer measures)
 * @param epsilon Adam's ε (likewise only through P)
 */
public record OptimizerSpec(Kind kind, String name, double momentum, double beta1, double beta2, double epsilon) {

    /**
     * The update rules with a closed-form edge of stability, and the two without one. The ordinals are
     * persisted (RunAnalyzer state, version 2): new kinds go at the end.
     */
    public enum Kind {
        /** θ ← θ − η g. */
        SGD,
        /** Heavy ball: v ← βv − η g; θ ← θ + v. */
        MOMENTUM,
        /** Nesterov momentum μ, as DL4J's {@code Nesterovs} updater implements it (see {@link StabilityRatio}). */
        NESTEROV,
        /** Adam (DL4J's {@code Adam}: bias-corrected, ε added to √v). */
        ADAM,
        /** A known optimizer without a closed-form edge of stability (AdaGrad, RMSProp, mixed updaters, ...). */
        OTHER,
        /** No optimizer announced (no run-started record yet, or a trainer that does not send it). */
        UNKNOWN
    }

    public OptimizerSpec {
        Objects.requireNonNull(kind, "kind");
        name = name == null ? "" : name;
    }

    /** Kind UNKNOWN, name "". */
    public static OptimizerSpec unknown() {
        return new OptimizerSpec(Kind.UNKNOWN, "", 0, 0, 0, 0);
    }

    /** Plain SGD. */
    public static OptimizerSpec sgd() {
        return new OptimizerSpec(Kind.SGD, "sgd", 0, 0, 0, 0);
    }

    /** Heavy-ball momentum with coefficient β. */
    public static OptimizerSpec momentum(double beta) {
        return new OptimizerSpec(Kind.MOMENTUM, "momentum", beta, 0, 0, 0);
    }

    /** Nesterov momentum with coefficient μ ({@code beta}). */
    public static OptimizerSpec nesterov(double beta) {
        return new OptimizerSpec(Kind.NESTEROV, "nesterov", beta, 0, 0, 0);
    }

    /** Adam with decays β1, β2 and ε. */
    public static OptimizerSpec adam(double beta1, double beta2, double epsilon) {
        return new OptimizerSpec(Kind.ADAM, "adam", 0, beta1, beta2, epsilon);
    }

    /** An optimizer without a closed-form edge of stability, by name (e.g. {@code AdaGrad}). */
    public static OptimizerSpec other(String name) {
        return new OptimizerSpec(Kind.OTHER, name, 0, 0, 0, 0);
    }
}
