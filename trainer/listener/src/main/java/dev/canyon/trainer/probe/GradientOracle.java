package dev.canyon.trainer.probe;

/**
 * The loss and mean gradient of a fixed batch at any parameter vector: what the probes need from a
 * model. Implementations must leave the model as they found it.
 */
public interface GradientOracle {
    /** d, the number of parameters. */
    int dimension();

    /** L(θ) on the oracle's batch. */
    double loss(double[] theta);

    /** ∇L(θ) (mean over the batch) written into {@code out}; returns L(θ). */
    double gradient(double[] theta, double[] out);
}
