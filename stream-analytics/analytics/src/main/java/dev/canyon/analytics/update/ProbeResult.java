package dev.canyon.analytics.update;

import dev.canyon.kernels.path.LinearPathSummary;

/** A probe the trainer took at {@code at().step()}: curvature, Hessian extremes, the linear path or same-point gradients. */
public sealed interface ProbeResult extends Update {

    At at();

    @Override
    default String run() {
        return at().run();
    }

    /** Same-batch directional curvature: along the step and along the gradient (NaN when absent). */
    record Curvature(At at, double alongStep, double alongGradient) implements ProbeResult {}

    /**
     * Hessian extremes and trace, and the stability ratio against the run's optimizer with its latest
     * learning rate (NaN when absent).
     *
     * @param trace Hutchinson's estimate of tr H (the trainer sends 0 when it took no sample: see traceSamples)
     * @param traceStderr its standard error from the spread of the samples (NaN when not recorded: under 2 samples, or an older trainer)
     * @param traceSamples the Rademacher vectors behind the trace
     */
    record Hessian(At at, double lambdaMax, double lambdaMin, double trace, double traceStderr, int traceSamples, double stabilityRatio)
            implements ProbeResult {}

    /**
     * Same-point gradients: the unbiased ‖∇L‖² with its standard error, tr Σ per example, and the
     * noise scale tr Σ / ‖∇L‖² of this probe alone (NaN unless ‖∇L‖² is more than two standard errors
     * above zero).
     */
    record GradientNoise(At at, int parts, int partSize, double gradNormSq, double gradNormSqStderr, double noiseTrace,
            double noiseScale, boolean fixedBatch) implements ProbeResult {}

    /**
     * The loss along θ(α) = (1 − α)θ_0 + αθ_t on the training batch and, when the probe had one, a
     * validation batch (empty array and null summary otherwise).
     */
    record LinearPath(At at, double[] alpha, double[] trainLoss, double[] validationLoss, LinearPathSummary train,
            LinearPathSummary validation) implements ProbeResult {}
}
